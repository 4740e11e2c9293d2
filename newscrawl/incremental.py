"""Incremental crawls: skip what earlier runs emitted, emit new versions of what changed.

Three Scrapy components around the state store (``newscrawl.state``) and the re-visit rules
(``newscrawl.revisit``):

- ``IncrementalAddon`` (in ``ADDONS`` before the feeds add-on) takes the run lock before
  anything is written, then installs the two others. Only spiders that set
  ``incremental_state = True`` take part, so ``scrapy shell``/``fetch`` never lock.
- ``IncrementalExtension`` is the run: it recovers what a killed run left, answers the
  spider's "is this article due?" (``gate_for(crawler)``), stages each emitted item, and
  commits the run to the state only when every feed slot was stored. It ends with the
  one-line summary and the outcome the ``crawl`` command turns into an exit code.
- ``VersionPipeline`` numbers versions and drops unchanged re-visits before the feeds.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.extensions.feedexport import FeedExporter
from scrapy.utils.misc import load_object
from w3lib.url import file_uri_to_path

from newscrawl import outcome
from newscrawl.fetchtime import fetched_at
from newscrawl.items import Article
from newscrawl.normalize.dates import parse_date
from newscrawl.revisit import Decision, RevisitPolicy, fingerprint, parse_duration, parse_iso
from newscrawl.runlock import RunLock
from newscrawl.state import DISCARDED, RECOVERED, CrawlState, Visit, open_state

logger = logging.getLogger(__name__)
summary_logger = logging.getLogger("newscrawl.summary")

EXTENSION = "newscrawl.incremental.IncrementalExtension"
WATCHDOG = "newscrawl.shutdown.StopWatchdog"
PIPELINE = "newscrawl.incremental.VersionPipeline"
# After validation (400), before de-duplication (500), which keys on (article_id, version).
PIPELINE_ORDER = 450


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


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
        if not takes_part(self.crawler.spidercls):
            return
        # Before the feeds add-on creates this run's folder: a refused run leaves no trace.
        # RunLocked propagates and fails the crawl; the crawl command maps it to EXIT_LOCKED.
        # A shared store (NEWSCRAWL_STATE_STORE, set by distributed mode) has several writers
        # by design, the workers of one crawl: no lock on a local folder then.
        if not settings.get("NEWSCRAWL_STATE_STORE"):
            self.lock = RunLock(settings.get("NEWSCRAWL_STATE_DIR") or "data/state").acquire()
        self.active = True
        settings["EXTENSIONS"].set(EXTENSION, 0, priority="addon")
        settings["EXTENSIONS"].set(WATCHDOG, 0, priority="addon")
        settings["ITEM_PIPELINES"].set(PIPELINE, PIPELINE_ORDER, priority="addon")


@dataclass(frozen=True)
class Listed:
    """What a listing entry says about an article."""

    article_id: str | None
    comment_count: int | None
    published: datetime | None


class _FetchEverything:
    """The gate when incremental mode is off or the spider runs outside a crawl."""

    def listed(self, entry: Any, response: Any) -> Listed:
        return Listed(None, None, None)

    def admit(self, article_id: str, listed: Listed | None = None) -> bool:
        return True

    def stop_paging(self, listed: list[Listed]) -> str | None:
        return None

    def carried_over(self) -> list[tuple[str, int]]:
        return []

    def settled(self, request: Any) -> None:
        pass


FETCH_EVERYTHING = _FetchEverything()


def gate_for(crawler: Any) -> Any:
    """The object the spider asks about articles and pagination."""
    extension = crawler.get_extension(IncrementalExtension) if crawler else None
    return extension if extension is not None else FETCH_EVERYTHING


class IncrementalExtension:
    def __init__(self, crawler: Any, lock: RunLock | None):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.lock = lock
        self.enabled = settings.getbool("NEWSCRAWL_INCREMENTAL", True)
        self.state_dir = Path(settings.get("NEWSCRAWL_STATE_DIR") or "data/state")
        self.started = _now()
        self._clock = time.monotonic()
        self.run_id = f"{self.started.strftime('%Y-%m-%dT%H-%M-%SZ')}-{os.getpid()}"
        self.policy = RevisitPolicy(
            window=parse_duration(settings.get("NEWSCRAWL_REVISIT_WINDOW", 48)),
            every=parse_duration(settings.get("NEWSCRAWL_REVISIT_EVERY", 2)),
        )
        self.store: CrawlState | None = None
        self.counts = {"new": 0, "changed": 0, "unchanged": 0}
        self.feeds_recorded = False
        self.stored_feeds: list[str] = []
        self.committed = False
        self.outcome: outcome.Outcome | None = None
        self.trust_known = False
        self.listings_pending: set[str] = set()
        # Article requests without an answer (stopped, abandoned, timed out) are carried
        # over to the next run: the pages that linked to them may never be fetched again.
        self.wanted: dict[str, tuple[str, int]] = {}
        self.answered: set[str | None] = set()
        if self.enabled:
            store = settings.get("NEWSCRAWL_STATE_STORE")
            self.store = load_object(store)(crawler) if store else open_state(self.state_dir)
            self._recover()
            # Known entries stop pagination only after a run that crawled everything.
            self.trust_known = self.store.last_run_reason() == "finished"
            self.store.begin_run(self.run_id, _iso(self.started))

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalExtension:
        addon = crawler.get_addon(IncrementalAddon)
        if addon is None or not addon.active:
            raise NotConfigured("the spider does not use the crawl state")
        ext = cls(crawler, addon.lock)
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

    # --- the spider's questions ----------------------------------------------------------

    def listed(self, entry: Any, response: Any) -> Listed:
        """Read a listing entry: its comment count, and its date against the page's clock."""
        now = datetime.fromisoformat(fetched_at(response))
        raw = entry.date_raw
        return Listed(
            article_id=entry.article_id,
            comment_count=entry.comment_count,
            published=parse_date(raw, now) if raw else None,
        )

    def admit(self, article_id: str, listed: Listed | None = None) -> bool:
        known = self.store.get(article_id) if self.store else None
        decision = self.policy.decide(
            known,
            self.started,
            listed_comments=listed.comment_count if listed else None,
            published=listed.published if listed else None,
        )
        self._count_decision(decision)
        return decision.fetch

    def stop_paging(self, listed: list[Listed]) -> str | None:
        entries = [
            (bool(self.store and e.article_id and self.store.get(e.article_id)), e.published)
            for e in listed
        ]
        reason = self.policy.stop_paging(entries, trust_known=self.trust_known)
        if reason:
            self.stats.inc_value(f"newscrawl/incremental/pagination_stopped/{reason}")
        return reason

    def carried_over(self) -> list[tuple[str, int]]:
        """(url, depth) of articles a stopped run asked for and never got: asked first."""
        pending = self.store.frontier() if self.store else []
        if pending:
            logger.info("Asking again for %d articles the last run did not reach", len(pending))
        return [(url, depth) for _, url, depth in pending]

    def settled(self, request: Any) -> None:
        """The spider's errback: a request that failed for good is not carried over."""
        self.answered.add(request.meta.get("article_id"))

    def request_dropped(self, request: Any, spider: Any = None) -> None:
        # Refused by the duplicate filter: in distributed mode another worker already has
        # this listing page, so it is not this run's to answer.
        if request.meta.get("page_kind") == "listing":
            self.stats.inc_value("newscrawl/run/listings_requested", -1)
            self.listings_pending.discard(request.url)

    def request_scheduled(self, request: Any, spider: Any = None) -> None:
        article_id = request.meta.get("article_id")
        if request.meta.get("page_kind") == "article" and article_id:
            self.wanted.setdefault(article_id, (request.url, request.meta.get("depth", 0)))
        # "No listing reachable" needs to know that listings were asked for at all.
        if request.meta.get("page_kind") == "listing":
            self.stats.inc_value("newscrawl/run/listings_requested")
            self.listings_pending.add(request.url)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        # Any answer, 404 included, settles an article for this run.
        self.answered.add(request.meta.get("article_id"))
        if request.meta.get("page_kind") == "listing" and 200 <= response.status < 300:
            self.listings_pending.discard(request.url)
            self.listings_pending.difference_update(request.meta.get("redirect_urls", ()))

    def _count_decision(self, decision: Decision) -> None:
        verdict = "fetch" if decision.fetch else "skip"
        self.stats.inc_value(f"newscrawl/incremental/{verdict}/{decision.reason}")

    # --- items ---------------------------------------------------------------------------

    def version_item(self, item: Article) -> Article:
        """Number the item's version; raise DropItem when it should not be emitted."""
        if self.policy.since is not None:
            published = parse_iso(item.published)
            if published is not None and published < self.policy.since:
                self.stats.inc_value("newscrawl/incremental/dropped/before_since")
                raise DropItem(f"{item.url} published before since", log_level="DEBUG")
        if self.store is None:
            return item
        key = item.article_id or item.url
        known = self.store.get(key)
        if known is None:
            item.version = 1
            return item
        if known.fingerprint == fingerprint(item):
            self.counts["unchanged"] += 1
            self.store.stage(self.run_id, self._visit(item, known.version, emitted=False))
            self.stats.inc_value("newscrawl/incremental/unchanged")
            raise DropItem(f"{item.url} unchanged since version {known.version}", "DEBUG")
        item.version = known.version + 1
        return item

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Article):
            return
        # After the commit, only a response abandoned at shutdown can still arrive: its
        # feeds are closed, so it stays unmarked and is fetched again next run.
        if self.committed:
            return
        self.counts["new" if item.version <= 1 else "changed"] += 1
        if self.store is None:
            return
        if not self.feeds_recorded:
            self._record_feeds()
        # Durable before the feeds are renamed into place at the end of the run.
        self.store.stage(self.run_id, self._visit(item, item.version, emitted=True))

    def item_error(self, item: Any, response: Any = None, spider: Any = None, failure=None):
        self.stats.inc_value("newscrawl/items/failed")

    def _visit(self, item: Article, version: int, *, emitted: bool) -> Visit:
        return Visit(
            article_id=item.article_id or item.url,
            url=item.url,
            published=item.published,
            fetched=_iso(_now()),
            fingerprint=fingerprint(item),
            comment_count=item.comment_count,
            version=version,
            emitted=emitted,
        )

    # --- feeds and commit ----------------------------------------------------------------

    def _record_feeds(self) -> None:
        """Note where this run's feeds will appear, for the recovery of a killed run."""
        self.feeds_recorded = True
        exporter = self.crawler.get_extension(FeedExporter)
        uris = [slot.uri for slot in getattr(exporter, "slots", [])]
        self.store.set_run_feeds(self.run_id, [local_path(uri) or uri for uri in uris])

    def feed_slot_closed(self, slot: Any) -> None:
        path = local_path(slot.uri)
        if path and Path(path).exists():
            self.stored_feeds.append(path)

    def feed_exporter_closed(self) -> None:
        self._finish_state(feeds_ok=not outcome.feeds_failed(self.stats.get_stats()))

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Without feeds there is no feed_exporter_closed signal to wait for.
        if self.crawler.get_extension(FeedExporter) is None:
            self._finish_state(feeds_ok=True)

    def _finish_state(self, *, feeds_ok: bool) -> None:
        if self.store is None or self.committed:
            return
        self.committed = True
        finished = _iso(_now())
        if feeds_ok:
            unanswered = {k: v for k, v in self.wanted.items() if k not in self.answered}
            self.store.replace_frontier(self.run_id, unanswered)
            count = self.store.commit_run(self.run_id, finished)
            logger.info("Crawl state: committed %d article visits of run %s", count, self.run_id)
        else:
            count = self.store.discard_run(self.run_id, finished)
            logger.error(
                "A feed could not be written: the %d articles of this run stay unmarked in "
                "the crawl state and are fetched again next run",
                count,
            )

    def engine_stopped(self) -> None:
        stats = self.stats.get_stats()
        self.outcome = outcome.assess(stats)
        line = outcome.summary_line(
            self.outcome,
            new=self.counts["new"],
            changed=self.counts["changed"],
            unchanged=self.counts["unchanged"],
            failed=outcome.failed_count(stats),
            duration=time.monotonic() - self._clock,
            feeds=self.stored_feeds,
        )
        self.stats.set_value("newscrawl/run/status", self.outcome.status)
        self.stats.set_value("newscrawl/run/exit_code", self.outcome.exit_code)
        summary_logger.log(logging.INFO if self.outcome.ok else logging.ERROR, line)
        if self.store is not None:
            if self.committed:
                # A failed article is simply unknown next time; a failed listing page
                # hides articles that the next run must not skip by stopping early.
                clean = self.outcome.status == "ok" and not self.listings_pending
                self.store.set_run_reason(self.run_id, "finished" if clean else "partial")
            self.store.close()
            self.store = None
        if self.lock is not None:
            self.lock.release()

    # --- run start -----------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        self.policy = RevisitPolicy(
            window=self.policy.window,
            every=self.policy.every,
            refresh_all=bool(getattr(spider, "refresh_all", False)),
            since=getattr(spider, "since", None),
        )
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

    def _recover(self) -> None:
        """Settle the runs that never finished: commit those whose feeds all made it."""
        for run in self.store.unfinished_runs():
            complete = bool(run.feeds) and all(Path(path).exists() for path in run.feeds)
            finished = _iso(_now())
            if complete and run.staged:
                self.store.commit_run(run.run_id, finished, status=RECOVERED)
                status, verdict = RECOVERED, "its feeds are complete: its articles are done"
            else:
                self.store.discard_run(run.run_id, finished, status=DISCARDED)
                status, verdict = DISCARDED, "its feeds never completed: they are fetched again"
            self.stats.inc_value(f"newscrawl/incremental/unfinished_runs/{status}")
            logger.warning(
                "Run %s did not finish (%d staged articles); %s", run.run_id, run.staged, verdict
            )


class VersionPipeline:
    """Sets ``version`` from the state and drops re-visits that changed nothing."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> VersionPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        extension = self.crawler.get_extension(IncrementalExtension)
        if extension is None or not isinstance(item, Article):
            return item
        return extension.version_item(item)


def local_path(uri: str) -> str | None:
    """The file a local feed URI names; None for remote storages (s3://, ftp://...)."""
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return file_uri_to_path(uri)
    if scheme == "" or len(scheme) == 1:  # a plain path, or a Windows drive letter
        return uri
    return None
