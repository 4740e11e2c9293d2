"""Each monitor passes on a normal run and fails on the stats that should alarm it."""

from __future__ import annotations

import copy

import pytest

from newscrawl.monitors import (
    EXIT_MONITORS_FAILED,
    MonitorConfig,
    PastRun,
    RecordsTally,
    run_monitors,
)
from tests.monitors.support import article_records, normal_stats


def _tally(records) -> RecordsTally:
    tally = RecordsTally()
    for record in records:
        tally.add(record)
    return tally


def _normal_records(count: int = 30) -> list[dict]:
    base = article_records()
    return [copy.deepcopy(base[i % len(base)]) for i in range(count)]


def _failing(result) -> set[str]:
    return {check.name for check in result.failed}


def test_a_normal_run_passes_every_monitor():
    result = run_monitors(normal_stats(), _tally(_normal_records()))
    assert result.passed, [c.message for c in result.failed]
    assert len(result.checks) == 15
    assert result.exit_code == 0
    assert result.summary_fragment() == "monitors=ok"


def _without(field: str, count: int):
    records = _normal_records()
    for record in records[:count]:
        record[field] = None
    return records


@pytest.mark.parametrize("field", ["title", "body", "published", "outlet", "lead"])
def test_coverage_fails_when_a_field_goes_missing(field):
    result = run_monitors(normal_stats(), _tally(_without(field, 10)))
    assert _failing(result) == {f"coverage/{field}"}
    [check] = result.failed
    assert check.figure == pytest.approx(20 / 30, abs=1e-3)
    assert check.threshold == MonitorConfig().min_coverage[field]
    assert result.exit_code == EXIT_MONITORS_FAILED == 3
    assert result.summary_fragment() == f"monitors_failed=coverage/{field}"


def test_one_odd_page_is_tolerated():
    # A video page without text in a small incremental run: not an alarm on its own.
    result = run_monitors(normal_stats(records=4), _tally(_without("lead", 1)[:4]))
    assert result.passed


def test_comments_shown_but_not_extracted():
    records = _normal_records()
    showing = [r for r in records if r["comment_count"]]
    for record in showing:
        record["comments"] = []
    result = run_monitors(normal_stats(), _tally(records))
    assert _failing(result) == {"coverage/comments"}
    assert result.failed[0].figure == 0.0


@pytest.mark.parametrize(
    ("stats", "monitor"),
    [
        ({"newscrawl/dates/unparsed": 5}, "quality/unparsed_dates"),
        ({"newscrawl/outlets/unknown": 12}, "quality/unknown_outlets"),
        ({"newscrawl/failed": 9, "newscrawl/failed/http_503": 9}, "pages/failed"),
        ({"retry/count": 20}, "pages/retries"),
        ({"spider_exceptions/count": 1}, "run/spider_errors"),
        ({"newscrawl/items/failed": 1}, "run/spider_errors"),
        ({"finish_reason": "memusage_exceeded"}, "run/finish_reason"),
    ],
)
def test_stats_monitor_fails(stats, monitor):
    result = run_monitors({**normal_stats(), **stats}, _tally(_normal_records()))
    assert _failing(result) == {monitor}


@pytest.mark.parametrize(
    "stats",
    [
        {"newscrawl/dates/unparsed": 1},
        {"newscrawl/outlets/unknown": 3},
        {"newscrawl/failed": 1, "newscrawl/failed/http_404": 1},
        {"retry/count": 4},
        {"finish_reason": "closespider_itemcount"},
    ],
)
def test_stats_within_thresholds_pass(stats):
    assert run_monitors({**normal_stats(), **stats}, _tally(_normal_records())).passed


def test_failed_pages_name_their_reasons():
    stats = {
        **normal_stats(),
        "newscrawl/failed": 12,
        "newscrawl/failed/http_503": 9,
        "newscrawl/failed/timeout": 3,
    }
    [check] = run_monitors(stats, _tally(_normal_records())).failed
    assert check.message.endswith("http_503 (9), timeout (3)")


def test_invalid_records_are_a_monitor():
    records = _normal_records()
    for record in records[:5]:
        record["comment_count"] = "beaucoup"
    result = run_monitors(normal_stats(), _tally(records))
    assert _failing(result) == {"quality/invalid_records"}
    assert "comment_count/wrong_type (5)" in result.failed[0].message


def test_thresholds_come_from_settings():
    settings = {
        "NEWSCRAWL_MONITOR_MIN_COVERAGE_LEAD": "0.5",
        "NEWSCRAWL_MONITOR_MAX_RETRIES": "0.9",
        "NEWSCRAWL_MONITOR_FINISH_REASONS": "finished,memusage_exceeded",
    }
    config = MonitorConfig.from_settings(settings)
    assert config.min_coverage["lead"] == 0.5
    assert config.min_coverage["title"] == 0.99  # the dict default for the others
    stats = {**normal_stats(), "retry/count": 20, "finish_reason": "memusage_exceeded"}
    assert run_monitors(stats, _tally(_without("lead", 10)), config=config).passed


