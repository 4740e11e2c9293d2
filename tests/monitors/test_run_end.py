"""Monitors wired into ``scrapy crawl``: exit codes, summary line, report, webhook, state.

Each test crawls the local test site through the project's crawl command (as cron would),
with the feeds and the crawl state in the test's folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field, fields

import pytest

from newscrawl.incremental.state import open_state
from tests.monitors.webhook import Receiver
from tests.site.model import Site, build_site
from tests.site.server import SiteServer
from tests.support.runs import ROOT, Crawls, Run, env, listing_urls

HTML = {"Content-Type": "text/html; charset=utf-8"}
CHALLENGE = (
    200,
    HTML,
    (
        "<!DOCTYPE html><html lang='fr'><head><title>boursorama.com</title></head><body>"
        "<p>Vérification que vous êtes un humain. Cela peut prendre quelques secondes.</p>"
        "<script src='https://ct.captcha-delivery.com/c.js'></script></body></html>"
    ).encode(),
)
EMPTY = (200, HTML, b"")
PDF = (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\n")


@dataclass
class FaultySite(Site):
    """The test site, some article pages answering 200 with something else than the article."""

    faults: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    """Article id -> the answer its page gives instead."""

    def routes(self):
        pages = super().routes()
        for article_id, answer in self.faults.items():
            pages[self.articles[article_id].path] = answer
        return pages


def faulty_site() -> tuple[FaultySite, object]:
    site, expectations = build_site()
    return FaultySite(**{f.name: getattr(site, f.name) for f in fields(site)}), expectations


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def _failing(run) -> set[str]:
    return set(run.summary.get("monitors_failed", "").split(",")) - {""}


def _report(run) -> tuple[dict, str]:
    [folder] = run.folders
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return data, (folder / "report.html").read_text(encoding="utf-8")


def _done(crawls: Crawls, article_ids) -> set[str]:
    store = open_state(crawls.state)
    try:
        return {article_id for article_id in article_ids if store.get(article_id)}
    finally:
        store.close()


def test_a_normal_crawl_exits_0_sends_nothing_and_reports_every_monitor_passed(tmp_path, receiver):
    site, expectations = faulty_site()
    with SiteServer(site) as server:
        crawls = Crawls(tmp_path, listing_urls(server))
        run = crawls.run(settings={"NEWSCRAWL_NOTIFY_WEBHOOK": receiver.url})
    assert run.returncode == 0, run.tail
    assert run.summary["monitors"] == "ok"
    assert {item["article_id"] for item in run.items} == expectations.crawled_ids
    assert receiver.bodies == []
    data, html = _report(run)
    assert data["monitors"]["passed"] and data["run"]["exit_code"] == 0
    assert data["records"]["records"] == len(expectations.crawled_ids)
    assert data["run"]["summary"].startswith("newscrawl run: status=ok")
    assert "monitors_failed" not in html


def test_a_site_behind_a_challenge_exits_3_notifies_once_and_is_fetched_again_once_back(
    tmp_path, receiver
):
    site, expectations = faulty_site()
    site.faults = {article_id: CHALLENGE for article_id in site.articles}
    settings = {"NEWSCRAWL_NOTIFY_WEBHOOK": receiver.url}
    with SiteServer(site) as server:
        crawls = Crawls(tmp_path, listing_urls(server))
        walled = crawls.run(settings=settings)

        assert walled.returncode == 3, walled.tail
        assert walled.summary["status"] == "ok"  # the crawl ran; its output is what is wrong
        failing = _failing(walled)
        assert {"coverage/body", "coverage/published", "pages/failed"} <= failing
        assert not any(name.startswith(("run/", "history/")) for name in failing)
        assert walled.items == []
        listed = {i for ids in site.listings.values() for i in ids}
        assert _done(crawls, site.articles) == set()

        data, html = _report(walled)
        reported = {c["name"] for c in data["monitors"]["checks"] if not c["passed"]}
        assert reported == failing and data["run"]["exit_code"] == 3
        assert "coverage/body" in html and "coverage/published" in html
        assert "not_an_article/challenge" in html
        assert data["failed_by_reason"]["not_an_article/challenge"] >= len(
            listed & expectations.crawled_ids
        )

        [notice] = receiver.bodies
        assert notice["status"] == "monitors_failed"
        assert {entry["name"] for entry in notice["failed"]} == failing
        assert notice["report"] == str(walled.folders[0] / "report.html")

        site.faults = {}
        server.refresh()
        back = crawls.run(settings=settings)
    assert back.returncode == 0, back.tail
    assert {item["article_id"] for item in back.items} == expectations.crawled_ids
    assert {item["version"] for item in back.items} == {1}
    assert _done(crawls, expectations.crawled_ids) == expectations.crawled_ids
    assert len(receiver.bodies) == 1  # nothing more: the repaired run passed


def test_an_empty_200_and_a_pdf_at_article_urls_are_failed_not_emitted_and_retried(tmp_path):
    site, expectations = faulty_site()
    marches = site.listings["/bourse/actualites/marches/"]
    empty_id, pdf_id = marches[2], marches[5]
    site.faults = {empty_id: EMPTY, pdf_id: PDF}
    with SiteServer(site) as server:
        crawls = Crawls(tmp_path, listing_urls(server))
        broken = crawls.run()
        stats_line = broken.log
        assert "not an article (empty)" in stats_line and "not an article (not_html)" in stats_line
        emitted = {item["article_id"] for item in broken.items}
        assert emitted == expectations.crawled_ids - {empty_id, pdf_id}
        assert broken.count("failed") >= 2
        data, _ = _report(broken)
        assert data["failed_by_reason"]["not_an_article/empty"] == 1
        assert data["failed_by_reason"]["not_an_article/not_html"] == 1
        assert data["run"]["status"] == "ok"  # no spider error: a PDF is a page, not a crash
        assert _done(crawls, [empty_id, pdf_id]) == set()

        site.faults = {}
        server.refresh()
        again = crawls.run()
    assert again.returncode == 0, again.tail
    assert {item["article_id"] for item in again.items} == {empty_id, pdf_id}
    assert _done(crawls, [empty_id, pdf_id]) == {empty_id, pdf_id}


def test_a_run_whose_listings_show_no_article_is_caught_by_the_history_monitor_alone(tmp_path):
    site, _ = faulty_site()
    # A schedule of full re-reads: each normal run reads every article (new or unchanged).
    args = {"refresh": "all"}
    with SiteServer(site) as server:
        crawls = Crawls(tmp_path, listing_urls(server))
        normal = [crawls.run(args) for _ in range(3)]
        for run in normal:
            assert run.returncode == 0, run.tail
            assert run.summary["monitors"] == "ok"
        site.listings = {root: [] for root in site.listings}
        site.listing_extra_links = {}
        server.refresh()
        emptied = crawls.run(args)
    assert emptied.returncode == 3, emptied.tail
    assert _failing(emptied) == {"history/items", "history/pages"}
    data, _ = _report(emptied)
    history = {c["name"]: c for c in data["monitors"]["checks"] if c["name"].startswith("history")}
    assert history["history/items"]["figure"] == 0
    assert "over the last 3 runs" in history["history/items"]["message"]


def test_the_bundled_sample_passes_every_monitor_through_scrapy_crawl(tmp_path):
    log = tmp_path / "crawl.log"
    command = [sys.executable, "-m", "scrapy", "crawl", "boursorama"]
    for name, value in {
        "NEWSCRAWL_REPLAY": str(ROOT / "data" / "sample"),
        "NEWSCRAWL_FEEDS_DIR": str(tmp_path / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(tmp_path / "state"),
        "NEWSCRAWL_STORE": f"sqlite:///{tmp_path / 'corpus.sqlite3'}",
        "LOG_FILE": str(log),
    }.items():
        command += ["-s", f"{name}={value}"]
    done = subprocess.run(command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    text = log.read_text(encoding="utf-8")
    assert done.returncode == 0, done.stderr[-2000:] + text[-3000:]
    run = Run(
        done.returncode, text, done.stderr, sorted((tmp_path / "feeds" / "boursorama").iterdir())
    )
    assert run.summary["monitors"] == "ok" and run.count("new") == 30
    data, _ = _report(run)
    assert all(check["passed"] for check in data["monitors"]["checks"])
