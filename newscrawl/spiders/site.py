"""The spider of a site: routing only.

listing pages (paginated, up to ``max_pages``) -> article pages -> their "A lire aussi"
articles, depth-bounded by DEPTH_LIMIT. The site (its URL rules, hosts, start listings and
parsers) comes from the site registry under the spider's name (``newscrawl.sites``);
normalisation is the item pipelines'. ``newscrawl.spiders.sites`` makes one spider of this
class per registered site.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError, TimeoutError

from newscrawl import config, incremental, sites
from newscrawl.incremental.fetchtime import fetched_at
from newscrawl.middlewares.limits import (
    CUT_SHORT_META,
    BadRedirect,
    BrokenBody,
    RedirectLoop,
    ResponseTooLarge,
)
from newscrawl.pipelines import leading_steps
from newscrawl.sites.pages import classify_page, page_facts
from newscrawl.spiders.extraction import ExtractionPool, workers_for
from newscrawl.spiders.selector import page_selector

# Queued requests past which the next listing page waits behind the queued articles, and
# the priority that puts it there: below articles (-1) and related articles (-2), given
# DEPTH_PRIORITY 1 and DEPTH_LIMIT 2 (settings.py); lower still does no harm.
QUEUED_BEFORE_PAGINATION_WAITS = 500
BEHIND_EVERY_ARTICLE = -100


class SiteSpider(scrapy.Spider):
    """Crawls the registered site named like the spider (``scrapy crawl <site name>``)."""

    # Skip articles earlier runs emitted, under the run lock (newscrawl.incremental).
    incremental_state = True
    # Its articles go to the corpus store, NEWSCRAWL_STORE (newscrawl.corpus.extension).
    corpus_store = True
    gate = incremental.FETCH_EVERYTHING  # replaced in start(); pages parsed from the shell
    extraction: ExtractionPool | None = None  # extraction.workers_for(settings) > 0

    def __init__(self, *args, **kwargs):
        # Checked before anything is opened (newscrawl.config): a bad one is exit 2.
        given = config.spider_arguments(kwargs)
        super().__init__(*args, **{k: v for k, v in kwargs.items() if k not in given})
        self.site = sites.get(self.name)
        # -a since=2024-10-01 bounds the crawl by publication; -a refresh=all re-fetches all.
        self.since = given["since"]
        self.refresh_all = given["refresh"]
        self.start_list = given["start_urls"] or list(self.site.start_urls)
        self._max_pages_arg = given["max_pages"]
        self.start_hosts = {urlsplit(url).hostname for url in self.start_list} - {None}
        self.admitted: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.max_pages = spider._max_pages_arg or config.parse_setting(
            settings, "NEWSCRAWL_MAX_PAGES"
        )
        # OffsiteMiddleware matches these and their subdomains: the site's own hosts, any
        # the settings add (a mirror) and the start hosts, which make a local copy of the
        # site (127.0.0.1) crawl exactly like the real one.
        extra_hosts = settings.getlist("NEWSCRAWL_SITE_HOSTS")
        spider.allowed_domains = sorted(
            set(spider.site.hosts) | set(extra_hosts) | spider.start_hosts
        )
        workers = workers_for(settings)
        if workers:
            spider.extraction = ExtractionPool(
                spider.site.name, workers, crawler, steps=leading_steps(settings)
            )
            crawler.signals.connect(spider.extraction.close, signal=signals.spider_closed)
        return spider

    async def start(self):
        self.gate = incremental.gate_for(self.crawler)
        # Articles a stopped run asked for and never got: what linked to them is now known.
        for url, depth in self.gate.carried_over():
            request = self._article_request(url, depth=depth)
            if request is not None:
                yield request
        for url in self.start_list:
            if self.site.is_article_url(url):
                request = self._article_request(url)
                if request is not None:
                    yield request
            else:
                yield self._listing_request(url, page=self.site.listing_page_number(url))

    # --- requests ------------------------------------------------------------------------

    def _listing_request(self, url: str, page: int, *, behind: bool = False) -> scrapy.Request:
        # depth_reset: pagination must not use up DEPTH_LIMIT, which bounds article hops.
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.on_error,
            meta={"listing_page": page, "depth_reset": True, "page_kind": "listing"},
            priority=BEHIND_EVERY_ARTICLE if behind else 0,
        )

    def _pagination_waits(self) -> bool:
        """Whether the next listing page should wait for the articles already queued.

        Listing pages are depth 0, so shallow-first ordering fetches them before any
        article: a backfill of 500 pages per listing would queue every article of them in
        memory before parsing the first. Past a backlog, the next page waits behind the
        queued articles instead, which keeps the queue (and the memory) bounded.
        """
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        try:
            return scheduler is not None and len(scheduler) > QUEUED_BEFORE_PAGINATION_WAITS
        except Exception:  # a frontier that cannot say (Redis away): page as usual
            return False

    def _article_request(self, url: str, listed=None, **meta) -> scrapy.Request | None:
        article_id = self.site.article_id_from_url(url)
        if article_id is not None:
            # One string per article for the whole crawl, shared by every record of it kept
            # until the end (admitted here, the ledger, the duplicate pipeline's keys).
            article_id = sys.intern(article_id)
        # Known to the crawl state and not due for a re-visit: not fetched. Asked once per
        # article; repeated links to it are the duplicate filter's (newscrawl.fingerprint).
        if article_id is not None:
            if article_id not in self.admitted:
                self.admitted[article_id] = self.gate.admit(article_id, listed)
            if not self.admitted[article_id]:
                return None
        return scrapy.Request(
            url,
            callback=self.parse_article
            if self.extraction is None
            else self.parse_article_in_worker,
            errback=self.on_error,
            meta={"page_kind": "article", "article_id": article_id, **meta},
        )

    # --- callbacks -----------------------------------------------------------------------

    def parse(self, response):
        """Pages reached without a known kind (e.g. from the shell): route by URL."""
        if self.site.is_article_url(response.url):
            yield from self.parse_article(response)
        else:
            yield from self.parse_listing(response)

    def parse_listing(self, response):
        self.crawler.stats.inc_value("newscrawl/pages/listing")
        listing = self.site.parse_listing(page_selector(response), response.url)
        chosen = self._entry_per_article(listing.entries)
        listed = {article_id: self.gate.listed(e, response) for article_id, e in chosen.items()}
        for article_id, entry in chosen.items():
            request = self._article_request(entry.url, listed[article_id], listing_url=response.url)
            if request is not None:
                yield request
        page = response.meta.get("listing_page", 1)
        # The state may end pagination early: a page all known, or all older than since.
        if (
            listing.next_page
            and page < self.max_pages
            and not self.gate.stop_paging(list(listed.values()))
        ):
            yield self._listing_request(
                listing.next_page, page=page + 1, behind=self._pagination_waits()
            )

    def _entry_per_article(self, entries: list) -> dict:
        """One entry per article id, in page order: the first on a host this crawl follows.

        An off-site link carrying an article's id (a partner's copy, a tracker) listed before
        the site's own would otherwise stand for it and be dropped as off-site, losing it.
        """
        chosen: dict = {}
        for entry in entries:
            if not (entry.url and entry.article_id):
                continue
            known = chosen.get(entry.article_id)
            if known is None or (not self._follows(known.url) and self._follows(entry.url)):
                chosen[entry.article_id] = entry
        return chosen

    def _follows(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == own or host.endswith("." + own) for own in self.allowed_domains)

    def parse_article(self, response):
        facts = self._article_page(response)
        article = None
        if self._parsable(response, facts):
            article = self.site.parse_article(page_selector(response), response.url)
        yield from self._article_output(response, facts, article, fetched_at(response))

    async def parse_article_in_worker(self, response):
        """``parse_article`` with the parse in an extraction worker (spiders/extraction.py).

        A coroutine that returns its output, not an async generator: Scrapy awaits it
        before handing the output on. While an async generator awaited the worker, each of
        the ``CONCURRENT_ITEMS`` (100) tasks Scrapy starts per response waited on its
        queue, which cost the engine more per page than the parse.
        """
        facts = self._article_page(response)
        article = None
        # Once, here: the worker normalises the dates against it, the record carries it.
        fetched = fetched_at(response)
        if self._parsable(response, facts):
            article = await self.extraction.parse_article(response, fetched)
        return list(self._article_output(response, facts, article, fetched))

    def _article_page(self, response):
        self.crawler.stats.inc_value("newscrawl/pages/article")
        return page_facts(
            response.status,
            response.headers.get("Content-Type"),
            response.body,
            cut_short=response.meta.get(CUT_SHORT_META, False),
        )

    @staticmethod
    def _parsable(response, facts) -> bool:
        return facts.html and isinstance(response, TextResponse) and not facts.empty

    def _article_output(self, response, facts, article, fetched: str):
        """The page's records and requests once parsed: the Article and its related pages."""
        kind = classify_page(article, facts)
        if kind is not None:
            self._not_an_article(response, kind)
            return
        article.fetched_at = fetched
        for entry in self._entry_per_article(article.related).values():
            request = self._article_request(entry.url, related_from=article.article_id)
            if request is not None:
                yield request
        yield article

    def _not_an_article(self, response, kind: str) -> None:
        """A challenge, an empty 200, a PDF...: failed, not emitted, asked again next run."""
        self.crawler.stats.inc_value(f"newscrawl/failed/not_an_article/{kind}")
        self.crawler.stats.inc_value("newscrawl/failed")
        self.gate.retry_next_run(response.request)
        self.logger.warning("Failed article page %s: not an article (%s)", response.url, kind)

    def on_error(self, failure):
        request = failure.request
        if is_policy_skip(failure):
            # robots.txt, the address guard or the page cap refused the request: the
            # middleware that did counted it under its own reason; it is not a failure.
            self.gate.settled(request)
            self.logger.info("Skipped %s: %s", request.url, failure.value)
            return
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newscrawl/failed/{reason}")
        self.crawler.stats.inc_value("newscrawl/failed")
        self.gate.settled(request)  # failed for good: not carried over to the next run
        self.logger.warning(
            "Failed %s page %s: %s", request.meta.get("page_kind", "?"), request.url, reason
        )


