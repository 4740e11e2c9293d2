"""The monitors' rules as pure functions of the run's figures: one ``Check`` each.

Inputs are the crawl's stats dict (the stat names the crawl counts today), the run's
``RecordsTally`` and the run history; thresholds come from ``MonitorConfig``. The spidermon
suite (``newscrawl.monitors.suite``) runs these; keeping them pure lets each rule be read
and tested without a crawl.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newscrawl.defaults import defaults as project_defaults
from newscrawl.monitors.records import COVERAGE_FIELDS, RecordsTally

Figure = float | int | str | None

# The defaults are settings.py's (written there once); a MonitorConfig() built in a test
# or a script gets the same values as a crawl.
_DEFAULTS = project_defaults()


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    figure: Figure
    threshold: Figure
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "figure": self.figure,
            "threshold": self.threshold,
            "message": self.message,
        }


@dataclass(frozen=True)
class PastRun:
    """One committed run of the same schedule, as the crawl state or corpus store keeps it."""

    items: int
    pages: int
    run_id: str | None = None


@dataclass(frozen=True)
class RunFigures:
    items: int
    """Article records the run read: emitted (new or changed) plus unchanged re-visits."""
    pages: int
    """Responses received, listings and articles."""


def run_figures(stats: Mapping[str, Any]) -> RunFigures:
    """The figures the history monitor compares; store these same ones for every run."""
    items = int(stats.get("item_scraped_count", 0)) + int(
        stats.get("newscrawl/incremental/unchanged", 0)
    )
    return RunFigures(items=items, pages=int(stats.get("response_received_count", 0)))


@dataclass(frozen=True)
class MonitorConfig:
    enabled: bool = _DEFAULTS["NEWSCRAWL_MONITORS"]
    min_coverage: Mapping[str, float] = field(default_factory=dict)
    """Per field; a field it does not name keeps its default."""
    min_comments_coverage: float = _DEFAULTS["NEWSCRAWL_MONITOR_MIN_COMMENTS_COVERAGE"]
    tolerance: int = _DEFAULTS["NEWSCRAWL_MONITOR_TOLERANCE"]
    max_unparsed_dates: float = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_UNPARSED_DATES"]
    max_unknown_outlets: float = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_UNKNOWN_OUTLETS"]
    max_invalid_records: float = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_INVALID_RECORDS"]
    max_failed_pages: float = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_FAILED_PAGES"]
    max_retries: float = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_RETRIES"]
    max_spider_errors: int = _DEFAULTS["NEWSCRAWL_MONITOR_MAX_SPIDER_ERRORS"]
    finish_reasons: tuple[str, ...] = tuple(_DEFAULTS["NEWSCRAWL_MONITOR_FINISH_REASONS"])
    history_runs: int = _DEFAULTS["NEWSCRAWL_MONITOR_HISTORY_RUNS"]
    history_min_runs: int = _DEFAULTS["NEWSCRAWL_MONITOR_HISTORY_MIN_RUNS"]
    history_min_ratio: float = _DEFAULTS["NEWSCRAWL_MONITOR_HISTORY_MIN_RATIO"]

    def __post_init__(self):
        coverage = {**_DEFAULTS["NEWSCRAWL_MONITOR_MIN_COVERAGE"], **self.min_coverage}
        object.__setattr__(self, "min_coverage", coverage)

    @classmethod
    def from_settings(cls, settings: Any) -> MonitorConfig:
        """From Scrapy ``Settings`` or any mapping; a name it lacks keeps its default."""

        def get(name: str, convert: Callable[[Any], Any]) -> Any:
            value = settings.get(name) if name in settings else _DEFAULTS[name]
            try:
                return convert(value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}={value!r}: {error}") from None

        coverage = get("NEWSCRAWL_MONITOR_MIN_COVERAGE", _mapping)
        for name in COVERAGE_FIELDS:
            # NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY=0.8 on a command line beats the dict.
            single = f"NEWSCRAWL_MONITOR_MIN_COVERAGE_{name.upper()}"
            value = settings.get(single)
            if value is not None and value != "":  # "-s NAME=": the dict's
                coverage[name] = float(value)
        return cls(
            enabled=get("NEWSCRAWL_MONITORS", _bool),
            min_coverage={k: float(v) for k, v in coverage.items()},
            min_comments_coverage=get("NEWSCRAWL_MONITOR_MIN_COMMENTS_COVERAGE", float),
            tolerance=get("NEWSCRAWL_MONITOR_TOLERANCE", int),
            max_unparsed_dates=get("NEWSCRAWL_MONITOR_MAX_UNPARSED_DATES", float),
            max_unknown_outlets=get("NEWSCRAWL_MONITOR_MAX_UNKNOWN_OUTLETS", float),
            max_invalid_records=get("NEWSCRAWL_MONITOR_MAX_INVALID_RECORDS", float),
            max_failed_pages=get("NEWSCRAWL_MONITOR_MAX_FAILED_PAGES", float),
            max_retries=get("NEWSCRAWL_MONITOR_MAX_RETRIES", float),
            max_spider_errors=get("NEWSCRAWL_MONITOR_MAX_SPIDER_ERRORS", int),
            finish_reasons=tuple(get("NEWSCRAWL_MONITOR_FINISH_REASONS", _names)),
            history_runs=get("NEWSCRAWL_MONITOR_HISTORY_RUNS", int),
            history_min_runs=get("NEWSCRAWL_MONITOR_HISTORY_MIN_RUNS", int),
            history_min_ratio=get("NEWSCRAWL_MONITOR_HISTORY_MIN_RATIO", float),
        )


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _mapping(value: Any) -> dict[str, Any]:
    # A dict setting given on a command line (-s NAME='{"lead": 0.8}') arrives as JSON text.
    return dict(json.loads(value) if isinstance(value, str) else value)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


@dataclass(frozen=True)
class MonitorInputs:
    stats: Mapping[str, Any]
    tally: RecordsTally
    history: Sequence[PastRun] = ()


# --- records ---------------------------------------------------------------------------


def _at_least(name: str, have: int, out_of: int, minimum: float, tolerance: int, what: str):
    if not out_of:
        return Check(name, True, None, minimum, f"no {what}: nothing to measure")
    share = have / out_of
    lacking = out_of - have
    passed = share >= minimum or lacking <= tolerance
    return Check(
        name,
        passed,
        round(share, 4),
        minimum,
        f"{have}/{out_of} {what} ({share:.1%}, at least {minimum:.0%} wanted)",
    )


NOT_AN_ARTICLE = "newscrawl/failed/not_an_article/"
"""Stat prefix of the article pages that were not articles (challenge, empty, PDF...)."""


def not_articles(stats: Mapping[str, Any]) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(NOT_AN_ARTICLE))


def coverage(inputs: MonitorInputs, config: MonitorConfig, field_name: str) -> Check:
    """Share of the run's article pages whose record has the field.

    A page at an article URL that was not an article (an anti-bot challenge answered 200)
    is not emitted, but it is an article the run failed to read: it counts as a record
    without the field, so a site gone behind a challenge fails coverage, not only
    pages/failed.
    """
    tally = inputs.tally
    missed = not_articles(inputs.stats)
    check = _at_least(
        f"coverage/{field_name}",
        tally.filled[field_name],
        tally.records + missed,
        config.min_coverage[field_name],
        config.tolerance,
        f"article pages with {field_name}",
    )
    return _with_detail(check, f"{missed} not an article" if missed else "")


def comments_coverage(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    tally = inputs.tally
    return _at_least(
        "coverage/comments",
        tally.showing_comments - tally.comments_missing,
        tally.showing_comments,
        config.min_comments_coverage,
        config.tolerance,
        "pages showing comments with comments extracted",
    )


def _at_most(name: str, count: int, out_of: int, maximum: float, tolerance: int, what: str):
    share = count / out_of if out_of else 0.0
    passed = count <= tolerance or share <= maximum
    detail = f" per {out_of}" if out_of else ""
    return Check(
        name,
        passed,
        round(share, 4),
        maximum,
        f"{count} {what}{detail} ({share:.1%}, at most {maximum:.0%} allowed)",
    )


def unparsed_dates(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    count = int(inputs.stats.get("newscrawl/dates/unparsed", 0))
    return _at_most(
        "quality/unparsed_dates",
        count,
        inputs.tally.records,
        config.max_unparsed_dates,
        config.tolerance,
        "unreadable dates",
    )


def unknown_outlets(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    count = int(inputs.stats.get("newscrawl/outlets/unknown", 0))
    return _at_most(
        "quality/unknown_outlets",
        count,
        inputs.tally.records,
        config.max_unknown_outlets,
        config.tolerance,
        "outlets outside the alias table",
    )


def invalid_records(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    tally = inputs.tally
    check = _at_most(
        "quality/invalid_records",
        tally.invalid_records,
        tally.records,
        config.max_invalid_records,
        config.tolerance,
        "records breaking the schema",
    )
    worst = ", ".join(f"{k} ({v})" for k, v in tally.validation_errors.most_common(3))
    return _with_detail(check, worst)


# --- pages and the run -----------------------------------------------------------------


def failed_reasons(stats: Mapping[str, Any]) -> dict[str, int]:
    prefix = "newscrawl/failed/"
    return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def failed_pages(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    stats = inputs.stats
    # A page the replayed archive does not hold (answered 404 by the replay) is a gap of
    # the archive, not of the site.
    not_archived = int(stats.get("newscrawl/replay/missing", 0))
    failed = max(int(stats.get("newscrawl/failed", 0)) - not_archived, 0)
    pages = max(int(stats.get("response_received_count", 0)) - not_archived, 0) + failed
    check = _at_most(
        "pages/failed",
        failed,
        pages,
        config.max_failed_pages,
        config.tolerance,
        "failed pages",
    )
    reasons = sorted(failed_reasons(stats).items(), key=lambda kv: -kv[1])
    return _with_detail(check, ", ".join(f"{reason} ({n})" for reason, n in reasons))


def retries(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    stats = inputs.stats
    return _at_most(
        "pages/retries",
        int(stats.get("retry/count", 0)),
        int(stats.get("downloader/request_count", 0)),
        config.max_retries,
        config.tolerance,
        "retries",
    )


def spider_errors(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    stats = inputs.stats
    errors = int(stats.get("spider_exceptions/count", 0))
    item_errors = int(stats.get("newscrawl/items/failed", 0))
    total = errors + item_errors
    return Check(
        "run/spider_errors",
        total <= config.max_spider_errors,
        total,
        config.max_spider_errors,
        f"{errors} spider exceptions, {item_errors} item errors "
        f"(at most {config.max_spider_errors} allowed)",
    )


def finish_reason(inputs: MonitorInputs, config: MonitorConfig) -> Check:
    reason = str(inputs.stats.get("finish_reason", "unknown"))
    allowed = ", ".join(config.finish_reasons)
    return Check(
        "run/finish_reason",
        reason in config.finish_reasons,
        reason,
        allowed,
        f"finished with {reason!r} (normal: {allowed})",
    )


# A stop on request (SIGTERM, Ctrl-C) reads less than a whole run by design.
STOPPED_ON_REQUEST = "shutdown"


def history(inputs: MonitorInputs, config: MonitorConfig, figure: str) -> Check:
    """This run's items or pages against the median of the last committed runs."""
    name = f"history/{figure}"
    past = list(inputs.history)[-config.history_runs :] if config.history_runs > 0 else []
    current = getattr(run_figures(inputs.stats), figure)
    reason = inputs.stats.get("finish_reason")
    if reason == STOPPED_ON_REQUEST:
        return Check(
            name, True, current, None, f"{current} {figure}; stopped ({reason}): not compared"
        )
    if len(past) < config.history_min_runs:
        return Check(
            name,
            True,
            current,
            None,
            f"{current} {figure}; {len(past)} past runs, {config.history_min_runs} needed "
            "to compare",
        )
    median = statistics.median(getattr(run, figure) for run in past)
    least = config.history_min_ratio * median
    passed = current >= least
    return Check(
        name,
        passed,
        current,
        round(least, 1),
        f"{current} {figure} against a median of {median:g} over the last {len(past)} runs "
        f"(at least {config.history_min_ratio:.0%} wanted)",
    )


def _with_detail(check: Check, detail: str) -> Check:
    if not detail:
        return check
    return replace(check, message=f"{check.message}: {detail}")
