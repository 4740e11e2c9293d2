"""Did the run succeed? The exit codes schedulers alert on, and the one-line run summary.

Pure functions of the crawl stats, so the rules read in one place and test without a crawl.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
# Scrapy's own code for a bad command line (UsageError); listed so the table is complete.
EXIT_USAGE = 2
# EX_TEMPFAIL from sysexits.h: "try again later", which is what an overlapping run should do.
EXIT_LOCKED = 75


@dataclass(frozen=True)
class Outcome:
    status: str
    """ok, stopped (SIGTERM/Ctrl-C or a CLOSESPIDER_* limit: what was fetched is saved) or
    failed."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FAILED


def feeds_failed(stats: Mapping[str, Any]) -> int:
    return sum(v for k, v in stats.items() if k.startswith("feedexport/failed_count/"))


# Set by the corpus store (newscrawl.corpus.extension) when its commit failed.
STORE_FAILED = "newscrawl/corpus/commit_failed"
# Counted by the corpus store for each record (or batch) it could not stage.
STORE_STAGE_ERRORS = "newscrawl/corpus/stage_errors"


def store_failed(stats: Mapping[str, Any]) -> bool:
    """The corpus store refused records of the run (staging them or committing them): the
    crawl state is not committed either, so they are fetched again next run."""
    return bool(stats.get(STORE_FAILED) or stats.get(STORE_STAGE_ERRORS))


def output_problems(stats: Mapping[str, Any]) -> list[str]:
    """What keeps a run's output from being published and committed; [] when nothing.

    A feed that could not be stored, a feed missing records the crawl scraped (``feeds.
    rowcheck``), a record the corpus store could not stage, or a visit the crawl state
    could not record: committing such a run would mark articles done that no feed (or
    corpus) holds, or leave emitted articles unknown, to be emitted again by the next run.
    """
    problems = []
    if feeds_failed(stats):
        problems.append(f"feed write failed ({feeds_failed(stats)})")
    if stats.get("newscrawl/feeds/incomplete", 0):
        problems.append(f"feed missing records ({stats['newscrawl/feeds/incomplete']})")
    if stats.get(STORE_FAILED):
        problems.append("corpus store commit failed")
    if stats.get(STORE_STAGE_ERRORS, 0):
        problems.append(f"corpus store could not stage records ({stats[STORE_STAGE_ERRORS]})")
    if stats.get("newscrawl/incremental/state_errors", 0):
        problems.append(f"crawl state write failed ({stats['newscrawl/incremental/state_errors']})")
    return problems


def failed_count(stats: Mapping[str, Any]) -> int:
    """Pages that could not be fetched plus items a pipeline or exporter failed on."""
    return int(stats.get("newscrawl/failed", 0)) + int(stats.get("newscrawl/items/failed", 0))


def assess(stats: Mapping[str, Any]) -> Outcome:
    reason = stats.get("finish_reason", "finished")
    problems = []
    if stats.get("spider_exceptions/count", 0):
        problems.append(f"spider errors ({stats['spider_exceptions/count']})")
    if stats.get("newscrawl/items/failed", 0):
        problems.append(f"item errors ({stats['newscrawl/items/failed']})")
    # A stop before any answer came back is not the site being down.
    listings = stats.get("newscrawl/run/listings_requested", 0)
    if listings and not stats.get("newscrawl/pages/listing", 0) and reason == "finished":
        problems.append("no listing page reachable")
    if stats.get("newscrawl/replay/damaged_unaccepted", 0):  # newscrawl.archive.replay
        problems.append("replay archive damaged (NEWSCRAWL_REPLAY_PARTIAL=True accepts it)")
    problems += output_problems(stats)
    if stats.get("newscrawl/feeds/unpublished", 0) and not output_problems(stats):
        problems.append("run folder not published")
    if stats.get("newscrawl/incremental/commit_failed", 0):
        problems.append("crawl state not committed")
    if problems:
        return Outcome("failed", problems)
    if reason == "finished":
        return Outcome("ok")
    return Outcome("stopped", [reason])


def summary_line(
    result: Outcome,
    *,
    new: int,
    changed: int,
    unchanged: int,
    failed: int,
    duration: float,
    feeds: Iterable[str],
    extra: Iterable[str] = (),
) -> str:
    """``key=value`` pairs on one line, for grep and log search; ``extra`` ones last."""
    parts = [
        f"status={result.status}",
        f"new={new}",
        f"changed={changed}",
        f"unchanged={unchanged}",
        f"failed={failed}",
        f"duration={duration:.1f}s",
        f"feeds={_paths(list(feeds))}",
    ]
    if result.problems:
        parts.append(f"problems={'; '.join(result.problems)}")
    parts.extend(extra)
    return "newscrawl run: " + " ".join(parts)


def final_exit_code(result: Outcome, judged: Iterable[int] = ()) -> int:
    """The crawl's own failure wins; else the worst code of those that judged the run."""
    if result.exit_code != EXIT_OK:
        return result.exit_code
    return max((code for code in judged if code), default=EXIT_OK)


def _paths(paths: list[str]) -> str:
    """``/run/dir/{a.jsonl,b.csv}`` when the feeds share a folder, as the defaults do."""
    if not paths:
        return "-"
    folders = {str(Path(p).parent) for p in paths}
    if len(paths) > 1 and len(folders) == 1:
        return f"{folders.pop()}/{{{','.join(Path(p).name for p in paths)}}}"
    return ",".join(paths)
