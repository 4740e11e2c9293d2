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
