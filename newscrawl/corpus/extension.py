"""The crawl writes the corpus store: each scraped article is staged, the run committed at
the end, in the same order of events as the feeds and the crawl state.

End of a run (signal handlers run in the order their components were built, and this
extension's order in ``EXTENSIONS`` is below the feed exporter's and the incremental
extension's, so each step below runs before the next):

1. ``spider_closed``: the staged records are flushed *before* the feed exporter renames
   any feed to its final name (later items are written through one by one), so a run
   killed once its feeds are complete has every record of them staged;
2. the feeds are stored (``feed_exporter_closed``): the store commits the run, in one
   transaction; or discards it when a feed failed (the crawl state is discarded then too,
   and the next run fetches those articles again);
3. the crawl state commits (``newscrawl.incremental``), unless the store commit failed: the
   run then fails (``newscrawl/corpus/commit_failed``: status failed, exit 1) and its
   articles are fetched again next time.

A run killed at any point adds nothing to the corpus by itself: the next opening of the
store settles it like the crawl state settles it (``CorpusStore.discard_stale_runs``):
committed when its feeds are complete, else discarded and fetched again. A record the
store already holds (same content, same version) adds nothing, so no version is added twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter

from newscrawl.archive.wire import WARC_LOCATION_META
from newscrawl.defaults import project_settings
from newscrawl.feeds.addon import final_feed_paths
from newscrawl.incremental import outcome
from newscrawl.items import Article
from newscrawl.normalize.clock import utc_now

logger = logging.getLogger("newscrawl.corpus")

# Below the feed exporter (0, Scrapy's EXTENSIONS_BASE) and the incremental extension (0):
# built first, so its handlers of the same signal run first (see above).
ORDER = -10
COMMIT_FAILED = outcome.STORE_FAILED


class CorpusExtension:
    def __init__(self, crawler: Any, url: str):
        self.crawler = crawler
        self.stats = crawler.stats
        # Here, not at the top: Scrapy imports this module for every spider.
        from newscrawl.corpus.engine import CorpusError
        from newscrawl.corpus.store import CorpusStore

        try:
            self.store = CorpusStore.open(url)
        except CorpusError as exc:
            # Checked by newscrawl.config already; a store that broke since is one line too.
            from newscrawl.config import ConfigError

            raise ConfigError(f"-s NEWSCRAWL_STORE: {exc}") from None
        for run_id in self.store.recovered:
            logger.warning(
                "Corpus store: run %s did not finish; its feeds are complete: "
                "its versions are committed",
                run_id,
            )
        stamp = utc_now().strftime("%Y-%m-%dT%H-%M-%SZ")
        self.run_id = f"crawl-{stamp}-{socket.gethostname()}-{os.getpid()}"
        self.feeds_recorded = False
        self.closing = False
        self.done = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> CorpusExtension:
        if not getattr(crawler.spidercls, "corpus_store", False):
            raise NotConfigured("the spider does not write the corpus")
        url = project_settings(crawler.settings).get("NEWSCRAWL_STORE")
        if not url:
            raise NotConfigured("NEWSCRAWL_STORE is empty: no corpus store")
        ext = cls(crawler, url)
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.item_scraped, signal=signals.item_scraped)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.store.begin_run(self.run_id, kind="crawl", info={"spider": spider.name})
        logger.info("Corpus store %s: run %s", self.store.name, self.run_id)

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if self.done or not isinstance(item, Article):
            return  # after the commit: not in the feeds either, fetched again next run
        if not self.feeds_recorded:
            self.feeds_recorded = True
            # Their published names: a run killed once its feeds are out is committed.
            self.store.set_run_feeds(self.run_id, final_feed_paths(self.crawler))
        warc_file, warc_offset = (getattr(response, "meta", {}) or {}).get(WARC_LOCATION_META) or (
            None,
            None,
        )
        try:
            self.store.add(self.run_id, item, warc_file=warc_file, warc_offset=warc_offset)
            if self.closing:
                self.store.flush(self.run_id)
        except Exception as exc:
            self._stage_failed(f"record {item.url}", exc)
            return
        self.stats.inc_value("newscrawl/corpus/staged")

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.closing = True
        try:
            self.store.flush(self.run_id)
        except Exception as exc:
            self._stage_failed("the last batch of records", exc)
        if self.crawler.get_extension(FeedExporter) is None:
            self._finish(feeds_ok=not outcome.output_problems(self.stats.get_stats()))

    def _stage_failed(self, what: str, exc: Exception) -> None:
        # A record the feeds hold and the store does not would be missing from the corpus
        # for good (the crawl state marks it done): the run fails, its feeds are not
        # published, its state not committed, its staged records discarded.
        self.stats.inc_value(outcome.STORE_STAGE_ERRORS)
        logger.error(
            "Corpus store %s: could not stage %s: %s; this run's versions will not be stored",
            self.store.name,
            what,
            " ".join(str(exc).split())[:500],
        )

    def feed_exporter_closed(self) -> None:
        self._finish(feeds_ok=not outcome.output_problems(self.stats.get_stats()))

    def _finish(self, *, feeds_ok: bool) -> None:
        if self.done:
            return
        self.done = True
        try:
            if not feeds_ok:
                self.store.discard_run(self.run_id)
                logger.error("Corpus store: a feed failed; this run's versions are not stored")
                return
            result = self.store.commit_run(self.run_id)
        except Exception as exc:  # a store that failed must fail the run, never hide
            self.stats.set_value(COMMIT_FAILED, 1)
            # The state is not committed either: the next run fetches these again. Best
            # effort: a store that is down keeps the staged rows, settled at its next open.
            with contextlib.suppress(Exception):
                self.store.discard_run(self.run_id)
            logger.error(
                "Corpus store %s: the commit failed: %s",
                self.store.name,
                " ".join(str(exc).split())[:500],
            )
            return
        self.stats.set_value("newscrawl/corpus/added", result.added)
        logger.info(
            "Corpus store: committed run %s: %d records, %d new versions",
            self.run_id,
            result.staged,
            result.added,
        )

    def engine_stopped(self) -> None:
        self.store.close()
