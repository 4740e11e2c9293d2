"""The persistent crawl state: what earlier runs emitted, per article id.

One SQLite file (``<NEWSCRAWL_STATE_DIR>/state.sqlite3``). Everything else in newscrawl talks
to it through ``CrawlState``, so a shared store (Redis, for the distributed mode) can replace
it without touching the crawl logic.

A run never writes ``articles`` directly. Each visit is *staged* under the run's id as the
item leaves the pipelines, and the whole run is committed in one transaction once every feed
is in place (``newscrawl.incremental.commit``). A run killed before that leaves staged rows that the
next run either commits (its feeds all reached their final names) or discards (they did
not): an article is never marked done without being in the feeds, nor emitted twice.

Staged rows are written in batches (``flush``), one transaction and one fsync per batch
instead of per article. The crawl flushes before any feed gets its final name and the
commit flushes first, so every row a recovery could commit is on disk; rows a killed run
never flushed belong to a run whose feeds were never published, which is discarded anyway.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

STATE_FILE = "state.sqlite3"
SCHEMA_VERSION = 2
# Columns added since schema 1, with their type: a state file of an earlier version gets
# them (NULL for its old runs) when it is opened.
_ADDED_COLUMNS = {"runs": {"items": "INTEGER", "pages": "INTEGER"}}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id    TEXT PRIMARY KEY,
    url           TEXT,
    published     TEXT,
    first_seen    TEXT NOT NULL,
    last_fetched  TEXT NOT NULL,
    fingerprint   TEXT,
    comment_count INTEGER,
    version       INTEGER NOT NULL,
    emitted_run   TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    run_id   TEXT PRIMARY KEY,
    started  TEXT NOT NULL,
    finished TEXT,
    status   TEXT NOT NULL,
    feeds    TEXT NOT NULL DEFAULT '[]',
    reason   TEXT,
    items    INTEGER,
    pages    INTEGER
);
CREATE TABLE IF NOT EXISTS frontier (
    article_id TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    depth      INTEGER NOT NULL,
    run_id     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staged (
    run_id        TEXT NOT NULL,
    article_id    TEXT NOT NULL,
    url           TEXT,
    published     TEXT,
    fetched       TEXT NOT NULL,
    fingerprint   TEXT,
    comment_count INTEGER,
    version       INTEGER NOT NULL,
    emitted       INTEGER NOT NULL,
    PRIMARY KEY (run_id, article_id)
);
"""

# A batch of staged visits is written when it has this many rows or is this old (checked at
# each stage): the rows of a crash are lost only from a run that published nothing.
STAGE_BATCH_ROWS = 200
STAGE_BATCH_SECONDS = 2.0

# Run statuses. "running" is the only one a later run has to look at again.
RUNNING, COMMITTED, ABORTED, RECOVERED, DISCARDED = (
    "running",
    "committed",
    "aborted",
    "recovered",
    "discarded",
)


@dataclass(frozen=True)
class ArticleState:
    """What the state knows of one article, as of the last committed run."""

    article_id: str
    url: str | None
    published: str | None
    first_seen: str
    last_fetched: str
    fingerprint: str | None
    comment_count: int | None
    version: int
    emitted_run: str | None


@dataclass(frozen=True)
class Visit:
    """One fetch of an article in a run: emitted (new or changed version) or unchanged."""

    article_id: str
    url: str | None
    published: str | None
    fetched: str
    fingerprint: str | None
    comment_count: int | None
    version: int
    emitted: bool


@dataclass(frozen=True)
class RunFigures:
    """What a committed run read, for the history monitor (``newscrawl.monitors``)."""

    run_id: str
    items: int
    pages: int


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    started: str
    finished: str | None
    status: str
    feeds: list[str]
    staged: int


