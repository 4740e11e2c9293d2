"""Process pools whose workers end with the process that started them.

A ``ProcessPoolExecutor`` worker waits on its task queue, and it holds that pipe's other end
itself (spawned: passed to it; forked: inherited), so when its parent is SIGKILLed (the OOM
killer, ``kill -9``) the queue never tells it: it would stay, idle, for good. Each worker
here watches its parent instead and exits within a second of it going. Used by
``newscrawl reparse``; the crawl's extraction workers read the end of their stdin instead
(``newscrawl.spiders.extraction``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent(parent: int) -> None:
    """Worker initialiser: end this worker once ``parent`` is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def process_pool(workers: int, start_method: str | None = None) -> ProcessPoolExecutor:
    """``workers`` processes started with ``start_method`` (None: the platform's default)."""
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(start_method),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )
