"""The boursorama spider with article extraction in a process pool: does a pool pay?

``scrapy crawl boursorama_pool`` crawls exactly like ``boursorama`` (same name for its feeds
and state, same routing), but each article page is parsed in one of
``BENCH_EXTRACTION_WORKERS`` (1) worker processes while the engine, a single thread, keeps
fetching; the callback awaits the worker's Article on the asyncio reactor. Parsing is pure
(page text and URL in, an Article out), so the record is the same either way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from scrapy import signals

from newscrawl import sites
from newscrawl.incremental.fetchtime import fetched_at
from newscrawl.spiders.site import SiteSpider

SITE = "boursorama"


def parse_in_worker(text: str, url: str):
    return sites.get(SITE).parse_article(text, url)


class PooledSpider(SiteSpider):
    name = "boursorama_pool"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs["name"] = SITE  # the site, its feeds folder and its state are boursorama's
        spider = super().from_crawler(crawler, *args, **kwargs)
        workers = crawler.settings.getint("BENCH_EXTRACTION_WORKERS", 1)
        # spawn: the workers are this process's own children (their CPU time is counted)
        # and none inherits the reactor's file descriptors.
        spider.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
        crawler.signals.connect(spider.close_pool, signal=signals.spider_closed)
        return spider

    def close_pool(self, spider) -> None:
        self.pool.shutdown(wait=True)

    async def parse_article(self, response):
        self.crawler.stats.inc_value("newscrawl/pages/article")
        future = self.pool.submit(parse_in_worker, response.text, response.url)
        article = await asyncio.wrap_future(future)
        article.fetched_at = fetched_at(response)
        for entry in article.related:
            if entry.url:
                request = self._article_request(entry.url, related_from=article.article_id)
                if request is not None:
                    yield request
        yield article
