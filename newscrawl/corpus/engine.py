"""Opening a corpus database: URL checks, engine set-up per dialect, one-line errors.

``postgresql://`` means psycopg 3 (SQLAlchemy's default driver for that scheme would be
psycopg2, which newscrawl does not depend on). SQLite runs with WAL (readers never wait for
a run's commit), foreign keys on, and write transactions started ``BEGIN IMMEDIATE`` so two
writers queue on the lock instead of failing to upgrade a read lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

# Compact, accents as they are in SQLite's JSON text (Datasette shows readable lists); by orjson
# where it writes what json would, as a heavy article's staged record is 74 KB of JSON.
from newscrawl.jsonbytes import compact_text, loads

SQLITE_DRIVERS = {"sqlite", "sqlite+pysqlite"}
POSTGRES_DRIVERS = {"postgresql", "postgresql+psycopg"}
# Seconds a writer waits for another's lock (SQLite) or a connection attempt lasts (PG).
LOCK_WAIT = 60
CONNECT_TIMEOUT = 10


class CorpusError(Exception):
    """A store that cannot be used, with a one-line message for the command line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def first_line(exc: BaseException) -> str:
    """The gist of a driver error: its first line, without SQLAlchemy's SQL echo."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


class StoreURLError(CorpusError):
    """A store URL that names no usable database, whatever the database's state."""


_EXAMPLES = "examples: sqlite:///data/corpus.sqlite3, postgresql://user@host/dbname"


def parse_store_url(raw: str) -> URL:
    try:
        url = make_url(raw)
        url.port  # noqa: B018 (read now: "host:abc" only fails here)
    except (ArgumentError, ValueError):
        raise StoreURLError(f"{raw!r} is not a store URL ({_EXAMPLES})") from None
    for part in (url.database, url.host, url.username):
        if part is not None and not _utf8(part):
            raise StoreURLError(f"{raw!r}: a store URL is UTF-8 text ({_EXAMPLES})")
    if url.drivername in SQLITE_DRIVERS:
        return url.set(drivername="sqlite")
    if url.drivername in POSTGRES_DRIVERS:
        return url.set(drivername="postgresql+psycopg")
    raise StoreURLError(f"unsupported store {url.drivername!r}: use sqlite:/// or postgresql://")


def _utf8(text: str) -> bool:
    # A file name of bytes that are not UTF-8 arrives with surrogate escapes (PEP 383).
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.is_dir():
        raise CorpusError(f"cannot open the corpus store {display(url)}: {path} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(
            f"cannot open the corpus store {display(url)}: cannot create {path.parent} "
            f"({exc.strerror or exc})"
        ) from None


class StagedJSON:
    """A value's JSON column text, made ahead of its insert (the store's staged records)."""

    __slots__ = ("text",)

    def __init__(self, value: Any):
        self.text = compact_text(value)


def json_column_text(value: Any) -> str:
    """The JSON columns' serialiser: one spelling of JSON for every column and dialect."""
    return value.text if type(value) is StagedJSON else compact_text(value)


def make_engine(url: URL) -> Engine:
    if url.drivername == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            json_serializer=json_column_text,
            json_deserializer=loads,
            connect_args={"timeout": LOCK_WAIT},
        )

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            # Transactions are begun by the listener below, not by the driver.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
            connection.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(
        url,
        json_serializer=json_column_text,
        json_deserializer=loads,
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )
