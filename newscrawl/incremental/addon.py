"""The incremental add-on: takes the run lock before anything is written, installs the rest.

In ``ADDONS`` before the feeds add-on. Only spiders that set ``incremental_state = True``
take part, so ``scrapy shell``/``fetch`` never lock.
"""

from __future__ import annotations

from typing import Any

from newscrawl import defaults
from newscrawl.incremental.runlock import RunLock

EXTENSION = "newscrawl.incremental.extension.IncrementalExtension"
WATCHDOG = "newscrawl.incremental.watchdog.StopWatchdog"
PIPELINE = "newscrawl.incremental.pipeline.VersionPipeline"
# After validation (400), before de-duplication (500), which keys on (article_id, version).
PIPELINE_ORDER = 450


def takes_part(spidercls: Any) -> bool:
    return bool(getattr(spidercls, "incremental_state", False))


class IncrementalAddon:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.lock: RunLock | None = None
        self.active = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalAddon:
        return cls(crawler)

    def update_settings(self, settings: Any) -> None:
        defaults.apply(settings)
        if not takes_part(self.crawler.spidercls):
            return
        # Before the feeds add-on creates this run's folder: a refused run leaves no trace.
        # RunLocked propagates and fails the crawl; the crawl command maps it to EXIT_LOCKED.
        # A shared store (NEWSCRAWL_STATE_STORE, set by distributed mode) has several writers
        # by design, the workers of one crawl: no lock on a local folder then.
        if not settings.get("NEWSCRAWL_STATE_STORE"):
            state_dir = defaults.project_settings(settings).get(
                "NEWSCRAWL_STATE_DIR", empty_is_default=True
            )
            self.lock = RunLock(state_dir).acquire()
        self.active = True
        settings["EXTENSIONS"].set(EXTENSION, 0, priority="addon")
        settings["EXTENSIONS"].set(WATCHDOG, 0, priority="addon")
        settings["ITEM_PIPELINES"].set(PIPELINE, PIPELINE_ORDER, priority="addon")
