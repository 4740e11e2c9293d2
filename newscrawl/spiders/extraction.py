"""Article pages parsed in worker processes, while the engine's one thread keeps fetching.

``NEWSCRAWL_EXTRACTION_WORKERS = N`` (N > 0) hands each article page's text to one of N
worker processes; the spider's callback awaits the Article on the asyncio reactor. The
parser is pure (the page's text and URL in, an Article out: ``newscrawl.sites``), so the
record is the one the engine's process would have made; only the order in which
concurrent pages finish, and so the order of the feeds' rows, may differ.

What never happens because of the pool:
- a lost page: a worker that died (killed, out of memory) fails its pages with
  ``BrokenProcessPool``; each is parsed again in the engine's process, a new pool is
  started for the next ones, and ``newscrawl/extraction/worker_restarts`` counts it;
- a page parsed differently: the worker parses the text Scrapy decoded, as HTML, exactly as
  ``response.selector`` does;
- a worker left behind: the pool shuts down when the spider closes, and a worker whose
  crawl was killed (SIGKILL: no clean-up runs) exits within a second (``newscrawl.workers``).

Workers are started with ``spawn`` (a fresh interpreter): forking a process that runs a
reactor and threads is unsafe.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from parsel import Selector

from newscrawl import sites
from newscrawl.items import Article
from newscrawl.workers import process_pool

logger = logging.getLogger("newscrawl.extraction")

RESTARTS_STAT = "newscrawl/extraction/worker_restarts"
IN_WORKER_STAT = "newscrawl/extraction/parsed_in_worker"


def parse_page(site_name: str, text: str, url: str) -> Article:
    """The worker's job: the site's parser on the page text, read as HTML."""
    return sites.get(site_name).parse_article(Selector(text=text, type="html"), url)


class ExtractionPool:
    def __init__(self, site_name: str, workers: int, crawler: Any):
        self.site_name = site_name
        self.workers = workers
        self.crawler = crawler  # its stats exist once the crawl starts, not yet here
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        # Started at the first article page: a crawl that parses none starts no process.
        if self._pool is None:
            self._pool = process_pool(self.workers, "spawn")
        return self._pool

    async def parse_article(self, text: str, url: str) -> Article:
        pool = self._executor()
        try:
            article = await asyncio.wrap_future(pool.submit(parse_page, self.site_name, text, url))
        except BrokenProcessPool:
            self._restart(pool, url)
            return parse_page(self.site_name, text, url)
        self.crawler.stats.inc_value(IN_WORKER_STAT)
        return article

    def _restart(self, broken: ProcessPoolExecutor, url: str) -> None:
        # Every page in flight in the dead pool lands here; the first one replaces it.
        if self._pool is broken:
            self._pool = None
            self.crawler.stats.inc_value(RESTARTS_STAT)
            logger.warning(
                "An extraction worker died (parsing %s or a page beside it); its pages are "
                "parsed in the engine's process and a new worker is started",
                url,
            )
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
