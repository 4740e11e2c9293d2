"""The feeds add-on: default feeds for every run, and the guard against feeds that would break.

Enabled in ``ADDONS``. At crawl start (``update_settings``) it

- registers the CSV table exporters and the atomic file storage, at add-on priority so a
  ``FEED_EXPORTERS`` / ``FEED_STORAGES`` entry of the project or the command line still wins;
- refuses ``-o x.json`` (appending a second JSON array gives ``][``, which no reader takes);
- when no ``FEEDS`` is given (``-o``, ``-O`` or ``-s FEEDS=`` replace the defaults) and
  ``NEWSCRAWL_FEEDS_ENABLED`` is true, reserves this run's own folder
  ``NEWSCRAWL_FEEDS_DIR/<spider>/<run start, UTC>/`` (written as a hidden ``.part`` folder,
  see ``publish``) and sets ``FEEDS`` to the four default feeds in it. A fresh folder per
  run is what keeps re-runs from appending or duplicating.

During the run its ``RowCheck`` counts the records every feed must hold. At the end the
folder is published only when every feed is complete and nothing vetoes it (a feed or
crawl-state write that failed: ``newscrawl.incremental.outcome.output_problems``); it logs
the folder and each feed's row count.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.spider import DefaultSpider

from newscrawl import defaults
from newscrawl.feeds.formats import DEFAULT_FEEDS, EXPORTERS, STORAGE
from newscrawl.feeds.publish import RunFolder, run_stamp
from newscrawl.feeds.rowcheck import RowCheck
from newscrawl.feeds.uri import local_path
from newscrawl.incremental.outcome import output_problems
from newscrawl.normalize.clock import utc_now

logger = logging.getLogger(__name__)

__all__ = ["FeedConfigError", "FeedsAddon", "check_feeds", "reserve_run_dir", "run_stamp"]


class FeedConfigError(SystemExit):
    """A feed setup that would write a broken file.

    A SystemExit so the command line shows one message and exits non-zero instead of a
    traceback from inside the crawler's startup task; a script can still catch it.
    """


def reserve_run_dir(base: Path, spider: str, now: datetime) -> RunFolder:
    """Create this run's folder (hidden until published); same second -> ``-2``..."""
    return RunFolder.reserve(base, spider, now)


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
        self.run: RunFolder | None = None
        self.rows = RowCheck(crawler)
        self.published: bool | None = None
        """None until the end of the run; then whether the run folder was published."""
        self.final_name_hooks: list[Any] = []
        """Run before any feed file or the run folder gets its final name (a recovery
        trusts what is there then): the crawl state's flush of its staged visits."""

    @property
    def run_dir(self) -> Path | None:
        """The folder the run's default feeds are (or will be) published as."""
        return self.run.final if self.run is not None else None

    @classmethod
    def from_crawler(cls, crawler: Any) -> FeedsAddon:
        addon = cls(crawler)
        connect = crawler.signals.connect
        # Add-ons are built before extensions: the row count sees each item before the
        # feed exporter writes it.
        connect(addon.rows.item_scraped, signal=signals.item_scraped)
        connect(addon.rows.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(addon.spider_opened, signal=signals.spider_opened)
        connect(addon.feeds_closed, signal=signals.feed_exporter_closed)
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
        self.run = reserve_run_dir(base, spider.name or "spider", utc_now())
        feeds = {
            str(self.run.temp / name): {"format": fmt, "overwrite": True, "store_empty": True}
            for name, fmt in DEFAULT_FEEDS.items()
        }
        settings.set("FEEDS", feeds, priority="addon")

    def before_final_names(self) -> None:
        for hook in self.final_name_hooks:
            hook()

    def final_path(self, path: str) -> str:
        """Where a feed file is once its run is published (itself for the user's feeds)."""
        return str(self.run.final_path(path)) if self.run is not None else path

    def spider_opened(self, spider: Any) -> None:
        if self.run is not None:
            self.crawler.stats.set_value("newscrawl/feeds/dir", str(self.run.final))
            logger.info(
                "Feeds of this run go to %s (written in %s until complete)",
                self.run.final,
                self.run.temp.name,
            )

    def feeds_closed(self) -> None:
        self.publish()

    def publish(self) -> bool:
        """Publish the run folder if every feed is complete; idempotent. True when done.

        Without a run folder (the user's FEEDS) the answer is whether every feed is
        complete: each file got its final name on its own.
        """
        if self.published is not None:
            return self.published
        self.rows.finish()
        stats = self.crawler.stats
        problems = output_problems(stats.get_stats())
        if self.run is None:
            self.published = not problems
            return self.published
        written, missing = [], []
        for name, fmt in DEFAULT_FEEDS.items():
            if (self.run.temp / name).is_file():
                rows = stats.get_value(f"newscrawl/feeds/{fmt}/rows", 0)
                written.append(f"{name} ({rows} rows)")
            else:
                missing.append(name)
        if missing:
            problems.append(f"feeds not written: {', '.join(missing)}")
        if not problems:
            try:
                self.before_final_names()
            except Exception as exc:
                problems.append(f"the crawl state could not be written: {exc}")
        if not problems:
            try:
                self.run.publish()
            except OSError as exc:
                problems.append(f"the run folder could not be published: {exc}")
        self.published = not problems
        if self.published:
            logger.info("Feeds written to %s: %s", self.run.final, ", ".join(written) or "none")
            return True
        stats.set_value("newscrawl/feeds/unpublished", 1)
        logger.error(
            "Feeds NOT published: %s. What was written stays in %s; nothing of this run is "
            "marked done, its articles are fetched again next run",
            "; ".join(problems),
            self.run.temp,
        )
        return False


def final_feed_paths(crawler: Any) -> list[str]:
    """Where the crawl's feeds will be once complete: how the crawl state and the corpus
    store tell, after a run was killed, that its feeds made it (the default feeds are
    written in the run's hidden ``.part`` folder until it is published)."""
    exporter = crawler.get_extension(FeedExporter)
    feeds = crawler.get_addon(FeedsAddon)
    paths = []
    for slot in getattr(exporter, "slots", []):
        path = local_path(slot.uri)
        if path is None:
            paths.append(slot.uri)  # not a local file: never found, the run is not taken
            continue
        # Absolute: the next run may start in another working folder ("-O out.jsonl").
        paths.append(os.path.abspath(feeds.final_path(path) if feeds is not None else path))
    return paths