def is_policy_skip(failure) -> bool:
    """A request refused on purpose, as opposed to a page that could not be fetched whole."""
    # HttpError and the body-size drops subclass IgnoreRequest but are real failures, and so
    # is the IgnoreRequest of a redirect chain that never reached a page.
    return (
        failure.check(IgnoreRequest) is not None
        and not failure.check(HttpError, ResponseTooLarge, BrokenBody, RedirectLoop, BadRedirect)
        and not redirects_exhausted(failure)
    )


def redirects_exhausted(failure) -> bool:
    """Scrapy's RedirectMiddleware gave up: REDIRECT_MAX_TIMES hops, or a loop, no page."""
    request = getattr(failure, "request", None)
    if request is None or not failure.check(IgnoreRequest) or failure.check(HttpError):
        return False
    # The middleware raises a bare IgnoreRequest when one more hop would exceed its budget:
    # redirect_ttl, REDIRECT_MAX_TIMES at the first hop, is down to 0 on that request.
    meta = request.meta
    return bool(meta.get("redirect_urls")) and meta.get("redirect_ttl") == 0


def failure_reason(failure) -> str:
    """A short, stats-friendly name for why a request failed."""
    if failure.check(RedirectLoop):
        return "redirect_loop"
    if failure.check(BadRedirect):
        return "bad_redirect"
    if redirects_exhausted(failure):
        return "too_many_redirects"
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(DNSLookupError):
        return "dns"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    return type(failure.value).__name__
