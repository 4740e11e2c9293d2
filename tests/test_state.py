"""The crawl state store, the run lock and the re-visit rules, without a crawl."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from newscrawl.feeds.uri import local_path
from newscrawl.incremental import outcome
from newscrawl.incremental.revisit import (
    RevisitPolicy,
    fingerprint,
    parse_duration,
    parse_refresh,
    parse_since,
)
from newscrawl.incremental.runlock import RunLock, RunLocked
from newscrawl.incremental.state import (
    ABORTED,
    COMMITTED,
    RUNNING,
    STAGE_BATCH_ROWS,
    ArticleState,
    SqliteState,
    Visit,
    open_state,
)
from newscrawl.items import Article, Comment

NOW = datetime(2024, 10, 21, 16, 0, tzinfo=UTC)


def visit(article_id: str, version: int = 1, *, emitted=True, fetched=NOW, **extra) -> Visit:
    return Visit(
        article_id=article_id,
        url=f"https://example.test/{article_id}",
        published=extra.get("published", "2024-10-21T12:00:00+02:00"),
        fetched=fetched.isoformat(),
        fingerprint=extra.get("fingerprint", f"fp-{article_id}-{version}"),
        comment_count=extra.get("comment_count", 2),
        version=version,
        emitted=emitted,
    )


# --- store ---------------------------------------------------------------------------------


def test_staged_visits_are_invisible_until_the_run_commits(tmp_path):
    store = open_state(tmp_path)
    store.begin_run("r1", NOW.isoformat())
    store.stage("r1", visit("a"))
    assert store.get("a") is None
    assert store.commit_run("r1", NOW.isoformat()) == 1
    known = store.get("a")
    assert known == ArticleState(
        article_id="a",
        url="https://example.test/a",
        published="2024-10-21T12:00:00+02:00",
        first_seen=NOW.isoformat(),
        last_fetched=NOW.isoformat(),
        fingerprint="fp-a-1",
        comment_count=2,
        version=1,
        emitted_run="r1",
    )
    assert store.run_status("r1") == COMMITTED
    assert store.unfinished_runs() == []


def test_revisit_keeps_first_seen_and_moves_emitted_run_only_on_a_new_version(tmp_path):
    store = open_state(tmp_path)
    later, latest = NOW + timedelta(hours=3), NOW + timedelta(hours=6)
    store.begin_run("r1", NOW.isoformat())
    store.stage("r1", visit("a"))
    store.commit_run("r1", NOW.isoformat())

    store.begin_run("r2", later.isoformat())
    store.stage("r2", visit("a", 1, emitted=False, fetched=later))
    store.commit_run("r2", later.isoformat())
    unchanged = store.get("a")
    assert (unchanged.first_seen, unchanged.last_fetched) == (NOW.isoformat(), later.isoformat())
    assert (unchanged.version, unchanged.emitted_run) == (1, "r1")

    store.begin_run("r3", latest.isoformat())
    store.stage("r3", visit("a", 2, fetched=latest, comment_count=3))
    store.commit_run("r3", latest.isoformat())
    changed = store.get("a")
    assert (changed.version, changed.emitted_run, changed.comment_count) == (2, "r3", 3)
    assert changed.first_seen == NOW.isoformat()


def test_a_discarded_run_leaves_no_trace_in_articles(tmp_path):
    store = open_state(tmp_path)
    store.begin_run("r1", NOW.isoformat())
    store.stage("r1", visit("a"))
    store.stage("r1", visit("b"))
    assert store.discard_run("r1", NOW.isoformat()) == 2
    assert store.get("a") is None and store.count() == 0
    assert store.run_status("r1") == ABORTED


def test_a_run_killed_before_commit_is_listed_with_its_feeds_after_reopening(tmp_path):
    store = open_state(tmp_path)
    store.begin_run("r1", NOW.isoformat())
    store.set_run_feeds("r1", ["/feeds/r1/articles.jsonl", "/feeds/r1/articles.csv"])
    store.stage("r1", visit("a"))
    store.flush()  # the crawl flushes before any feed gets its final name
    store.stage("r1", visit("b"))
    # No close(): a SIGKILL does not close anything either. "b" was never flushed, so no
    # feed of the run was published: the run is discarded and "b" fetched again.
    reopened = open_state(tmp_path)
    [run] = reopened.unfinished_runs()
    assert (run.run_id, run.status, run.staged) == ("r1", RUNNING, 1)
    assert run.feeds == ["/feeds/r1/articles.jsonl", "/feeds/r1/articles.csv"]


def test_staged_visits_are_written_in_batches_and_all_of_them_before_the_commit(tmp_path):
    store = open_state(tmp_path)
    store.begin_run("r1", NOW.isoformat())
    on_disk = open_state(tmp_path)  # another connection sees only what was written
    for n in range(STAGE_BATCH_ROWS - 1):
        store.stage("r1", visit(f"a{n}"))
    assert on_disk.unfinished_runs()[0].staged == 0
    store.stage("r1", visit("last of the batch"))
    assert on_disk.unfinished_runs()[0].staged == STAGE_BATCH_ROWS
    store.stage("r1", visit("b"))
    assert store.commit_run("r1", NOW.isoformat()) == STAGE_BATCH_ROWS + 1
    assert on_disk.get("b") is not None and on_disk.count() == STAGE_BATCH_ROWS + 1


def test_a_state_from_a_newer_schema_is_refused(tmp_path):
    store = open_state(tmp_path)
    store._db.execute("PRAGMA user_version=99")
    store.close()
    with pytest.raises(RuntimeError, match="newer newscrawl"):
        SqliteState(tmp_path / "state.sqlite3")


# --- run lock ------------------------------------------------------------------------------


def test_a_second_lock_on_the_same_folder_is_refused_with_the_holder(tmp_path):
    with RunLock(tmp_path), pytest.raises(RunLocked) as refused:
        RunLock(tmp_path).acquire()
    assert refused.value.holder["pid"] == os.getpid()
    assert "another newscrawl run" in str(refused.value)
    # Released: the next run gets it, and finds no stale holder.
    with RunLock(tmp_path) as lock:
        assert lock.held and lock.previous == {}


def test_the_lock_of_a_killed_process_is_taken_over(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from newscrawl.incremental.runlock import RunLock; "
            f"RunLock({str(tmp_path)!r}).acquire(); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLocked):
            RunLock(tmp_path).acquire()
        holder.kill()
        holder.wait()
        lock = RunLock(tmp_path).acquire()
        assert lock.previous["pid"] == holder.pid
        lock.release()
    finally:
        holder.kill()
        holder.stdout.close()


# --- re-visit rules ------------------------------------------------------------------------


def known(**overrides) -> ArticleState:
    values = {
        "article_id": "a",
        "url": None,
        "published": "2024-10-21T12:00:00+02:00",
        "first_seen": NOW.isoformat(),
        "last_fetched": NOW.isoformat(),
        "fingerprint": "x",
        "comment_count": 2,
        "version": 1,
        "emitted_run": "r1",
    }
    return ArticleState(**{**values, **overrides})


OLD = "2024-10-01T12:00:00+02:00"


@pytest.mark.parametrize(
    ("state", "now", "listing", "policy", "fetch", "reason"),
    [
        (None, NOW, {}, {}, True, "new"),
        (known(published=OLD), NOW, {}, {}, False, "known"),
        (known(published=OLD), NOW, {"listed_comments": 2}, {}, False, "known"),
        (known(published=OLD), NOW, {"listed_comments": 3}, {}, True, "comments"),
        (known(published=OLD, comment_count=None), NOW, {"listed_comments": 0}, {}, False, "known"),
        (known(published=OLD), NOW, {}, {"refresh_all": True}, True, "refresh"),
        (known(), NOW + timedelta(hours=1), {}, {}, False, "recently_fetched"),
        (known(), NOW + timedelta(hours=2), {}, {}, True, "young"),
        (known(), NOW + timedelta(hours=40), {}, {}, True, "young"),
        (known(), NOW + timedelta(hours=50), {}, {}, False, "known"),
        (known(), NOW + timedelta(minutes=40), {}, {"every": timedelta(minutes=30)}, True, "young"),
        (
            None,
            NOW,
            {"published": parse_since(OLD)},
            {"since": parse_since("2024-10-02")},
            False,
            "before_since",
        ),
        (
            known(published=OLD),
            NOW,
            {},
            {"since": parse_since("2024-10-02"), "refresh_all": True},
            False,
            "before_since",
        ),
    ],
)
def test_revisit_decisions(state, now, listing, policy, fetch, reason):
    decision = RevisitPolicy(**policy).decide(state, now, **listing)
    assert (decision.fetch, decision.reason) == (fetch, reason)


def test_pagination_stops_on_a_page_all_known_or_all_before_since():
    old, new = parse_since("2024-09-01"), parse_since("2024-10-15")
    since = parse_since("2024-10-01")
    plain = RevisitPolicy()
    assert plain.stop_paging([(True, new), (True, old)]) == "all_known"
    assert plain.stop_paging([(True, new), (False, old)]) is None
    assert RevisitPolicy(refresh_all=True).stop_paging([(True, new)]) is None
    assert RevisitPolicy(since=since).stop_paging([(False, old), (False, old)]) == "before_since"
    assert RevisitPolicy(since=since).stop_paging([(False, old), (False, None)]) is None
    assert plain.stop_paging([]) is None


def test_fingerprint_changes_with_content_not_with_fetch_time_or_images():
    article = Article(
        title="T",
        body="B",
        comment_count=1,
        comments=[Comment(position=1, author="x", published="2024-10-21T12:00:00+02:00", text="c")],
        fetched_at="2024-10-21T16:00:00+00:00",
    )
    base = fingerprint(article)
    article.fetched_at = "2024-10-22T16:00:00+00:00"
    article.version = 5
    assert fingerprint(article) == base
    for change in (
        {"title": "T2"},
        {"body": "B2"},
        {"updated": "2024-10-21T13:00:00+02:00"},
        {"comment_count": 2},
    ):
        changed = Article(**{**article.__dict__, **change})
        assert fingerprint(changed) != base, change
    article.comments.append(Comment(position=2, author="y", text="d"))
    assert fingerprint(article) != base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (48, timedelta(hours=48)),
        ("2", timedelta(hours=2)),
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("2d", timedelta(days=2)),
        (0.5, timedelta(minutes=30)),
    ],
)
def test_durations(value, expected):
    assert parse_duration(value) == expected


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        parse_duration("two hours")
    with pytest.raises(ValueError):
        parse_since("01/10/2024")
    with pytest.raises(ValueError):
        parse_refresh("everything")
    assert parse_refresh("all") and not parse_refresh(None) and not parse_refresh("")
    assert parse_since("2024-10-01").isoformat() == "2024-10-01T00:00:00+02:00"
    assert parse_since(None) is None


# --- outcome -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stats", "status", "code"),
    [
        ({"finish_reason": "finished", "newscrawl/pages/listing": 3}, "ok", 0),
        ({"finish_reason": "shutdown"}, "stopped", 0),
        ({"finish_reason": "finished", "spider_exceptions/count": 1}, "failed", 1),
        ({"finish_reason": "finished", "feedexport/failed_count/X": 1}, "failed", 1),
        ({"finish_reason": "finished", "newscrawl/run/listings_requested": 5}, "failed", 1),
        (
            {
                "finish_reason": "finished",
                "newscrawl/run/listings_requested": 5,
                "newscrawl/pages/listing": 1,
            },
            "ok",
            0,
        ),
    ],
)
def test_outcome(stats, status, code):
    result = outcome.assess(stats)
    assert (result.status, result.exit_code) == (status, code)


def test_summary_line_is_one_line_of_key_values():
    line = outcome.summary_line(
        outcome.assess({"finish_reason": "finished", "feedexport/failed_count/F": 1}),
        new=3,
        changed=1,
        unchanged=2,
        failed=0,
        duration=1.25,
        feeds=["/f/a.jsonl", "/f/b.csv"],
    )
    assert "\n" not in line
    assert line.startswith("newscrawl run: status=failed new=3 changed=1 unchanged=2 failed=0 ")
    assert "duration=1.2s feeds=/f/{a.jsonl,b.csv} problems=feed write failed (1)" in line


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("/data/feeds/run/articles.jsonl", "/data/feeds/run/articles.jsonl"),
        ("data/feeds/articles.csv", "data/feeds/articles.csv"),
        ("file:///data/feeds/a%20b.jsonl", "/data/feeds/a b.jsonl"),
        ("s3://bucket/articles.jsonl", None),
    ],
)
def test_recovery_checks_local_feed_files_only(uri, path):
    # A remote feed cannot be checked: a killed run's articles are then fetched again.
    assert local_path(uri) == path
