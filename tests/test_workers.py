"""Pool workers end with the process that started them, however it died (newscrawl.workers).

A real parent process starts a pool, the test SIGKILLs it and watches its workers.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.support.runs import ROOT, env
from tests.test_extraction_pool import alive

PARENT = """
import sys, time
from newscrawl.corpus.reparse import _pool
from newscrawl.workers import process_pool
pool = _pool(2) if sys.argv[1] == "reparse" else process_pool(2, sys.argv[1])
list(pool.map(time.sleep, [0.01, 0.01]))  # both workers started and idle
print(" ".join(str(pid) for pid in pool._processes), flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("start_method", ["spawn", "fork", "reparse"])
def test_workers_exit_once_their_parent_is_killed(start_method):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, start_method],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    parent.kill()  # SIGKILL: no clean-up, no pool shutdown
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == []
