"""Can a crawl use this store? Asked before anything is fetched, written or locked.

``check_store`` looks without changing anything: it creates no file, no schema and no run
(the crawl's own ``CorpusStore.open`` does that once every other check has passed). It
refuses, in one line: a URL that is not a store URL, a SQLite path that is a folder or
cannot be created, a file that is not SQLite or is damaged, a database of something else,
a schema newer than this newscrawl's, a PostgreSQL that cannot be reached, and a SQLite
store for a distributed crawl (workers on several machines cannot share a SQLite file; on
one machine they would still each need the same path: PostgreSQL is the shared store).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from newscrawl.corpus import schema as s
from newscrawl.corpus.engine import CorpusError, display, first_line, make_engine, parse_store_url

SQLITE_MAGIC = b"SQLite format 3\x00"


def check_store(raw: str, *, distributed: bool = False) -> None:
    """Raise CorpusError (one line) when a crawl could not write the store at ``raw``."""
    url = parse_store_url(raw)
    if url.drivername == "sqlite":
        if distributed:
            raise CorpusError(
                f"{display(url)}: a distributed crawl (NEWSCRAWL_REDIS_URL) needs a "
                "PostgreSQL store (postgresql://...) or none (NEWSCRAWL_STORE empty)"
            )
        _check_sqlite(url)
    else:
        _check_postgresql(url)


def _refused(url: URL, why: str) -> CorpusError:
    return CorpusError(f"cannot use the corpus store {display(url)}: {why}")


def _check_version(url: URL, tables: set[str], version: str | None) -> None:
    if not tables:
        return  # a new store: the crawl creates the schema
    if "corpus_meta" not in tables:
        listed = ", ".join(sorted(tables)[:5])
        raise _refused(url, f"not a newscrawl corpus (tables {listed}, no corpus_meta)")
    try:
        number = int(version)
    except (TypeError, ValueError):
        raise _refused(url, f"unreadable schema version {version!r}") from None
    if number > s.SCHEMA_VERSION:
        raise _refused(
            url,
            f"schema version {number} is newer than this newscrawl's ({s.SCHEMA_VERSION}): "
            "upgrade newscrawl",
        )


def _check_sqlite(url: URL) -> None:
    database = url.database or ""
    if not database or database == ":memory:":
        raise _refused(url, "an in-memory database keeps nothing; give a file path")
    path = Path(database).expanduser()
    if path.is_dir():
        raise _refused(url, f"{path} is a folder")
    if not path.exists():
        existing = path.parent
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise _refused(url, f"cannot create {path} ({existing} is not writable)")
        return
    if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK):
        raise _refused(url, f"{path} (or its folder) is read-only")
    with open(path, "rb") as stream:
        magic = stream.read(len(SQLITE_MAGIC))
    if path.stat().st_size and magic != SQLITE_MAGIC:
        raise _refused(url, f"{path} is not a SQLite database")
    try:
        # mode=rw: never creates the file; a read takes no write lock.
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)) as db:
            tables = {
                name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            version = None
            if "corpus_meta" in tables:
                row = db.execute("SELECT value FROM corpus_meta WHERE key='schema'").fetchone()
                version = row[0] if row else None
                db.execute("SELECT COUNT(*) FROM runs").fetchone()
    except sqlite3.DatabaseError as exc:
        raise _refused(url, f"{path} is damaged ({exc})") from None
    _check_version(url, tables, version)


def _check_postgresql(url: URL) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            version = None
            if "corpus_meta" in tables:
                version = connection.scalar(
                    select(s.corpus_meta.c.value).where(s.corpus_meta.c.key == "schema")
                )
    except SQLAlchemyError as exc:
        raise _refused(url, first_line(exc)) from None
    finally:
        engine.dispose()
    _check_version(url, tables, version)