def test_monitors_off():
    config = MonitorConfig.from_settings({"NEWSCRAWL_MONITORS": "False"})
    result = run_monitors({"finish_reason": "memusage_exceeded"}, RecordsTally(), config=config)
    assert result.passed and result.checks == []
    assert result.summary_fragment() == "monitors=off"


def test_a_rule_that_raises_is_a_named_failure():
    result = run_monitors({**normal_stats(), "retry/count": "many"}, _tally(_normal_records()))
    [check] = result.failed
    assert check.name == "pages/retries"
    assert check.message.startswith("monitor error: ValueError")


def test_result_round_trips_through_json():
    from newscrawl.monitors import MonitorsResult

    result = run_monitors({**normal_stats(), "finish_reason": "memusage_exceeded"}, RecordsTally())
    again = MonitorsResult.from_dict(result.to_dict())
    assert again.checks == result.checks and again.exit_code == 3


# --- history ---------------------------------------------------------------------------


NORMAL_HISTORY = [PastRun(items=30, pages=40), PastRun(items=28, pages=38), PastRun(31, 41)]


def test_three_normal_runs_then_a_zero_article_run_is_caught_by_history_only():
    tally = RecordsTally()  # the listings returned no article: no record at all
    stats = {**normal_stats(records=0, listings=10)}
    result = run_monitors(stats, tally, NORMAL_HISTORY)
    assert _failing(result) == {"history/items", "history/pages"}
    items = next(c for c in result.checks if c.name == "history/items")
    assert items.figure == 0 and items.threshold == 15.0  # half the median of 30
    # Coverage monitors measure nothing on zero records rather than alarm.
    coverage = [c for c in result.checks if c.name.startswith("coverage/")]
    assert all(c.passed and c.figure is None for c in coverage)


def test_a_normal_run_passes_its_history():
    result = run_monitors(normal_stats(), _tally(_normal_records()), NORMAL_HISTORY)
    assert result.passed


def test_without_enough_history_nothing_is_compared():
    result = run_monitors(normal_stats(records=0), RecordsTally(), NORMAL_HISTORY[:2])
    assert result.passed
    assert "2 past runs, 3 needed" in result.checks[-2].message


def test_history_uses_the_last_runs_only():
    old_big_runs = [PastRun(items=1000, pages=1000)] * 20
    config = MonitorConfig(history_runs=3)
    result = run_monitors(
        normal_stats(), _tally(_normal_records()), old_big_runs + NORMAL_HISTORY, config=config
    )
    assert result.passed


def test_unchanged_revisits_count_as_items_read():
    # An incremental run that found everything unchanged emitted nothing but read 30.
    stats = {**normal_stats(records=0), "newscrawl/incremental/unchanged": 30}
    stats["response_received_count"] = 40
    assert run_monitors(stats, RecordsTally(), NORMAL_HISTORY).passed


def test_scrapy_settings_and_command_line_values():
    from scrapy.settings import Settings

    settings = Settings({"NEWSCRAWL_MONITOR_MIN_COVERAGE": {"lead": 0.5}})
    settings.set("NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY", "0.7", priority="cmdline")
    settings.set("NEWSCRAWL_MONITORS", "false", priority="cmdline")
    config = MonitorConfig.from_settings(settings)
    assert not config.enabled
    assert config.min_coverage == {**MonitorConfig().min_coverage, "lead": 0.5, "body": 0.7}
    settings.set("NEWSCRAWL_MONITOR_MIN_COVERAGE", '{"title": 0.5}', priority="cmdline")
    assert MonitorConfig.from_settings(settings).min_coverage["title"] == 0.5


def test_a_stop_on_request_is_a_normal_end_not_compared_with_the_history():
    # SIGTERM from systemd or Ctrl-C: what was fetched is saved, the rest comes next run.
    history = [PastRun(items=30, pages=40)] * 5
    stats = {**normal_stats(records=3, listings=1), "finish_reason": "shutdown"}
    result = run_monitors(stats, _tally(_normal_records()[:3]), history)
    assert result.passed, [check.message for check in result.failed]
    checks = {check.name: check for check in result.checks}
    assert "not compared" in checks["history/items"].message
    finished = {**stats, "finish_reason": "finished"}
    failing = {
        c.name for c in run_monitors(finished, _tally(_normal_records()[:3]), history).failed
    }
    assert failing == {"history/items", "history/pages"}
