"""One run at a time per state folder: an advisory lock file, ``<state dir>/run.lock``.

The lock is ``flock()`` on the file, held for the life of the run. The kernel drops it when
the process dies however it dies (SIGKILL, OOM, power cut), so a killed run never blocks the
next: the next run finds the file, takes the lock, sees the dead run's pid in it and logs
that it took over. The pid, host and start time in the file are for the message only; the
decision is the kernel's, which is immune to pid reuse.

The lock is also ``flock()`` on the state folder itself, and that is the one that decides:
a cleanup job or a user may delete ``run.lock`` while a run holds it, and a second run would
then create a new file and lock that one (the first run's lock sits on the deleted inode).
The folder cannot be replaced while the state file is in it. The file lock is still taken,
so a run of an older newscrawl, which locks only the file, is refused too.

POSIX only (Linux, macOS, BSD), like the cron and systemd set-ups it serves.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
from pathlib import Path

from newscrawl.normalize.clock import utc_iso, utc_now

logger = logging.getLogger(__name__)

LOCK_FILE = "run.lock"


class RunLocked(Exception):
    """Another run holds the lock on this state folder."""

    def __init__(self, path: Path, holder: dict):
        self.path = path
        self.holder = holder
        who = ", ".join(f"{k} {holder[k]}" for k in ("pid", "host", "started") if k in holder)
        super().__init__(
            f"another newscrawl run is using {path.parent} ({who or 'unknown holder'}); "
            "not starting. Runs must not overlap: lengthen the schedule's interval or "
            "give this run its own NEWSCRAWL_STATE_DIR."
        )


class StateBusy(RunLocked):
    """Another process (a backup, a sqlite3 shell) holds a write lock on the state file."""

    def __init__(self, path: Path, reason: str):
        self.path = path
        self.holder = {}
        Exception.__init__(
            self,
            f"the crawl state {path} is locked by another process ({reason}); run again "
            "once it is done",
        )


class RunLock:
    def __init__(self, state_dir: str | Path):
        self.path = Path(state_dir) / LOCK_FILE
        self._fd: int | None = None
        self._dir_fd: int | None = None
        self.previous: dict = {}
        """What the file said before this run took it: a killed run's pid when stale."""

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(dir_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(dir_fd)
            raise RunLocked(self.path, self._holder()) from None
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            os.close(dir_fd)
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            os.close(dir_fd)
            raise RunLocked(self.path, holder) from None
        self._dir_fd = dir_fd
        self.previous = _read(fd)
        if self.previous:
            # The file is emptied on a clean release: content here means the holder died.
            logger.warning(
                "Took over the stale run lock %s left by pid %s (started %s), which did not "
                "finish; its unfinished work is recovered from the state",
                self.path,
                self.previous.get("pid", "?"),
                self.previous.get("started", "?"),
            )
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": utc_iso(utc_now()),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def _holder(self) -> dict:
        """Who holds the lock, from the file if it is still there."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return {}
        try:
            return _read(fd)
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        dir_fd, self._dir_fd = self._dir_fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptors drops the flocks
            if dir_fd is not None:
                os.close(dir_fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        return json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {"pid": "unreadable"}
