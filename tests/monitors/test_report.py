"""The crawl report: built from a real crawl's data, escaped, opened in headless Chromium."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from newscrawl.monitors import (
    PastRun,
    RecordsTally,
    SlowestPages,
    report_data,
    run_monitors,
    write_index,
    write_report,
)
from tests.monitors.browser import full_page_screenshot, missing_reason, offline_chromium
from tests.monitors.support import ROOT, article_records, crawl_bundled_sample, normal_stats

ARTIFACTS = ROOT / "tests" / "artifacts"  # ignored by git: screenshots to look at
ATTACK = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The bundled sample crawled for real, then its tally, monitors and report timed."""
    workdir = tmp_path_factory.mktemp("sample")
    crawl = crawl_bundled_sample(workdir)
    started = time.perf_counter()
    tally = RecordsTally()
    for record in crawl["items"]:
        tally.add(record)
    history = [PastRun(items=30, pages=41)] * 3
    result = run_monitors(crawl["stats"], tally, history)
    slowest = SlowestPages()
    for n, record in enumerate(crawl["items"]):
        slowest.add(record["url"], 0.05 + n / 100)
    run = {
        "run_id": "2024-10-21T16-00-00Z",
        "spider": "boursorama",
        "status": "ok",
        "exit_code": result.exit_code,
        "new": len(crawl["items"]),
        "changed": 0,
        "unchanged": 0,
        "failed": 0,
        "duration": crawl["stats"]["elapsed_time_seconds"],
        "started": "2024-10-21T16:00:00+00:00",
        "finished": "2024-10-21T16:00:02+00:00",
    }
    data = report_data(run, crawl["stats"], tally, result, slowest.to_list())
    html = write_report(workdir / "feeds" / "run-1", data)
    spent = time.perf_counter() - started
    print(f"\nmonitors + report for {tally.records} records: {spent * 1000:.0f} ms")
    return {"crawl": crawl, "tally": tally, "result": result, "html": html, "workdir": workdir}


def test_the_bundled_sample_passes_every_monitor(sample_run):
    result = sample_run["result"]
    assert sample_run["tally"].records == 30
    assert result.passed, [check.message for check in result.failed]
    assert sample_run["tally"].invalid_records == 0


def test_the_report_is_self_contained(sample_run):
    html = sample_run["html"].read_text(encoding="utf-8")
    assert "<script" not in html
    assert "default-src 'none'" in html
    for reference in ('src="http', 'href="//', "@import", "url(http"):
        assert reference not in html
    data = json.loads((sample_run["html"].parent / "report.json").read_text(encoding="utf-8"))
    assert data["records"]["records"] == 30


@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
def test_the_report_in_a_real_browser_offline(sample_run):
    ARTIFACTS.mkdir(exist_ok=True)
    with offline_chromium() as browser:
        browser.get(sample_run["html"].as_uri())
        text = browser.find_element("tag name", "body").text
        charts = browser.execute_script(
            """return [...document.querySelectorAll('section.chart')].map(s => {
                 const svg = s.querySelector('svg');
                 if (!svg) return {id: s.id, width: 0, bars: 0};
                 const box = svg.getBoundingClientRect();
                 return {id: s.id, width: box.width, height: box.height,
                         bars: svg.querySelectorAll('.bar rect, rect.rect').length};
               })"""
        )
        fetched = browser.execute_script("return performance.getEntriesByType('resource').length")
        shot = full_page_screenshot(browser, ARTIFACTS / "report.png")
    assert "OK: run 2024-10-21T16-00-00Z" in text
    assert "all 15 monitors passed" in text
    for heading in (
        "Field coverage",
        "Failures by reason",
        "Articles per outlet",
        "Articles per day of publication",
        "Slowest pages",
        'Most linked "A lire aussi"',
    ):
        assert heading in text
    assert "coverage/body" in text and "30/30" in text
    assert [chart["id"] for chart in charts] == ["chart-outlets", "chart-days"]
    outlets = len(sample_run["tally"].per_outlet)
    days = len(sample_run["tally"].per_day)
    assert [chart["bars"] for chart in charts] == [outlets, days]
    assert all(chart["width"] > 200 and chart["height"] > 100 for chart in charts)
    assert fetched == 0  # nothing but the file itself was loaded
    assert shot.stat().st_size > 20_000


def _attacked_data():
    records = copy.deepcopy(article_records())
    for record in records:
        record["outlet"] = ATTACK
        record["related"][:1] = [
            {
                **(record["related"][0] if record["related"] else {}),
                "title": ATTACK,
                "url": 'https://www.boursorama.com/x"><script>alert(1)</script>',
            }
        ]
    tally = RecordsTally()
    for record in records:
        tally.add(record)
    result = run_monitors({**normal_stats(), "finish_reason": ATTACK}, tally)
    run = {"run_id": ATTACK, "status": "ok", "summary": ATTACK}
    slowest = [{"url": "javascript:alert(1)//" + ATTACK, "seconds": 1.0}]
    return report_data(run, {"newscrawl/failed/" + ATTACK: 1}, tally, result, slowest)


def test_titles_from_the_web_cannot_inject(tmp_path):
    html = write_report(tmp_path, _attacked_data()).read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "x&#34;&gt;&lt;script&gt;" in html  # the related URL, quotes and all, as text


@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
def test_an_attacked_report_runs_nothing_in_a_browser(tmp_path):
    report = write_report(tmp_path, _attacked_data())
    with offline_chromium() as browser:
        browser.get(report.as_uri())
        assert browser.title.startswith("newscrawl report")
        assert browser.execute_script("return document.scripts.length") == 0
        assert browser.execute_script("return document.images.length") == 0
        assert "PROBLEM" in browser.find_element("tag name", "h1").text


def _run_folder(root: Path, name: str, *, failing: bool) -> None:
    stats = {**normal_stats(), "finish_reason": "memusage_exceeded" if failing else "finished"}
    tally = RecordsTally()
    for record in article_records():
        tally.add(record)
    result = run_monitors(stats, tally)
    run = {"run_id": name, "status": "ok", "finished": name, "new": 3, "failed": 0}
    write_report(root / "boursorama" / name, report_data(run, stats, tally, result))


def test_index_links_every_run_newest_first(tmp_path):
    _run_folder(tmp_path, "2024-10-20T06-00-00Z", failing=False)
    _run_folder(tmp_path, "2024-10-21T06-00-00Z", failing=True)
    (tmp_path / "boursorama" / "broken").mkdir()
    (tmp_path / "boursorama" / "broken" / "report.json").write_text("{not json")
    index = write_index(tmp_path).read_text(encoding="utf-8")
    newer = index.index("boursorama/2024-10-21T06-00-00Z/report.html")
    older = index.index("boursorama/2024-10-20T06-00-00Z/report.html")
    assert newer < older
    assert "FAIL: run/finish_reason" in index
    assert "broken" not in index


@pytest.mark.skipif(missing_reason() is not None, reason=str(missing_reason()))
def test_the_index_in_a_real_browser(tmp_path):
    _run_folder(tmp_path, "2024-10-21T06-00-00Z", failing=True)
    index = write_index(tmp_path)
    with offline_chromium() as browser:
        browser.get(index.as_uri())
        rows = browser.find_elements("css selector", "#runs tr")
        assert len(rows) == 2
        assert "FAIL: run/finish_reason" in rows[1].text
        rows[1].find_element("tag name", "a").click()
        assert "PROBLEM" in browser.find_element("tag name", "h1").text
