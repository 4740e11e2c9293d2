"""The extension's own parts: records validated as they pass, the switch, the command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from newscrawl.items import Article
from newscrawl.monitors.extension import MonitorsExtension
from newscrawl.monitors.report import INDEX_HTML
from tests.monitors.support import ROOT, article_records


def _extension(settings=None) -> MonitorsExtension:
    crawler = get_crawler(settings_dict=settings or {})
    crawler._apply_settings()
    return MonitorsExtension.from_crawler(crawler)


def test_an_invalid_record_is_counted_by_field_and_kind_and_left_as_it_is():
    extension = _extension()
    good = Article(**article_records()[0])
    bad = Article(**{**article_records()[0], "comment_count": "8", "title": ""})
    before = asdict(bad)
    for item in (good, bad, {"not": "an article"}):
        extension.item_scraped(item)
    stats = extension.stats.get_stats()
    assert stats["newscrawl/validation/comment_count/wrong_type"] == 1
    assert stats["newscrawl/validation/title/empty"] == 1
    assert (extension.tally.records, extension.tally.invalid_records) == (2, 1)
    assert asdict(bad) == before  # validated, not changed: the feeds write it as it is


def test_monitors_off_means_no_extension():
    with pytest.raises(NotConfigured):
        _extension({"NEWSCRAWL_MONITORS": "False"})


def _command(*args: str):
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.monitors.command", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_the_report_command_writes_the_index_of_the_runs(tmp_path):
    run = tmp_path / "boursorama" / "2024-10-21T16-00-00Z"
    run.mkdir(parents=True)
    (run / "report.json").write_text(
        json.dumps({"run": {"run_id": "r1", "status": "ok"}, "monitors": {"passed": True}}),
        encoding="utf-8",
    )
    done = _command("report", str(tmp_path))
    assert done.returncode == 0, done.stderr
    index = (tmp_path / INDEX_HTML).read_text(encoding="utf-8")
    assert "boursorama/2024-10-21T16-00-00Z/report.html" in index


@pytest.mark.parametrize(
    "args",
    [("report", "/nonexistent/feeds"), ("report", "a", "b"), (), ("reprot",)],
    ids=["missing folder", "two folders", "no command", "typo"],
)
def test_a_bad_report_command_line_is_one_line_and_exit_2(args):
    done = _command(*args)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stdout == ""
