"""The run summary: the outcome in the stats (for the exit code) and the one-line log."""

from __future__ import annotations

import logging
from typing import Any

from newscrawl.incremental import outcome

summary_logger = logging.getLogger("newscrawl.summary")


def report_run(
    stats: Any, counts: dict[str, int], duration: float, feeds: list[str]
) -> outcome.Outcome:
    """Judge the run from its stats, record status and exit code, log the summary line."""
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
    )
    stats.set_value("newscrawl/run/status", result.status)
    stats.set_value("newscrawl/run/exit_code", result.exit_code)
    summary_logger.log(logging.INFO if result.ok else logging.ERROR, line)
    return result
