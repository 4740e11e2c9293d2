"""The end of a run, as other components see it: two signals around the summary line.

The incremental extension sends both from ``engine_stopped``, once the feeds are published
and the state committed, and before the state is closed and the run lock released:

1. ``run_judged(run)``: components that judge the run (the monitors) answer with a
   ``Verdict``; its fragment goes on the summary line, its exit code applies when the
   crawl itself did not fail;
2. the summary line is logged (``newscrawl.incremental.summary``); status, exit code and
   the line are in the stats (``newscrawl/run/status``, ``/exit_code``, ``/summary``);
3. ``run_summarised(run)``: components that write about the run (the report) do it.

Signals keep the incremental run free of any knowledge of what judges it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twisted.python.failure import Failure

from newscrawl.incremental.outcome import EXIT_FAILED
from newscrawl.incremental.state import CrawlState

logger = logging.getLogger("newscrawl.incremental")

run_judged = object()
run_summarised = object()


@dataclass
class RunEnd:
    run_id: str
    started: str
    """ISO 8601 UTC."""
    duration: float
    counts: Mapping[str, int]
    """new, changed, unchanged."""
    feeds: list[str] = field(default_factory=list)
    store: CrawlState | None = None
    """The crawl state, still open (None when incremental mode is off)."""


@dataclass(frozen=True)
class Verdict:
    fragment: str
    """``key=value`` for the summary line, e.g. ``monitors_failed=coverage/body``."""
    exit_code: int = 0


def judge(crawler: Any, run: RunEnd) -> list[Verdict]:
    """Ask every ``run_judged`` receiver; one that raised is a failed run, not a silent one."""
    verdicts = []
    for receiver, answer in crawler.signals.send_catch_log(signal=run_judged, run=run):
        if isinstance(answer, Verdict):
            verdicts.append(answer)
        elif isinstance(answer, Failure):
            # send_catch_log has logged the traceback already.
            name = getattr(receiver, "__qualname__", str(receiver))
            verdicts.append(Verdict(f"judge_error={name}", EXIT_FAILED))
    return verdicts


def announce(crawler: Any, run: RunEnd) -> None:
    crawler.signals.send_catch_log(signal=run_summarised, run=run)
