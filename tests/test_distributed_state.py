"""The Redis crawl state keeps the SQLite store's semantics, and waits out a Redis outage."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from newscrawl.distributed.state import RedisState
from newscrawl.incremental.state import COMMITTED, DISCARDED, SqliteState, Visit

BASE = "newscrawl:state:unit:"


@pytest.fixture
def redis_state(redis_server):
    client = redis_server.client()
    client.flushdb()
    return RedisState(client, BASE, retry_interval=0.05)


def visit(article_id: str, *, version: int, fetched: str, emitted: bool, url: str | None):
    return Visit(
        article_id=article_id,
        url=url,
        published=None if url is None else "2024-10-21T12:54:00+02:00",
        fetched=fetched,
        fingerprint=f"fp{version}",
        comment_count=version,
        version=version,
        emitted=emitted,
    )


def two_runs(store) -> list:
    store.begin_run("r1", "2024-10-21T10:00:00+00:00")
    store.stage("r1", visit("a", version=1, fetched="t1", emitted=True, url="https://x/a"))
    store.stage("r1", visit("b", version=1, fetched="t1", emitted=True, url="https://x/b"))
    assert store.commit_run("r1", "2024-10-21T10:05:00+00:00") == 2
    store.set_run_reason("r1", "finished")
    store.begin_run("r2", "2024-10-21T12:00:00+00:00")
    # "a" unchanged, seen without a URL this time; "b" changed: version 2.
    store.stage("r2", visit("a", version=1, fetched="t2", emitted=False, url=None))
    store.stage("r2", visit("b", version=2, fetched="t2", emitted=True, url="https://x/b"))
    assert store.commit_run("r2", "2024-10-21T12:05:00+00:00") == 2
    return [store.get("a"), store.get("b"), store.get("missing")]


def test_redis_state_merges_visits_like_the_sqlite_state(tmp_path, redis_state):
    sqlite = SqliteState(tmp_path / "state.sqlite3")
    expected = two_runs(sqlite)
    assert two_runs(redis_state) == expected
    a, b, _ = expected
    assert (a.first_seen, a.last_fetched, a.url, a.emitted_run) == ("t1", "t2", "https://x/a", "r1")
    assert (b.version, b.emitted_run) == (2, "r2")
    assert redis_state.last_run_reason() == sqlite.last_run_reason() is None  # r2 has none yet


def test_only_runs_of_gone_workers_are_unfinished(redis_server, redis_state):
    redis_state.begin_run("alive", "2024-10-21T10:00:00+00:00")
    redis_state.begin_run("gone", "2024-10-21T11:00:00+00:00")
    redis_state.set_run_feeds("gone", ["/feeds/articles.jsonl"])
    redis_state.stage("gone", visit("a", version=1, fetched="t", emitted=True, url="u"))
    redis_server.client().delete(BASE + "run-alive:gone")  # its worker stopped renewing it

    [run] = redis_state.unfinished_runs()
    assert (run.run_id, run.staged, run.feeds) == ("gone", 1, ["/feeds/articles.jsonl"])
    assert redis_state.discard_run("gone", "later", status=DISCARDED) == 1
    assert redis_state.unfinished_runs() == []
    assert redis_state.get("a") is None

    redis_state.commit_run("alive", "later")
    assert redis_state.last_run_reason() is None
    redis_state.set_run_reason("alive", "partial")
    assert redis_state.last_run_reason() == "partial"
    runs = redis_server.client().hgetall(BASE + "runs")
    assert b'"status": "' + COMMITTED.encode() + b'"' in runs[b"alive"]


def test_a_state_call_waits_for_redis_to_come_back(redis_server, redis_state, caplog):
    caplog.set_level(logging.WARNING, logger="newscrawl.distributed.state")
    redis_state.begin_run("r1", "2024-10-21T10:00:00+00:00")
    redis_state.stage("r1", visit("a", version=1, fetched="t", emitted=True, url="u"))
    redis_server.stop()
    outcome = {}

    def commit():
        try:
            outcome["count"] = redis_state.commit_run("r1", "later")
        except Exception as exc:  # the assertion below shows it
            outcome["error"] = exc

    caller = threading.Thread(target=commit)
    caller.start()
    for _ in range(1200):  # until the call has met the outage
        if any("waiting for it" in record.getMessage() for record in caplog.records):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the call never reported Redis away")
    redis_server.start()
    caller.join(timeout=120)
    assert outcome == {"count": 1}
    assert redis_state.get("a").version == 1
