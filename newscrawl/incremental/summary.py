"""The run summary: the outcome in the stats (for the exit code) and the one-line log."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from newscrawl.incremental import outcome

summary_logger = logging.getLogger("newscrawl.summary")


def report_run(
    stats: Any,
    counts: dict[str, int],
    duration: float,
    feeds: list[str],
    verdicts: Sequence[Any] = (),
) -> outcome.Outcome:
    """Judge the run from its stats, record status and exit code, log the summary line.

    ``verdicts`` (``newscrawl.incremental.runend.Verdict``: the monitors') add their
    fragment to the line and their exit code when the crawl itself did not fail.
    """
    values = stats.get_stats()
    result = outcome.assess(values)
    line = outcome.summary_line(
        result,
        new=counts["new"],
        changed=counts["changed"],
        unchanged=counts["unchanged"],
        failed=outcome.failed_count(values),
        duration=duration,
        feeds=feeds,
        extra=[verdict.fragment for verdict in verdicts],
    )
    exit_code = outcome.final_exit_code(result, [verdict.exit_code for verdict in verdicts])
    stats.set_value("newscrawl/run/status", result.status)
    stats.set_value("newscrawl/run/exit_code", exit_code)
    stats.set_value("newscrawl/run/summary", line)
    summary_logger.log(logging.INFO if exit_code == outcome.EXIT_OK else logging.ERROR, line)
    return result
