"""SIGKILL a crawl from inside at one named step of the end of its run, for the tests.

    -s EXTENSIONS={"tests.support.cutpoint.CutPoint": 0} -s CUTPOINT=<point>

``<point>`` is ``rename:N`` (just before the N-th rename under ``NEWSCRAWL_FEEDS_DIR``:
1-4 are the feed files, 5 the run folder), ``before_commit`` (after the folder's rename,
before the crawl state's commit), ``after_commit`` (the state committed, the run not yet
closed), ``fill:<path>`` (fill the disk holding ``<path>`` just before the state
commit, like a disk filling up at the worst moment) or ``fill_at_flush:<path>`` (fill it
just before the state's first write of staged visits: a disk filling during the run).
A real SIGKILL: no Python clean-up runs, the kernel drops the locks, as when the OOM
killer or ``kill -9`` strikes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from scrapy import signals

from newscrawl.incremental.extension import IncrementalExtension


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def fill(path: Path) -> None:
    """Write zeros next to ``path`` until its file system has no byte left."""
    with contextlib.suppress(OSError), open(path / "filler", "wb", buffering=0) as filler:
        block = b"\0" * 4096
        while True:
            filler.write(block)


class CutPoint:
    def __init__(self, crawler: Any, point: str):
        self.crawler = crawler
        self.point = point
        self.feeds = str(Path(crawler.settings.get("NEWSCRAWL_FEEDS_DIR")).resolve())
        self.renames = 0
        if point.startswith("rename:"):
            self.kill_at = int(point.partition(":")[2])
            sys.addaudithook(self.audit)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CutPoint:
        cut = cls(crawler, crawler.settings.get("CUTPOINT"))
        crawler.signals.connect(cut.engine_started, signal=signals.engine_started)
        return cut

    def audit(self, event: str, args: tuple) -> None:
        if event != "os.rename" or not str(args[0]).startswith(self.feeds):
            return
        self.renames += 1
        if self.renames == self.kill_at:
            die()

    def engine_started(self) -> None:
        extension = self.crawler.get_extension(IncrementalExtension)
        store = extension.store
        commit_run = store.commit_run
        point = self.point

        def cut_commit(*args, **kwargs):
            if point == "before_commit":
                die()
            if point.startswith("fill:"):
                fill(Path(point.partition(":")[2]))
            result = commit_run(*args, **kwargs)
            if point == "after_commit":
                die()
            return result

        store.commit_run = cut_commit

        if point.startswith("fill_at_flush:"):
            flush = store.flush

            def fill_then_flush() -> None:
                fill(Path(point.partition(":")[2]))
                store.flush = flush
                flush()

            store.flush = fill_then_flush
