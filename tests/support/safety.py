"""Shared pieces of the safety tests: a probe spider that follows every link, resolvers that
simulate DNS rebinding, and a crawl runner (the scripted server is ``scripted_server``).

The probe spider stands in for any spider: the middlewares under test must protect a crawl
whatever its spider does with links.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer

from newscrawl.middlewares.ssrf import GuardedResolver
from tests.support.crawl_runner import crawl_in_subprocess

# --- spider ------------------------------------------------------------------------------


class ProbeSpider(scrapy.Spider):
    """Follows every link of every HTML page; one item per page fetched.

    Arguments: start_urls (comma-separated); headers (JSON object added to the start
    requests); follow ("0" to fetch the start URLs only).
    """

    name = "safety_probe"

    def __init__(self, start_urls="", headers="{}", follow="1", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [url for url in start_urls.split(",") if url]
        self.start_hosts = {urlsplit(url).hostname for url in self.start_urls}
        self.extra_headers = json.loads(headers)
        self.follow = follow == "1"

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, headers=self.extra_headers, errback=self.on_error)

    def parse(self, response):
        if not hasattr(response, "text"):
            yield {"url": response.url, "status": response.status, "text": None}
            return
        yield {
            "url": response.url,
            "status": response.status,
            "encoding": response.encoding,
            "title": response.css("title::text").get(),
            "text": " ".join(response.css("body ::text").getall()),
        }
        if self.follow:
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, errback=self.on_error)

    def on_error(self, failure):
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newscrawl/failed/{reason}")
        self.logger.warning("Failed %s: %s", failure.request.url, reason)


def failure_reason(failure) -> str:
    """As the project spider names failures: http_<status> or the exception's class."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__


# --- resolvers that rebind ---------------------------------------------------------------

REBIND_HOST = "rebind.test"


class RebindingResolver(GuardedResolver):
    """``rebind.test`` answers a public address first, then 127.0.0.1: the textbook attack."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = 0

    def lookup(self, name, timeout=()):
        if name != REBIND_HOST:
            return super().lookup(name, timeout)
        self.answers += 1
        return defer.succeed("93.184.216.34" if self.answers == 1 else "127.0.0.1")


class RebindingUnvettedResolver(RebindingResolver):
    """The same DNS, with the connect-time check off: only the middleware's check is left."""

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.enabled = False
        return resolver


# --- crawling ----------------------------------------------------------------------------

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCRAWL_FEEDS_ENABLED": "False",
    "NEWSCRAWL_RETRY_BACKOFF_BASE": "0.05",
    "NEWSCRAWL_RETRY_BACKOFF_MAX": "0.2",
    "LOG_LEVEL": "INFO",
}


# The probe's dict items are not articles: the article pipelines would drop them.
PROBE = {"SPIDER_MODULES": "tests.support.safety", "ITEM_PIPELINES": "{}"}


def crawl(tmp_path: Path, spider_args: dict[str, str], settings: dict | None = None, spider=None):
    """Run one crawl in a subprocess (the reactor cannot restart); items, stats, log, RSS."""
    merged = {**FAST, **(PROBE if spider is None else {}), **(settings or {})}
    return crawl_in_subprocess(tmp_path, spider_args, merged, spider or ProbeSpider.name)
