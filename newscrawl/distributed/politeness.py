"""The downloader side of the shared host budget (``budget``): wait for the grant, share
backoffs.

A request starts only once Redis grants it a slot of its host's budget; until then it waits
here, in the downloader (the scheduler leases no more than the budget lets a worker start
soon, so nothing piles up). It sits after the archive replay middleware, so a replayed page
costs no budget. A 429/503 that the retry middleware backs off from (``HOST_BACKOFF``)
pauses the host for every worker.

Redis unreachable: the request waits and asks again every ``NEWSCRAWL_REDIS_RETRY_INTERVAL``
seconds; without the budget there is no telling how fast the other workers go.
"""

from __future__ import annotations

import logging
import time

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from newscrawl.defaults import project_settings
from newscrawl.distributed.budget import HostBudget, host_of
from newscrawl.distributed.connection import UNAVAILABLE, client_from_settings
from newscrawl.distributed.keys import crawl_keys
from newscrawl.middlewares.retry import HOST_BACKOFF

logger = logging.getLogger(__name__)

STATS = "newscrawl/budget/"


class HostBudgetMiddleware:
    def __init__(self, crawler, budget: HostBudget, retry_interval: float):
        self.crawler = crawler
        self.stats = crawler.stats
        self.budget = budget
        self.retry_interval = retry_interval
        self._redis_down = False
        self._retry_at = 0.0
        crawler.signals.connect(self._on_backoff, signal=HOST_BACKOFF)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ours = project_settings(settings)
        rate = ours.getfloat("NEWSCRAWL_HOST_RATE")
        if rate <= 0 or not settings.get("NEWSCRAWL_REDIS_URL"):
            raise NotConfigured("no shared host budget")
        keys = crawl_keys(settings, crawler.spidercls.name)
        budget = HostBudget(client_from_settings(settings), keys, rate)
        return cls(crawler, budget, ours.getfloat("NEWSCRAWL_REDIS_RETRY_INTERVAL"))

    async def process_request(self, request):
        host = host_of(request.url)
        waited = False
        while True:
            wait = self._ask(host)
            if wait == 0:
                break
            if not waited:
                self.stats.inc_value(STATS + "waited")
                waited = True
            await _sleep(wait)
        self.stats.inc_value(STATS + "granted")
        return None

    def _ask(self, host: str) -> float:
        if self._redis_down and time.monotonic() < self._retry_at:
            # One call a retry interval, not one a waiting request: each may block the
            # reactor for the client timeout while Redis stalls.
            return self._retry_at - time.monotonic()
        try:
            wait = self.budget.acquire(host)
        except UNAVAILABLE as exc:
            if not self._redis_down:
                logger.warning("Host budget: Redis unreachable (%s); requests wait for it", exc)
                self._redis_down = True
            self._retry_at = time.monotonic() + max(self.retry_interval, 0.1)
            return max(self.retry_interval, 0.1)
        if self._redis_down:
            logger.warning("Host budget: Redis is back")
            self._redis_down = False
        return wait

    def _on_backoff(self, host: str, seconds: float) -> None:
        try:
            if self.budget.pause(host, seconds):
                self.stats.inc_value(STATS + "pauses")
                logger.info("Paused %s for %.1f s for every worker", host, seconds)
        except UNAVAILABLE as exc:
            logger.warning("Could not share the pause of %s: %s", host, exc)


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))
