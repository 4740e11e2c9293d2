"""Incremental runs against the local copy of the site, changed between runs like the real one.

Every crawl is a real ``scrapy crawl boursorama`` in a subprocess, sharing one state folder
with the crawls before it; assertions read the feeds it wrote and what the site served.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from newscrawl.incremental.outcome import EXIT_FAILED, EXIT_LOCKED
from newscrawl.incremental.runlock import LOCK_FILE, RunLock
from newscrawl.incremental.state import Visit, open_state
from tests.site.model import SiteArticle, SiteComment
from tests.support.runs import Crawls, listing_urls

MARCHES = "/bourse/actualites/marches/"
SOCIETES = "/bourse/actualites/societes/"
# Every article of the test site (published in 2024) is "young" inside this window.
ALWAYS_YOUNG = {"NEWSCRAWL_REVISIT_WINDOW": "100000d", "NEWSCRAWL_REVISIT_EVERY": "0"}


@pytest.fixture
def crawls(tmp_path, site_server):
    return Crawls(tmp_path, listing_urls(site_server))


def served(server, since: Counter) -> Counter:
    """Pages the site served since the ``since`` snapshot."""
    return Counter(
        {path: n - since[path] for path, n in server.requests.items() if n > since[path]}
    )


def article_fetches(server, delta: Counter) -> int:
    return sum(delta[a.path] for a in server.site.articles.values())


def listed(server, root: str, position: int):
    return server.site.articles[server.site.listings[root][position]]


def test_run_1_emits_everything_run_2_nothing_run_3_only_what_changed(site_server, crawls):
    site, expected = site_server.site, site_server.expectations

    first = crawls.run()
    assert first.returncode == 0, first.tail
    ids = [item["article_id"] for item in first.items]
    assert sorted(ids) == sorted(expected.crawled_ids)
    assert {item["version"] for item in first.items} == {1}
    assert (first.count("new"), first.count("changed"), first.count("unchanged")) == (
        len(ids),
        0,
        0,
    )
    assert first.summary["status"] == "ok"

    snapshot = Counter(site_server.requests)
    second = crawls.run()
    assert second.returncode == 0, second.tail
    assert second.items == []
    assert (second.count("new"), second.count("changed"), second.count("unchanged")) == (0, 0, 0)
    delta = served(site_server, snapshot)
    assert article_fetches(site_server, delta) == 0
    # Page 1 of "marches" is all known: its page 2 is not fetched.
    assert delta[MARCHES] == 1 and delta[f"{MARCHES}page-2"] == 0

    # The site moves on: a new article on top of a listing, a comment under a listed one.
    newcomer = SiteArticle(
        slug="article-tout-neuf-bourse",
        title="Titre tout neuf : la bourse ouvre en hausse",
        provider="AFP",
        published=site.now - timedelta(minutes=20),
        paragraphs=["Un paragraphe tout neuf.", "Et un second."],
    )
    site.articles[newcomer.article_id] = newcomer
    site.listings[MARCHES].insert(0, newcomer.article_id)
    commented = listed(site_server, MARCHES, 3)
    commented.comments.append(
        SiteComment("nouveau_lecteur", site.now - timedelta(minutes=5), "Un avis de plus.")
    )
    site_server.refresh()

    snapshot = Counter(site_server.requests)
    third = crawls.run()
    assert third.returncode == 0, third.tail
    by_id = {item["article_id"]: item for item in third.items}
    assert set(by_id) == {newcomer.article_id, commented.article_id}
    assert by_id[newcomer.article_id]["version"] == 1
    assert by_id[commented.article_id]["version"] == 2
    assert by_id[commented.article_id]["comment_count"] == 3
    assert by_id[commented.article_id]["comments"][-1]["author"] == "nouveau_lecteur"
    assert (third.count("new"), third.count("changed"), third.count("unchanged")) == (1, 1, 0)
    delta = served(site_server, snapshot)
    assert article_fetches(site_server, delta) == 2
    # Page 1 had the newcomer, page 2 was all known: page 3 is not fetched.
    assert delta[f"{MARCHES}page-2"] == 1 and delta[f"{MARCHES}page-3"] == 0

    state = open_state(crawls.state)
    assert state.get(commented.article_id).version == 2
    assert state.get(commented.article_id).comment_count == 3
    assert state.get(newcomer.article_id).emitted_run != state.get(ids[0]).emitted_run


def test_young_articles_are_revisited_and_only_real_changes_emitted(site_server, crawls):
    first = crawls.run(settings=ALWAYS_YOUNG)
    assert first.returncode == 0, first.tail

    snapshot = Counter(site_server.requests)
    second = crawls.run(settings=ALWAYS_YOUNG)
    assert second.returncode == 0, second.tail
    revisited = article_fetches(site_server, served(site_server, snapshot))
    assert revisited > 0
    assert second.items == []
    assert (second.count("changed"), second.count("unchanged")) == (0, revisited)

    updated = listed(site_server, MARCHES, 1)
    updated.paragraphs[0] = "Le texte a été corrigé par la rédaction."
    updated.updated = site_server.site.now - timedelta(minutes=10)
    site_server.refresh()

    snapshot = Counter(site_server.requests)
    third = crawls.run(settings=ALWAYS_YOUNG)
    assert third.returncode == 0, third.tail
    revisited = article_fetches(site_server, served(site_server, snapshot))
    [record] = third.items
    assert record["article_id"] == updated.article_id and record["version"] == 2
    assert record["lead"] == "Le texte a été corrigé par la rédaction."
    assert record["updated"] is not None
    assert (third.count("new"), third.count("changed")) == (0, 1)
    assert third.count("unchanged") == revisited - 1


def test_revisit_every_spaces_out_revisits_of_young_articles(site_server, crawls):
    assert crawls.run(settings=ALWAYS_YOUNG).returncode == 0
    snapshot = Counter(site_server.requests)
    again = crawls.run(settings={**ALWAYS_YOUNG, "NEWSCRAWL_REVISIT_EVERY": "1h"})
    assert again.returncode == 0, again.tail
    assert article_fetches(site_server, served(site_server, snapshot)) == 0
    assert again.items == []


def test_refresh_all_refetches_every_known_article_and_emits_none_unchanged(site_server, crawls):
    expected = site_server.expectations
    assert crawls.run().returncode == 0
    snapshot = Counter(site_server.requests)
    refresh = crawls.run(args={"refresh": "all"})
    assert refresh.returncode == 0, refresh.tail
    delta = served(site_server, snapshot)
    for article_id in expected.crawled_ids:
        assert delta[site_server.site.articles[article_id].path] == 1
    assert refresh.items == []
    assert refresh.count("unchanged") == len(expected.crawled_ids)


def test_since_bounds_articles_and_pagination(site_server, crawls):
    site = site_server.site
    since = "2024-10-20"  # 42 h before the site's clock: articles 0..13 of "marches"
    run = crawls.run(args={"since": since, "max_pages": "4"})
    assert run.returncode == 0, run.tail
    marches = [site.articles[i] for i in site.listings[MARCHES]]
    recent = {a.article_id for a in marches if a.published.isoformat() >= "2024-10-20T00:00"}
    assert len(recent) == 14
    assert {item["article_id"] for item in run.items} == recent
    # Page 3 (articles 16..23) is all older than since: page 4 is never asked for, and
    # listing entries older than since are not fetched at all.
    assert site_server.requests[f"{MARCHES}page-3"] == 1
    assert site_server.requests[f"{MARCHES}page-4"] == 0
    assert site_server.requests[marches[20].path] == 0


def test_incremental_off_emits_everything_every_time(site_server, crawls):
    off = {"NEWSCRAWL_INCREMENTAL": "False"}
    assert crawls.run(settings=off).returncode == 0
    again = crawls.run(settings=off)
    assert again.returncode == 0, again.tail
    assert len(again.items) == len(site_server.expectations.crawled_ids)
    assert not (crawls.state / "state.sqlite3").exists()


# --- runs: lock, exit codes ------------------------------------------------------------------


def test_an_overlapping_run_is_refused_with_exit_75_and_leaves_no_trace(crawls):
    with RunLock(crawls.state):
        refused = crawls.run()
    assert refused.returncode == EXIT_LOCKED, refused.tail
    assert "another newscrawl run is using" in refused.stderr
    assert refused.folders == []


def test_a_stale_lock_of_a_killed_run_is_taken_over(site_server, crawls):
    crawls.state.mkdir(parents=True)
    # What a SIGKILLed run leaves: its details in the file, and no process holding it.
    (crawls.state / LOCK_FILE).write_text(json.dumps({"pid": 999999, "started": "earlier"}))
    run = crawls.run()
    assert run.returncode == 0, run.tail
    assert "Took over the stale run lock" in run.log and "999999" in run.log
    assert len(run.items) == len(site_server.expectations.crawled_ids)


def test_no_reachable_listing_fails_the_run(site_server, tmp_path):
    crawls = Crawls(tmp_path, site_server.url("/bourse/actualites/rubrique-disparue/"))
    run = crawls.run()
    assert run.returncode == EXIT_FAILED, run.tail
    assert run.summary["status"] == "failed"
    assert "no listing page reachable" in run.summary["problems"]


class FailingStorage:
    """A feed storage whose final store fails, like a full disk at the end of a run."""

    def __init__(self, uri, *, feed_options=None):
        pass

    def open(self, spider):
        import tempfile

        return tempfile.TemporaryFile()

    def store(self, file):
        raise OSError(28, "No space left on device")


def test_a_failed_feed_fails_the_run_and_its_articles_are_fetched_again(site_server, crawls):
    failing = {
        "FEED_STORAGES": json.dumps({"failing": "tests.test_incremental.FailingStorage"}),
        "FEEDS": json.dumps({"failing://feed": {"format": "jsonlines"}}),
    }
    broken = crawls.run(settings=failing)
    assert broken.returncode == EXIT_FAILED, broken.tail
    assert "feed write failed" in broken.summary["problems"]
    assert open_state(crawls.state).count() == 0

    retry = crawls.run()
    assert retry.returncode == 0, retry.tail
    assert len(retry.items) == len(site_server.expectations.crawled_ids)


# --- recovery of a run killed between its feeds and its commit --------------------------------


def killed_after_feeds(crawls: Crawls, article_id: str, feeds_exist: bool) -> None:
    """The state a run leaves when SIGKILLed after staging ``article_id``."""
    folder = crawls.feeds / "boursorama" / "killed-run"
    folder.mkdir(parents=True)
    feed = folder / "articles.jsonl"
    if feeds_exist:
        feed.write_text(json.dumps({"article_id": article_id, "version": 1}) + "\n")
    state = open_state(crawls.state)
    state.begin_run("killed", "2024-10-21T15:00:00+00:00")
    state.set_run_feeds("killed", [str(feed)])
    state.stage(
        "killed",
        Visit(article_id, None, None, "2024-10-21T15:00:00+00:00", "fp", 2, 1, emitted=True),
    )
    state.close()


@pytest.mark.parametrize("feeds_exist", [True, False])
def test_a_run_killed_after_staging_is_settled_by_its_feeds(site_server, crawls, feeds_exist):
    victim = listed(site_server, MARCHES, 5).article_id  # links to no related-only page
    killed_after_feeds(crawls, victim, feeds_exist)
    run = crawls.run()
    assert run.returncode == 0, run.tail
    emitted = {item["article_id"] for item in run.items}
    if feeds_exist:
        # Its feed holds the article: the run counts as done and nothing is emitted twice.
        assert "its feeds are complete" in run.log
        assert victim not in emitted
        assert emitted == site_server.expectations.crawled_ids - {victim}
    else:
        assert "its feeds never completed" in run.log
        assert emitted == site_server.expectations.crawled_ids
    assert open_state(crawls.state).unfinished_runs() == []
