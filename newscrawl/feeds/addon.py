"""The feeds add-on: default feeds for every run, and the guard against feeds that would break.

Enabled in ``ADDONS``. At crawl start (``update_settings``) it

- registers the CSV table exporters and the atomic file storage, at add-on priority so a
  ``FEED_EXPORTERS`` / ``FEED_STORAGES`` entry of the project or the command line still wins;
- refuses ``-o x.json`` (appending a second JSON array gives ``][``, which no reader takes);
- when no ``FEEDS`` is given (``-o``, ``-O`` or ``-s FEEDS=`` replace the defaults) and
  ``NEWSCRAWL_FEEDS_ENABLED`` is true, creates this run's own folder
  ``NEWSCRAWL_FEEDS_DIR/<spider>/<run start, UTC>/`` and sets ``FEEDS`` to the four default
  feeds in it. A fresh folder per run is what keeps re-runs from appending or duplicating.

At the end of the run it logs the folder and each feed's row count.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.utils.spider import DefaultSpider

from newscrawl import defaults
from newscrawl.feeds.formats import DEFAULT_FEEDS, EXPORTERS, STORAGE
from newscrawl.feeds.uri import local_path
from newscrawl.normalize.clock import utc_now

logger = logging.getLogger(__name__)


class FeedConfigError(SystemExit):
    """A feed setup that would write a broken file.

    A SystemExit so the command line shows one message and exits non-zero instead of a
    traceback from inside the crawler's startup task; a script can still catch it.
    """


def run_stamp(now: datetime) -> str:
    """The run start as a folder name: UTC, sortable, no ":" (Windows refuses it)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "spider"


def reserve_run_dir(base: Path, spider: str, now: datetime) -> Path:
    """Create and return this run's folder; a second run in the same second gets ``-2``..."""
    parent = base / _safe_name(spider)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = run_stamp(now)
    for attempt in range(1, 1000):
        folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder.resolve()
    raise FileExistsError(f"no free run folder for {stamp} under {parent}")


def check_feeds(feeds: dict[Any, dict[str, Any]]) -> None:
    """Refuse appending to a JSON array file: the second run would make it invalid."""
    for uri, options in feeds.items():
        uri = str(uri)
        fmt = (options or {}).get("format") or Path(uri).suffix.removeprefix(".")
        if fmt == "json" and not (options or {}).get("overwrite") and local_path(uri) is not None:
            raise FeedConfigError(
                f"newscrawl: refusing to append to the JSON feed {uri!r}: a second run would "
                "leave '][' in it and break the file. Use -O to overwrite it, or a .jsonl "
                "(JSON Lines) file, which -o can append to safely."
            )


class FeedsAddon:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.run_dir: Path | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> FeedsAddon:
        addon = cls(crawler)
        crawler.signals.connect(addon.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(addon.feeds_closed, signal=signals.feed_exporter_closed)
        return addon

    def update_settings(self, settings: Any) -> None:
        defaults.apply(settings)
        for fmt, path in EXPORTERS.items():
            settings["FEED_EXPORTERS"].set(fmt, path, priority="addon")
        for scheme in ("", "file"):
            settings["FEED_STORAGES"].set(scheme, STORAGE, priority="addon")

        feeds = settings.getdict("FEEDS")
        check_feeds(feeds)
        ours = defaults.project_settings(settings)
        if feeds or not ours.getbool("NEWSCRAWL_FEEDS_ENABLED"):
            return
        if issubclass(self.crawler.spidercls, DefaultSpider):
            return  # "scrapy shell/fetch URL" without a project spider: not a crawl run

        spider = self.crawler.spider or self.crawler.spidercls
        base = Path(ours.get("NEWSCRAWL_FEEDS_DIR", empty_is_default=True))
        self.run_dir = reserve_run_dir(base, spider.name or "spider", utc_now())
        feeds = {
            str(self.run_dir / name): {"format": fmt, "overwrite": True, "store_empty": True}
            for name, fmt in DEFAULT_FEEDS.items()
        }
        settings.set("FEEDS", feeds, priority="addon")

    def spider_opened(self, spider: Any) -> None:
        if self.run_dir is not None:
            self.crawler.stats.set_value("newscrawl/feeds/dir", str(self.run_dir))
            logger.info("Feeds of this run go to %s", self.run_dir)

    def feeds_closed(self) -> None:
        if self.run_dir is None:
            return
        stats = self.crawler.stats
        written, missing = [], []
        for name, fmt in DEFAULT_FEEDS.items():
            if (self.run_dir / name).is_file():
                rows = stats.get_value(f"newscrawl/feeds/{fmt}/rows", 0)
                written.append(f"{name} ({rows} rows)")
            else:
                missing.append(name)
        logger.info("Feeds written to %s: %s", self.run_dir, ", ".join(written) or "none")
        if missing:
            # Storing failed (the error is logged above); what was exported is in *.part.
            logger.error("Feeds NOT written to %s: %s", self.run_dir, ", ".join(missing))
