"""Who writes a run: its owner (host:pid) and, on PostgreSQL, its session advisory lock.

A run's owner is dead when its lock is free (PostgreSQL: the lock dies with the killed
process's connection) or, on SQLite (one machine), when its pid is gone.
"""

from __future__ import annotations

import hashlib
import os
import socket

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError


def lock_key(run_id: str) -> int:
    return int.from_bytes(hashlib.sha256(run_id.encode()).digest()[:8], "big", signed=True)


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def pid_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's run: only it can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def unlock(lock: Connection | None, key: int) -> None:
    """Free a run's advisory lock: closing alone would hand the session, lock and all, back
    to the pool."""
    if lock is None:
        return
    try:
        lock.scalar(select(func.pg_advisory_unlock(key)))
        lock.commit()
        lock.close()
    except SQLAlchemyError:
        lock.invalidate()  # the session (and its lock) is ended instead