class CrawlState(Protocol):
    """The store interface the crawl uses; times are ISO 8601 UTC strings."""

    def get(self, article_id: str) -> ArticleState | None: ...

    def begin_run(self, run_id: str, started: str) -> None: ...

    def set_run_feeds(self, run_id: str, feeds: Iterable[str]) -> None: ...

    def stage(self, run_id: str, visit: Visit) -> None: ...

    def flush(self) -> None:
        """Make every staged visit durable; called before a feed gets its final name."""

    def commit_run(self, run_id: str, finished: str, status: str = COMMITTED) -> int: ...

    def discard_run(self, run_id: str, finished: str, status: str = ABORTED) -> int: ...

    def unfinished_runs(self) -> list[RunRecord]: ...

    def set_run_reason(self, run_id: str, reason: str) -> None: ...

    def last_run_reason(self) -> str | None: ...

    def frontier(self) -> list[tuple[str, str, int]]: ...

    def set_run_figures(self, run_id: str, items: int, pages: int) -> None: ...

    def run_history(self, limit: int, exclude: str | None = None) -> list[RunFigures]: ...

    def replace_frontier(self, run_id: str, pending: dict[str, tuple[str, int]]) -> None: ...

    def close(self) -> None: ...


class SqliteState:
    """``CrawlState`` in one SQLite file; one writer at a time (the run lock sees to it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit, so a commit is exactly one run.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a staged row must be on disk before the feed that holds the item is renamed
        # into place, or a power cut could lose the row and a later run emit it again.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} was written by a newer newscrawl (schema {version} > "
                f"{SCHEMA_VERSION}); refusing to use it"
            )
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._pending: list[tuple] = []
        self._pending_since = 0.0

    def _add_missing_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            have = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    # --- reads ---------------------------------------------------------------------------

    def get(self, article_id: str) -> ArticleState | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE article_id = ?", (article_id,)
        ).fetchone()
        return ArticleState(**dict(row)) if row else None

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def unfinished_runs(self) -> list[RunRecord]:
        self.flush()
        rows = self._db.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM staged s WHERE s.run_id = r.run_id) AS staged "
            "FROM runs r WHERE status = ? ORDER BY started",
            (RUNNING,),
        ).fetchall()
        return [
            RunRecord(
                run_id=row["run_id"],
                started=row["started"],
                finished=row["finished"],
                status=row["status"],
                feeds=json.loads(row["feeds"]),
                staged=row["staged"],
            )
            for row in rows
        ]

    def last_run_reason(self) -> str | None:
        """How the latest committed run ended: "finished" when it crawled everything."""
        row = self._db.execute(
            "SELECT reason FROM runs WHERE status IN (?, ?) ORDER BY started DESC LIMIT 1",
            (COMMITTED, RECOVERED),
        ).fetchone()
        return row[0] if row else None

    def frontier(self) -> list[tuple[str, str, int]]:
        """(article_id, url, depth) a stopped run asked for and never got an answer to."""
        rows = self._db.execute("SELECT article_id, url, depth FROM frontier ORDER BY depth")
        return [tuple(row) for row in rows]

    def run_history(self, limit: int, exclude: str | None = None) -> list[RunFigures]:
        """The last ``limit`` committed runs that have figures, oldest first."""
        rows = self._db.execute(
            "SELECT run_id, items, pages FROM runs WHERE status IN (?, ?) AND items IS NOT NULL "
            "AND pages IS NOT NULL AND run_id IS NOT ? ORDER BY started DESC, run_id DESC "
            "LIMIT ?",
            (COMMITTED, RECOVERED, exclude, max(limit, 0)),
        ).fetchall()
        return [RunFigures(row["run_id"], row["items"], row["pages"]) for row in reversed(rows)]

    def run_status(self, run_id: str) -> str | None:
        row = self._db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return row[0] if row else None

    # --- writes --------------------------------------------------------------------------

    def begin_run(self, run_id: str, started: str) -> None:
        self._db.execute(
            "INSERT INTO runs (run_id, started, status) VALUES (?, ?, ?)",
            (run_id, started, RUNNING),
        )

    def set_run_feeds(self, run_id: str, feeds: Iterable[str]) -> None:
        self._db.execute(
            "UPDATE runs SET feeds = ? WHERE run_id = ?", (json.dumps(list(feeds)), run_id)
        )

    def replace_frontier(self, run_id: str, pending: dict[str, tuple[str, int]]) -> None:
        """The articles the next run asks for first: id -> (url, depth) never answered."""
        with self._transaction():
            self._db.execute("DELETE FROM frontier")
            self._db.executemany(
                "INSERT INTO frontier (article_id, url, depth, run_id) VALUES (?, ?, ?, ?)",
                [(key, url, depth, run_id) for key, (url, depth) in pending.items()],
            )

    def set_run_reason(self, run_id: str, reason: str) -> None:
        self._db.execute("UPDATE runs SET reason = ? WHERE run_id = ?", (reason, run_id))

    def set_run_figures(self, run_id: str, items: int, pages: int) -> None:
        # In a transaction of its own: on a full disk it fails whole, before the commit.
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET items = ?, pages = ? WHERE run_id = ?", (items, pages, run_id)
            )

    def stage(self, run_id: str, visit: Visit) -> None:
        if not self._pending:
            self._pending_since = time.monotonic()
        self._pending.append(
            (
                run_id,
                visit.article_id,
                visit.url,
                visit.published,
                visit.fetched,
                visit.fingerprint,
                visit.comment_count,
                visit.version,
                int(visit.emitted),
            )
        )
        if (
            len(self._pending) >= STAGE_BATCH_ROWS
            or time.monotonic() - self._pending_since >= STAGE_BATCH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """Write the staged visits held in memory, in one transaction (one fsync)."""
        if not self._pending:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO staged (run_id, article_id, url, published, fetched, "
                "fingerprint, comment_count, version, emitted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self._pending,
            )
        # Only once written: a batch that failed (a full disk) is tried again by the next
        # flush, and the flush before publication fails the run if it still cannot be.
        self._pending = []

    def commit_run(self, run_id: str, finished: str, status: str = COMMITTED) -> int:
        """Apply the run's staged visits to ``articles``; returns how many."""
        self.flush()
        with self._transaction():
            count = self._db.execute(
                "SELECT COUNT(*) FROM staged WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            # first_seen survives re-visits; emitted_run moves only when a version was emitted.
            self._db.execute(
                """
                INSERT INTO articles (article_id, url, published, first_seen, last_fetched,
                                      fingerprint, comment_count, version, emitted_run)
                SELECT article_id, url, published, fetched, fetched, fingerprint,
                       comment_count, version, CASE WHEN emitted THEN run_id END
                FROM staged WHERE run_id = ?
                ON CONFLICT (article_id) DO UPDATE SET
                    url = COALESCE(excluded.url, url),
                    published = COALESCE(excluded.published, published),
                    last_fetched = excluded.last_fetched,
                    fingerprint = excluded.fingerprint,
                    comment_count = excluded.comment_count,
                    version = excluded.version,
                    emitted_run = COALESCE(excluded.emitted_run, emitted_run)
                """,
                (run_id,),
            )
            self._finish(run_id, finished, status)
        return count

    def discard_run(self, run_id: str, finished: str, status: str = ABORTED) -> int:
        """Forget the run's staged visits: its articles are fetched again next run."""
        # Its rows not yet written need not be: they would only be deleted.
        kept = [row for row in self._pending if row[0] != run_id]
        unwritten = len(self._pending) - len(kept)
        with self._transaction():
            count = self._finish(run_id, finished, status)
        self._pending = kept
        return count + unwritten

    def close(self) -> None:
        # Rows still held belong to a run that published nothing (publication and the
        # commit flush first), which a later run discards anyway: written if the disk
        # lets them be, and a close never fails for them.
        with contextlib.suppress(sqlite3.Error):
            self.flush()
        self._pending = []
        self._db.close()

    # --- helpers -------------------------------------------------------------------------

    def _finish(self, run_id: str, finished: str, status: str) -> int:
        deleted = self._db.execute("DELETE FROM staged WHERE run_id = ?", (run_id,)).rowcount
        self._db.execute(
            "UPDATE runs SET finished = ?, status = ? WHERE run_id = ?",
            (finished, status, run_id),
        )
        return deleted

    def _transaction(self):
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        # IMMEDIATE: take the write lock now rather than fail half-way through the run.
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def open_state(state_dir: str | Path) -> SqliteState:
    return SqliteState(Path(state_dir) / STATE_FILE)
