"""Bound how long a graceful stop (SIGTERM from systemd, Ctrl-C) may take.

On SIGTERM Scrapy stops scheduling and waits for every request in flight before it closes
the spider, completes the feeds and lets the run commit. A request to a hung server can hold
that for DOWNLOAD_TIMEOUT and its retries, past systemd's patience (TimeoutStopSec), and a
SIGKILL then throws the whole run's feeds away. After ``NEWSCRAWL_STOP_TIMEOUT`` seconds this
extension abandons the requests still in flight instead: the spider closes, the feeds of
what was scraped are completed and committed, and the abandoned articles, never marked done,
are fetched by the next run.

The engine has no public way to drop in-flight requests, so this reaches into its slot
(``newscrawl.scrapy_private``, checked when the watchdog is built).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from newscrawl.defaults import project_settings
from newscrawl.scrapy_private import engine_slot, require_engine_slot

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5


class StopWatchdog:
    def __init__(self, crawler: Any, timeout: float):
        self.crawler = crawler
        self.timeout = timeout
        self.deadline: float | None = None
        self.poll = LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StopWatchdog:
        timeout = project_settings(crawler.settings).getfloat("NEWSCRAWL_STOP_TIMEOUT")
        if timeout <= 0:
            raise NotConfigured
        require_engine_slot(__name__)
        watchdog = cls(crawler, timeout)
        crawler.signals.connect(watchdog.engine_started, signal=signals.engine_started)
        crawler.signals.connect(watchdog.spider_closed, signal=signals.spider_closed)
        return watchdog

    def engine_started(self) -> None:
        self.poll.start(POLL_SECONDS, now=False)

    def spider_closed(self, spider: Any = None) -> None:
        if self.poll.running:
            self.poll.stop()

    def _tick(self) -> None:
        # Crawler.stop_async() clears `crawling` first thing: a stop has been asked for.
        if self.crawler.crawling:
            return
        if self.deadline is None:
            self.deadline = time.monotonic() + self.timeout
            logger.info("Stopping: requests in flight get %.0f s to finish", self.timeout)
        elif time.monotonic() >= self.deadline:
            self.poll.stop()
            self._abandon_in_flight()

    def _abandon_in_flight(self) -> None:
        slot = engine_slot(self.crawler.engine, __name__)
        in_flight = slot.inprogress
        if not in_flight:
            return
        urls = sorted(request.url for request in in_flight)
        logger.warning(
            "Abandoning %d request(s) still in flight after %.0f s, fetched again next run: %s",
            len(urls),
            self.timeout,
            ", ".join(urls[:5]) + (" ..." if len(urls) > 5 else ""),
        )
        self.crawler.stats.inc_value("newscrawl/stop/abandoned_requests", len(urls))
        in_flight.clear()
        slot._maybe_fire_closing()
