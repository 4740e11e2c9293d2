"""The commit: a run's staged visits become the state only when every feed is in place.

A run killed before that is settled by the next one (``recover``): committed when all its
feeds reached their final names, discarded (fetched again) when not. The default feeds'
final names are in the run's published folder (``newscrawl.feeds.publish``), so the folder's
rename is the one step that decides. So an article is never marked done without being in
the feeds, nor emitted twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from newscrawl.feeds.addon import final_feed_paths
from newscrawl.feeds.publish import feeds_published_since
from newscrawl.feeds.uri import local_path
from newscrawl.incremental.state import DISCARDED, RECOVERED, CrawlState
from newscrawl.monitors.checks import run_figures
from newscrawl.normalize.clock import utc_iso, utc_now

logger = logging.getLogger("newscrawl.incremental")


class RunCommit:
    def __init__(self, crawler: Any, store: CrawlState, run_id: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.store = store
        self.run_id = run_id
        self.feeds_recorded = False
        self.stored_feeds: list[str] = []
        self.committed = False

    def recover(self) -> None:
        """Settle the runs that never finished: commit those whose feeds all made it."""
        for run in self.store.unfinished_runs():
            complete = feeds_published_since(run.feeds, run.started)
            finished = utc_iso(utc_now())
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

    def record_feeds_once(self) -> None:
        """Note where this run's feeds will appear, for the recovery of a killed run."""
        if self.feeds_recorded:
            return
        self.feeds_recorded = True
        self.store.set_run_feeds(self.run_id, final_feed_paths(self.crawler))

    def feed_stored(self, uri: str) -> None:
        path = local_path(uri)
        if path and Path(path).exists():
            self.stored_feeds.append(path)

    def finish(self, *, feeds_ok: bool, unanswered: dict[str, tuple[str, int]]) -> None:
        if self.committed:
            return
        self.committed = True
        finished = utc_iso(utc_now())
        if feeds_ok:
            self.store.replace_frontier(self.run_id, unanswered)
            # Committed with the run: the history the next runs' monitors compare with.
            figures = run_figures(self.stats.get_stats())
            self.store.set_run_figures(self.run_id, figures.items, figures.pages)
            count = self.store.commit_run(self.run_id, finished)
            logger.info("Crawl state: committed %d article visits of run %s", count, self.run_id)
        else:
            count = self.store.discard_run(self.run_id, finished)
            logger.error(
                "A feed could not be written: the %d articles of this run stay unmarked in "
                "the crawl state and are fetched again next run",
                count,
            )

    def close(self, *, clean: bool) -> None:
        """Say how the run ended ("finished" lets the next one trust known entries)."""
        if self.committed:
            self.store.set_run_reason(self.run_id, "finished" if clean else "partial")
        self.store.close()
