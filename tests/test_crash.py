"""Killed and stopped runs: nothing lost, nothing emitted twice.

The feeds under their final names, over every run, are what a user has: their union must be
the site's article set, with no (article_id, version) twice, whatever moment a run died at.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from tests.site.model import SiteComment, build_site
from tests.site.server import SiteServer
from tests.support.runs import Crawls, listing_urls, read_jsonl

# Slow enough that a crawl of the test site lasts a few seconds to land kills in.
PACED = {"DOWNLOAD_DELAY": "0.05"}


def assert_feeds_hold_each_version_once(crawls: Crawls, site, expected_ids: set[str]):
    items = crawls.all_items()
    versions = Counter((item["article_id"], item["version"]) for item in items)
    assert [key for key, n in versions.items() if n > 1] == []
    assert {item["article_id"] for item in items} == expected_ids
    # The newest version of each article is the site as it is now.
    latest = {}
    for item in items:
        if item["version"] >= latest.get(item["article_id"], {"version": 0})["version"]:
            latest[item["article_id"]] = item
    for article_id, item in latest.items():
        assert item["comment_count"] == len(site.articles[article_id].comments), article_id


def test_sigkill_at_10_random_points_then_a_full_run(site_server, tmp_path):
    site, expected = site_server.site, site_server.expectations
    urls = listing_urls(site_server)

    # How long one paced crawl takes here, to spread the kills over it.
    probe = Crawls(tmp_path / "probe", urls)
    began = time.monotonic()
    assert probe.run(settings=PACED).returncode == 0
    duration = time.monotonic() - began

    crawls = Crawls(tmp_path / "killed", urls)
    rng = random.Random(20241021)
    page_one = site.listings["/bourse/actualites/marches/"][:8]
    killed_running = 0
    for point in range(10):
        # Now and then a reader comments: the next run has a new version to emit.
        if point % 3 == 2:
            article = site.articles[page_one[point % len(page_one)]]
            article.comments.append(
                SiteComment(f"tueur_{point}", site.now - timedelta(minutes=point), "Encore.")
            )
            site_server.refresh()
        # refresh=all: every run re-fetches the whole site, so each kill lands mid-crawl
        # whether it hits new, changed or unchanged articles.
        process, _ = crawls.popen(args={"refresh": "all"}, settings=PACED)
        time.sleep(rng.uniform(0.2, duration))
        process.kill()
        process.communicate()
        killed_running += process.returncode == -signal.SIGKILL

    final = crawls.run(settings=PACED)
    assert final.returncode == 0, final.tail
    assert killed_running >= 8, "the kills should land while the crawl runs"
    assert_feeds_hold_each_version_once(crawls, site, expected.crawled_ids)


class HangingSite(SiteServer):
    """The site, with pages that hang until the test lets them go."""

    def __init__(self, site, hanging: set[str]):
        super().__init__(site)
        self.hanging = hanging
        self.release = threading.Event()
        self.hung = threading.Event()

    def _answer(self, path):
        answer = super()._answer(path)
        if path in self.hanging:
            self.hung.set()
            self.release.wait(120)
        return answer


@pytest.fixture
def hanging_site():
    site, expectations = build_site()
    stuck = site.articles[site.listings["/bourse/actualites/marches/"][6]]
    server = HangingSite(site, {stuck.path})
    server.expectations = expectations
    server.stuck = stuck
    with server:
        try:
            yield server
        finally:
            server.release.set()


def test_sigterm_stops_soon_with_complete_feeds_and_the_rest_comes_next_run(hanging_site, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(hanging_site))
    # A hung request would hold a graceful stop for DOWNLOAD_TIMEOUT (30 s) and retries.
    settings = {**PACED, "NEWSCRAWL_STOP_TIMEOUT": "2"}
    process, log = crawls.popen(settings=settings)
    assert hanging_site.hung.wait(60), "the crawl never reached the hanging page"
    process.send_signal(signal.SIGTERM)
    # Bounded by the stop timeout above, not by the hung request (released only later).
    _, stderr = process.communicate(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert process.returncode == 0, stderr[-2000:] + text[-3000:]
    assert "status=stopped" in text
    assert "Abandoning 1 request(s) still in flight" in text
    [folder] = crawls.folders()
    assert sorted(p.name for p in folder.iterdir()) == [
        "articles.csv",
        "articles.jsonl",
        "comments.csv",
        "links.csv",
        "report.html",
        "report.json",
    ]
    stopped_ids = {item["article_id"] for item in read_jsonl(folder / "articles.jsonl")}
    assert hanging_site.stuck.article_id not in stopped_ids

    hanging_site.release.set()
    hanging_site.hanging.clear()
    rest = crawls.run(settings=PACED)
    assert rest.returncode == 0, rest.tail
    rest_ids = {item["article_id"] for item in rest.items}
    assert hanging_site.stuck.article_id in rest_ids
    assert not stopped_ids & rest_ids
    assert stopped_ids | rest_ids == hanging_site.expectations.crawled_ids
