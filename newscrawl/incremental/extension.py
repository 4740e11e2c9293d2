"""The incremental run: one extension wiring six small pieces to Scrapy's signals.

- the spider's gate (``gate.Gate``): "is this article due?", "does pagination go on?";
- request bookkeeping (``ledger.RequestLedger``): what was asked for and answered;
- versioning (``versions.Versioner``, run by ``pipeline.VersionPipeline``);
- the commit (``commit.RunCommit``): state committed only when every feed is in place;
- the run summary (``summary.report_run``): outcome, exit code, one log line, with the
  verdict of the run's judges (``runend``: the monitors);
- the lock release (``runlock.RunLock``, taken by ``addon.IncrementalAddon``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.misc import load_object

from newscrawl.defaults import project_settings
from newscrawl.feeds.addon import FeedsAddon
from newscrawl.incremental import outcome, runend
from newscrawl.incremental.addon import IncrementalAddon
from newscrawl.incremental.commit import RunCommit
from newscrawl.incremental.gate import FETCH_EVERYTHING, Gate
from newscrawl.incremental.ledger import RequestLedger
from newscrawl.incremental.revisit import RevisitPolicy, parse_duration
from newscrawl.incremental.runend import RunEnd
from newscrawl.incremental.runlock import RunLock, StateBusy
from newscrawl.incremental.state import STATE_FILE, CrawlState, open_state
from newscrawl.incremental.summary import report_run
from newscrawl.incremental.versions import Versioner
from newscrawl.items import Article
from newscrawl.normalize.clock import utc_iso, utc_now

logger = logging.getLogger("newscrawl.incremental")


def gate_for(crawler: Any) -> Any:
    """The object the spider asks about articles and pagination."""
    extension = crawler.get_extension(IncrementalExtension) if crawler else None
    return extension.gate if extension is not None else FETCH_EVERYTHING


class IncrementalExtension:
    def __init__(self, crawler: Any, lock: RunLock | None):
        settings = project_settings(crawler.settings)
        self.crawler = crawler
        self.stats = crawler.stats
        self.lock = lock
        self.enabled = settings.getbool("NEWSCRAWL_INCREMENTAL")
        self.state_dir = Path(settings.get("NEWSCRAWL_STATE_DIR", empty_is_default=True))
        self.started = utc_now()
        self._clock = time.monotonic()
        self.run_id = f"{self.started.strftime('%Y-%m-%dT%H-%M-%SZ')}-{os.getpid()}"
        self.policy = RevisitPolicy(
            window=parse_duration(settings.get("NEWSCRAWL_REVISIT_WINDOW")),
            every=parse_duration(settings.get("NEWSCRAWL_REVISIT_EVERY")),
        )
        self.store: CrawlState | None = None
        self.outcome: outcome.Outcome | None = None
        trust_known = False
        if self.enabled:
            store = crawler.settings.get("NEWSCRAWL_STATE_STORE")
            try:
                self.store = load_object(store)(crawler) if store else open_state(self.state_dir)
            except sqlite3.OperationalError as exc:
                raise self._busy(exc) from None
        self.ledger = RequestLedger(self.stats)
        self.versions = Versioner(self.stats, self.store, self.run_id)
        self.commit = RunCommit(crawler, self.store, self.run_id)
        if self.store is not None:
            try:
                self.commit.recover()
                # Known entries stop pagination only after a run that crawled everything.
                trust_known = self.store.last_run_reason() == "finished"
                self.store.begin_run(self.run_id, utc_iso(self.started))
            except sqlite3.OperationalError as exc:
                raise self._busy(exc) from None
            feeds = crawler.get_addon(FeedsAddon)
            if feeds is not None:
                feeds.final_name_hooks.append(self.flush_state)
        self.gate = Gate(
            self.stats, self.store, self.policy, self.started, self.ledger, trust_known=trust_known
        )

    def _busy(self, exc: sqlite3.OperationalError) -> Exception:
        # Not another run (that is the run lock) but as plain to its user: one line, exit 75.
        if "locked" in str(exc):
            return StateBusy(self.state_dir / STATE_FILE, str(exc))
        return exc

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalExtension:
        addon = crawler.get_addon(IncrementalAddon)
        if addon is None or not addon.active:
            raise NotConfigured("the spider does not use the crawl state")
        ext = cls(crawler, addon.lock)
        # The order matters to the commit: feed slots close, then the exporter, then the
        # spider, then the engine (summary and lock release last).
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=signals.spider_opened)
        connect(ext.request_scheduled, signal=signals.request_scheduled)
        connect(ext.request_dropped, signal=signals.request_dropped)
        connect(ext.response_received, signal=signals.response_received)
        connect(ext.item_scraped, signal=signals.item_scraped)
        connect(ext.item_error, signal=signals.item_error)
        connect(ext.feed_slot_closed, signal=signals.feed_slot_closed)
        connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        connect(ext.spider_closed, signal=signals.spider_closed)
        connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    # --- run start -----------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        self.policy = RevisitPolicy(
            window=self.policy.window,
            every=self.policy.every,
            refresh_all=bool(getattr(spider, "refresh_all", False)),
            since=getattr(spider, "since", None),
        )
        self.gate.policy = self.policy
        mode = "on" if self.enabled else "off"
        logger.info(
            "Incremental mode %s (state %s, run %s): re-visit window %s, every %s%s%s",
            mode,
            self.state_dir,
            self.run_id,
            self.policy.window,
            self.policy.every,
            ", refresh=all" if self.policy.refresh_all else "",
            f", since {self.policy.since.isoformat()}" if self.policy.since else "",
        )

    # --- requests ------------------------------------------------------------------------

    def request_scheduled(self, request: Any, spider: Any = None) -> None:
        self.ledger.request_scheduled(request)

    def request_dropped(self, request: Any, spider: Any = None) -> None:
        self.ledger.request_dropped(request)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        self.ledger.response_received(response, request)

    # --- items ---------------------------------------------------------------------------

    def version_item(self, item: Article) -> Article:
        """Number the item's version; raise DropItem when it should not be emitted."""
        return self.versions.version_item(item, self.policy)

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Article):
            return
        # After the commit, only a response abandoned at shutdown can still arrive: its
        # feeds are closed, so it stays unmarked and is fetched again next run.
        if self.commit.committed:
            return
        self.versions.count_emitted(item)
        if self.store is None:
            return
        try:
            self.commit.record_feeds_once()
            self.versions.stage_emitted(item)
        except Exception as exc:
            # A record in the feeds that the state does not know would be emitted again by
            # the next run: the run fails and publishes nothing (outcome.output_problems).
            self.stats.inc_value("newscrawl/incremental/state_errors")
            logger.error(
                "The crawl state could not record %s (%s): this run's feeds will not be "
                "published nor its state committed",
                item.url,
                exc,
            )

    def flush_state(self) -> None:
        """Put the staged visits on disk: a feed is about to get its final name."""
        if self.store is None or self.commit.committed:
            return
        try:
            self.store.flush()
        except Exception as exc:
            self.stats.inc_value("newscrawl/incremental/state_errors")
            logger.error(
                "The crawl state could not record this run's articles (%s): its feeds will "
                "not be published nor its state committed",
                exc,
            )
            raise

    def item_error(self, item: Any, response: Any = None, spider: Any = None, failure=None):
        self.stats.inc_value("newscrawl/items/failed")

    # --- feeds and commit ----------------------------------------------------------------

    def feed_slot_closed(self, slot: Any) -> None:
        self.commit.feed_stored(slot.uri)

    def feed_exporter_closed(self) -> None:
        # Publication first (the run folder's rename), then the state: an article is never
        # marked done before its feeds are in place.
        feeds = self.crawler.get_addon(FeedsAddon)
        if feeds is not None:
            published = feeds.publish()
        else:
            with contextlib.suppress(Exception):  # counted and logged: output_problems sees it
                self.flush_state()
            published = not outcome.output_problems(self.stats.get_stats())
        self._finish_state(feeds_ok=published)

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Without feeds there is no feed_exporter_closed signal to wait for.
        if self.crawler.get_extension(FeedExporter) is None:
            self._finish_state(feeds_ok=True)

    def _finish_state(self, *, feeds_ok: bool) -> None:
        if self.store is None:
            return
        # The corpus store commits just before (newscrawl.corpus.extension): if it failed,
        # the state is not committed either and the run's articles are fetched again.
        feeds_ok = feeds_ok and not outcome.store_failed(self.stats.get_stats())
        try:
            self.commit.finish(feeds_ok=feeds_ok, unanswered=self.ledger.unanswered())
        except Exception as exc:
            # A full disk, say. The run stays "running" in the state, and the next run
            # settles it from its feeds: committed if they were published, else fetched again.
            self.stats.set_value("newscrawl/incremental/commit_failed", 1)
            logger.error(
                "The crawl state could not be updated (%s): the next run settles this run "
                "from its feeds (%s)",
                exc,
                "published: its articles count as done"
                if feeds_ok
                else "not published: its articles are fetched again",
            )

    # --- run end -------------------------------------------------------------------------

    def engine_stopped(self) -> None:
        duration = time.monotonic() - self._clock
        feeds_addon = self.crawler.get_addon(FeedsAddon)
        feeds = self.commit.stored_feeds
        if feeds_addon is not None and feeds_addon.published:
            feeds = [feeds_addon.final_path(path) for path in feeds]
        # Feeds published and state committed: the judges (monitors) see the final run,
        # the summary line carries their verdict, the report is written, then the state
        # closes and the lock goes (newscrawl.incremental.runend).
        run = RunEnd(
            self.run_id, utc_iso(self.started), duration, self.versions.counts, feeds, self.store
        )
        try:
            verdicts = runend.judge(self.crawler, run)
            self.outcome = report_run(self.stats, self.versions.counts, duration, feeds, verdicts)
            runend.announce(self.crawler, run)
            if self.store is not None:
                # A failed article is simply unknown next time; a failed listing page
                # hides articles that the next run must not skip by stopping early.
                clean = self.outcome.status == "ok" and not self.ledger.listings_pending
                store, self.store = self.store, None
                try:
                    self.commit.close(clean=clean)
                except Exception as exc:
                    logger.error("The crawl state could not be closed cleanly: %s", exc)
                    store.close()
        finally:
            if self.lock is not None:
                self.lock.release()
