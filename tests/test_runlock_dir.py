"""The run lock holds whatever happens to its file: the state folder is locked too."""

from __future__ import annotations

import pytest

from newscrawl.incremental.runlock import LOCK_FILE, RunLock, RunLocked


def test_deleting_the_lock_file_does_not_let_a_second_run_in(tmp_path):
    with RunLock(tmp_path):
        (tmp_path / LOCK_FILE).unlink()
        with pytest.raises(RunLocked) as refused:
            RunLock(tmp_path).acquire()
        assert "another newscrawl run is using" in str(refused.value)
    # Released: the next run gets it, file or no file.
    RunLock(tmp_path).acquire().release()


def test_replacing_the_lock_file_does_not_let_a_second_run_in(tmp_path):
    with RunLock(tmp_path):
        (tmp_path / LOCK_FILE).unlink()
        (tmp_path / LOCK_FILE).write_text('{"pid": 1}')
        with pytest.raises(RunLocked):
            RunLock(tmp_path).acquire()


def test_a_held_lock_file_refuses_a_second_run_as_before(tmp_path):
    with RunLock(tmp_path) as held, pytest.raises(RunLocked) as refused:
        RunLock(tmp_path).acquire()
    assert refused.value.holder["pid"] == held.previous.get("pid", refused.value.holder["pid"])


def test_a_state_another_process_holds_locked_is_one_line_and_exit_75(site_server, tmp_path):
    import sqlite3
    from contextlib import closing

    from tests.support.runs import Crawls, listing_urls

    crawls = Crawls(tmp_path, listing_urls(site_server))
    assert crawls.run().returncode == 0
    # A backup or a sqlite3 shell in the middle of a write: not another run.
    with closing(sqlite3.connect(crawls.state / "state.sqlite3", isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        run = crawls.run(timeout=120)
        other.execute("ROLLBACK")
    assert run.returncode == 75, run.tail
    [line] = run.stderr.splitlines()
    assert line.startswith("newscrawl: the crawl state ") and "locked by another process" in line
    assert "Traceback" not in run.log
