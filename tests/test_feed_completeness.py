"""Every record a crawl scrapes is in every feed, or the run fails and commits nothing.

Scrapy only logs an error raised while a feed writes a record; the record is then missing
from that feed and every feed after it. These runs make one exporter fail, or give a page
a field no UTF-8 writer can encode, and check what reaches the feeds, the exit code and the
crawl state.
"""

from __future__ import annotations

import json
import re
import subprocess

from newscrawl.incremental.outcome import EXIT_FAILED
from newscrawl.incremental.state import open_state
from tests.site.model import build_site
from tests.site.server import SiteServer
from tests.support.runs import Crawls, listing_urls, read_jsonl
from tests.test_feeds import crawl, crawl_command, crawl_env, parse_feed

FAILING = "tests.support.failing_exporter.FailOnOneRecord"
FAIL_FIFTH = {
    "FEED_EXPORTERS": json.dumps({"articles_csv": FAILING}),
    "FAIL_ON_POSITION": "5",
}


def stat(log: str, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def test_an_exporter_failing_on_one_record_fails_the_run_and_commits_nothing(site_server, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    expected = site_server.expectations.crawled_ids

    broken = crawls.run(settings=FAIL_FIFTH)
    assert broken.returncode == EXIT_FAILED, broken.tail
    assert broken.summary["status"] == "failed"
    assert "feed missing records (" in broken.summary["problems"]
    assert f"holds {len(expected) - 1} of the {len(expected)} records" in broken.log
    # Nothing published, nothing marked done.
    assert broken.folders == []
    assert open_state(crawls.state).count() == 0

    retry = crawls.run()
    assert retry.returncode == 0, retry.tail
    assert {item["article_id"] for item in retry.items} == expected
    (folder,) = retry.folders
    assert len(parse_feed(folder / "articles.csv")) == len(expected)
    assert len(crawls.all_items()) == len(expected)


def test_a_user_feed_missing_a_record_keeps_its_part_name(tmp_path):
    out = tmp_path / "out.csv"
    done = crawl(
        tmp_path,
        "-O",
        f"{out}:articles_csv",
        *[arg for name, value in FAIL_FIFTH.items() for arg in ("-s", f"{name}={value}")],
        count=8,
        check=False,
    )
    assert done.returncode == EXIT_FAILED, done.stderr[-3000:]
    assert "holds 7 of the 8 records" in done.stderr
    assert not out.exists()
    assert (tmp_path / "out.csv.part").exists()


def test_an_exporter_that_cannot_start_fails_the_run(tmp_path):
    cannot = json.dumps({"articles_csv": "tests.support.failing_exporter.CannotStart"})
    completed = subprocess.run(
        crawl_command("-s", f"FEED_EXPORTERS={cannot}", count=4),
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == EXIT_FAILED, completed.stderr[-3000:]
    assert "Feeds NOT published" in completed.stderr
    spider_dir = tmp_path / "data" / "feeds" / "feedtest"
    assert [p.name.startswith(".") for p in spider_dir.iterdir()] == [True]


class SurrogateSite(SiteServer):
    """The site, with one article whose only headline is JSON-LD with a lone surrogate."""

    def __init__(self, site, victim):
        super().__init__(site)
        self.victim = victim

    def _answer(self, path):
        status, headers, body = super()._answer(path)
        if path != self.victim.path:
            return status, headers, body
        page = body.decode("utf-8")
        page = re.sub(r'<h1 class="c-title-big c-title--color-dark">.*?</h1>', "", page, flags=re.S)
        json_ld = (
            '<script type="application/ld+json">{"@context":"https://schema.org",'
            '"@type":"NewsArticle","headline":"Le CAC 40 \\ud83d en hausse"}</script>'
        )
        return status, headers, page.replace("</head>", json_ld + "</head>").encode("utf-8")


def test_a_lone_surrogate_in_a_headline_loses_nothing(tmp_path):
    site, expectations = build_site()
    victim = next(
        a for a in site.articles.values() if a.layout == "current" and a.comments and a.related
    )
    with SurrogateSite(site, victim) as server:
        crawls = Crawls(tmp_path, listing_urls(server))
        run = crawls.run()
    assert run.returncode == 0, run.tail
    assert run.summary["status"] == "ok"
    (folder,) = run.folders
    records = read_jsonl(folder / "articles.jsonl")
    assert {r["article_id"] for r in records} == expectations.crawled_ids
    [record] = [r for r in records if r["article_id"] == victim.article_id]
    assert record["title"] == "Le CAC 40 \ufffd en hausse"
    articles = (folder / "articles.csv").read_text(encoding="utf-8")
    assert "Le CAC 40 \ufffd en hausse" in articles
    comments = [row for row in parse_feed(folder / "comments.csv") if row[0] == victim.article_id]
    assert len(comments) == len(victim.comments)
    links = [row for row in parse_feed(folder / "links.csv") if row[0] == victim.article_id]
    assert len(links) == len(victim.related)
    scraped = stat(run.log, "item_scraped_count")
    assert scraped == len(records)
    assert stat(run.log, "newscrawl/feeds/articles_csv/rows") == scraped
