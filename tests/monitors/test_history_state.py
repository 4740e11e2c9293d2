"""The run history the history monitor reads: committed runs' figures, in both crawl states."""

from __future__ import annotations

import sqlite3

import pytest

from newscrawl.distributed import state as redis_state_module
from newscrawl.distributed.state import RedisState
from newscrawl.incremental.state import SCHEMA_VERSION, RunFigures, SqliteState, open_state

# The schema-1 runs table, as state files written before run figures existed have it.
SCHEMA_1_RUNS = """
CREATE TABLE runs (
    run_id   TEXT PRIMARY KEY,
    started  TEXT NOT NULL,
    finished TEXT,
    status   TEXT NOT NULL,
    feeds    TEXT NOT NULL DEFAULT '[]',
    reason   TEXT
);
INSERT INTO runs VALUES ('old', '2024-10-20T10:00:00+00:00', '2024-10-20T10:05:00+00:00',
                         'committed', '[]', 'finished');
PRAGMA user_version=1;
"""


def committed_runs(store, count: int, *, start: int = 0) -> None:
    for n in range(start, start + count):
        run_id = f"r{n:03d}"
        store.begin_run(run_id, f"2024-10-21T{n // 60:02d}:{n % 60:02d}:00+00:00")
        store.set_run_figures(run_id, items=10 + n, pages=20 + n)
        store.commit_run(run_id, "2024-10-21T23:00:00+00:00")


def check_history(store) -> None:
    committed_runs(store, 5)
    store.begin_run("running", "2024-10-21T22:00:00+00:00")
    store.set_run_figures("running", items=1, pages=1)  # not committed: not history
    store.begin_run("aborted", "2024-10-21T22:30:00+00:00")
    store.set_run_figures("aborted", items=1, pages=1)
    store.discard_run("aborted", "2024-10-21T22:31:00+00:00")
    assert store.run_history(3) == [
        RunFigures("r002", 12, 22),
        RunFigures("r003", 13, 23),
        RunFigures("r004", 14, 24),
    ]
    assert [run.run_id for run in store.run_history(3, exclude="r004")] == [
        "r001",
        "r002",
        "r003",
    ]
    assert store.run_history(0) == []


def test_sqlite_history_is_the_last_committed_runs_oldest_first(tmp_path):
    check_history(open_state(tmp_path))


def test_a_schema_1_state_file_gains_the_figures_and_keeps_its_runs(tmp_path):
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1_RUNS)
    store = SqliteState(path)
    assert store.last_run_reason() == "finished"  # the old run is still there
    assert store.run_history(10) == []  # ... without figures: not compared with
    committed_runs(store, 1)
    assert store.run_history(10) == [RunFigures("r000", 10, 20)]
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    reopened = SqliteState(path)  # a second opening migrates nothing twice
    assert reopened.run_history(10) == [RunFigures("r000", 10, 20)]


@pytest.fixture
def redis_state(redis_server):
    client = redis_server.client()
    client.flushdb()
    return RedisState(client, "newscrawl:state:history:", retry_interval=0.05)


def test_redis_history_is_the_same_as_sqlite(redis_state):
    check_history(redis_state)


def test_redis_history_is_a_capped_list(redis_state, monkeypatch):
    monkeypatch.setattr(redis_state_module, "HISTORY_CAP", 4)
    committed_runs(redis_state, 7)
    key = "newscrawl:state:history:history"
    assert redis_state.client.llen(key) == 4
    assert [run.run_id for run in redis_state.run_history(10)] == ["r003", "r004", "r005", "r006"]
