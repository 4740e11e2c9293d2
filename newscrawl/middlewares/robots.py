"""robots.txt as RFC 9309 reads it, where Scrapy's middleware is more lenient.

Scrapy parses whatever body comes back and, when the fetch fails, crawls the host freely.
RFC 9309 section 2.3.1: 4xx ("unavailable") means no rules; 5xx or a network error
("unreachable") means the crawler MUST assume a complete disallow. So here:

* 2xx: the file's rules; 4xx (except 429): everything allowed, the error page is not parsed
  as rules;
* 5xx, 429 (an overloaded server, like Google treats it), a timeout or any download error
  after retries, or a robots.txt this crawl refuses to read (redirected to a private
  address, over DOWNLOAD_MAXSIZE): the host is not crawled for this run, with one WARNING
  line saying why, and each refused request counted under
  ``newscrawl/blocked/robots_unreachable``.

``NEWSCRAWL_ROBOTS_UNREACHABLE_ALLOW = True`` restores Scrapy's crawl-anyway behaviour.
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class Unreachable:
    """Stands in for a parser when robots.txt could not be read: nothing is allowed."""

    def __init__(self, why: str):
        self.why = why

    def allowed(self, url, user_agent) -> bool:
        return False


class Rfc9309RobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.unreachable_allow = crawler.settings.getbool("NEWSCRAWL_ROBOTS_UNREACHABLE_ALLOW")

    async def _parse_robots(self, response, netloc, request):
        status = response.status
        if 400 <= status < 500 and status != 429:
            self._stats.inc_value("newscrawl/robots/unavailable_allowed")
            response = response.replace(body=b"")
        elif (status >= 500 or status == 429) and not self.unreachable_allow:
            self._stats.inc_value(f"robotstxt/response_status_count/{status}")
            self._unreachable(netloc, f"HTTP {status}")
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc):
        # Any way of not getting the rules counts, our own refusals included (a robots.txt
        # redirected to a private address, an oversized or corrupt one): rules unread are
        # not permission.
        if self.unreachable_allow:
            super()._robots_error(exc, netloc)
            return
        if not isinstance(exc, IgnoreRequest):
            self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
        self._unreachable(netloc, f"{type(exc).__name__}: {exc}")

    def _unreachable(self, netloc: str, why: str) -> None:
        logger.warning(
            "robots.txt of %s is unreachable (%s): not crawling %s in this run (RFC 9309 2.3.1.4)",
            netloc,
            why,
            netloc,
        )
        self._stats.inc_value("newscrawl/robots/unreachable_hosts")
        waiting = self._parsers[netloc]
        parser = Unreachable(why)
        self._parsers[netloc] = parser
        waiting.callback(parser)

    async def robot_parser(self, request):
        # Scrapy 2.19 lets every request that arrives while robots.txt is being fetched
        # await the same Deferred; asFuture() hands the parser to the first and None
        # ("allowed") to all the others. Each waiter gets its own Deferred instead.
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred = Deferred()

        def relay(result):
            waiter.callback(result)
            return result

        pending.addBoth(relay)
        return await maybe_deferred_to_future(waiter)

    def process_request_2(self, rp, request):
        if isinstance(rp, Unreachable):
            self._stats.inc_value("newscrawl/blocked/robots_unreachable")
            netloc = urlparse_cached(request).netloc
            raise IgnoreRequest(f"robots.txt of {netloc} unreachable ({rp.why})")
        super().process_request_2(rp, request)
