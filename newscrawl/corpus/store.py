"""The corpus store: what the crawl (and ``newscrawl reparse``) writes a run's versions with.

    store = CorpusStore.open("sqlite:///data/corpus.sqlite3")
    store.begin_run(run_id)
    store.add(run_id, article)            # per item; staged in batches
    store.commit_run(run_id)              # every version of the run visible at once

A run's items are *staged* (``staged_versions``) as they come and turned into versions in
one transaction by ``commit_run``. A run killed before that shows nothing; the next
``open`` settles it once its owner is known dead (on PostgreSQL a run holds a session
advisory lock that dies with its connection; on SQLite, one machine, its owner pid must be
gone): a crawl whose feeds all reached their final names is committed, as the crawl state
commits it, any other run discarded. The crawl commits the store after its feeds and
before its state (``newscrawl.corpus.extension``).

Versions: a staged record becomes a new version only when its ``record_hash`` differs from
the article's latest stored version, and is skipped when the same record was stored before
under the same version number (a run committed twice) or from the same WARC record
(``reparse`` run twice). Its number is the crawl's ``version``, raised past the latest
stored one when that is taken. Article rows are locked (``SELECT ... FOR UPDATE``, in key
order) before their versions are read, so concurrent PostgreSQL writers serialise per
article: no duplicate, no lost version; the unique (article_key, version) constraint and
``ON CONFLICT DO NOTHING`` inserts are the last guard.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from newscrawl.corpus import records as rec
from newscrawl.corpus import schema as s
from newscrawl.corpus.engine import (
    CorpusError,
    StagedJSON,
    display,
    first_line,
    make_engine,
    parse_store_url,
)
from newscrawl.corpus.owners import lock_key as _lock_key
from newscrawl.corpus.owners import owner as _owner
from newscrawl.corpus.owners import pid_alive as _pid_alive
from newscrawl.corpus.owners import unlock as _unlock
from newscrawl.corpus.versions import commit_articles
from newscrawl.feeds.publish import feeds_published_since

BATCH_SIZE = 200
# The staged records wait in memory as their JSON until a batch is written: at most
# BATCH_SIZE of them and about this many characters (200 heavy records were 47 MB of the
# heavy crawl's peak; at 2 million characters a batch holds about 25 of them or 110 light).
BATCH_CHARS = 2_000_000
KEYS_PER_COMMIT_STEP = 50
# Any constant: the lock under which a PostgreSQL store is created or migrated.
MIGRATION_LOCK = 0x6E657773  # "news"
RUNNING, COMMITTED, DISCARDED = "running", "committed", "discarded"


def _now() -> datetime:
    return datetime.now(UTC)


def _sqlite_file_exists(url: Any) -> bool:
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return True  # not a plain file name: SQLite's to answer
    return Path(database).is_file()  # as SQLite opens it: "~" is not the home folder


def _chunks(values: list, size: int) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _ActiveRun:
    seq: Iterator[int]
    buffer: list[dict] = field(default_factory=list)
    buffered_chars: int = 0
    lock: Connection | None = None
    key: int = 0


@dataclass(frozen=True)
class CommitResult:
    run_id: str
    staged: int
    added: int


class CorpusStore:
    def __init__(self, engine: Engine, name: str, batch_size: int = BATCH_SIZE):
        self.engine = engine
        self.name = name
        self.batch_size = batch_size
        self.dialect = engine.dialect.name
        self._runs: dict[str, _ActiveRun] = {}
        self.recovered: list[str] = []
        """Dead runs this store committed on opening (their feeds were complete)."""

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url: str, *, discard_stale: bool = True, create: bool = True, **kwargs: Any
    ) -> CorpusStore:
        """Open (creating or migrating) the store at ``url``; CorpusError when it cannot.

        ``create=False`` (the commands that only read it) refuses a store that does not
        exist yet, instead of making an empty one where a path had a typo."""
        parsed = parse_store_url(url)
        if not create and parsed.drivername == "sqlite" and not _sqlite_file_exists(parsed):
            raise CorpusError(
                f"no corpus store at {display(make_url(url))} (a crawl or reparse makes one)"
            )
        engine = make_engine(parsed)
        # Named as the user wrote it (the driver is added internally), password hidden.
        store = cls(engine, display(make_url(url)), **kwargs)
        try:
            if not create and store.schema_version() == 0:
                raise CorpusError(
                    f"{store.name} holds no corpus yet (a crawl or reparse makes one)"
                )
            store._migrate()
            if discard_stale:
                store.discard_stale_runs()
        except CorpusError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            raise CorpusError(
                f"cannot open the corpus store {store.name}: {first_line(exc)}"
            ) from None
        return store

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Connection]:
        """A transaction; a read one sees one snapshot of the store throughout (SQLite's
        own; on PostgreSQL REPEATABLE READ, as READ COMMITTED takes one per statement)."""
        with self.engine.connect() as connection:
            connection.execution_options(write=write)
            if not write and self.dialect == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection

    def _migrate(self) -> None:
        # Read first: an up-to-date store takes no write lock, so a reader opening it never
        # waits for a run's commit.
        if self.schema_version() == s.SCHEMA_VERSION:
            return
        with self.transaction() as connection:
            if self.dialect == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            current = self._schema_version(connection)
            if current > s.SCHEMA_VERSION:
                raise CorpusError(
                    f"the corpus store {self.name} has schema version {current}, newer than "
                    f"this newscrawl's ({s.SCHEMA_VERSION}): upgrade newscrawl to use it"
                )
            for step in s.MIGRATIONS[current:]:
                step(connection)
            if current < s.SCHEMA_VERSION:
                connection.execute(delete(s.corpus_meta).where(s.corpus_meta.c.key == "schema"))
                connection.execute(
                    s.corpus_meta.insert(), {"key": "schema", "value": str(s.SCHEMA_VERSION)}
                )

    def _schema_version(self, connection: Connection) -> int:
        tables = set(inspect(connection).get_table_names())
        if "corpus_meta" not in tables:
            if tables:
                raise CorpusError(
                    f"{self.name} is not a newscrawl corpus (it has tables "
                    f"{', '.join(sorted(tables)[:5])} but no corpus_meta)"
                )
            return 0
        value = connection.scalar(
            select(s.corpus_meta.c.value).where(s.corpus_meta.c.key == "schema")
        )
        try:
            return int(value)
        except (TypeError, ValueError):
            raise CorpusError(f"{self.name}: unreadable schema version {value!r}") from None

    def schema_version(self) -> int:
        with self.transaction(write=False) as connection:
            return self._schema_version(connection)

    def close(self) -> None:
        for run in self._runs.values():
            _unlock(run.lock, run.key)
        self._runs.clear()
        self.engine.dispose()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- runs ----------------------------------------------------------------------------

    def begin_run(self, run_id: str, *, kind: str = "crawl", info: dict | None = None) -> None:
        """Start staging versions under ``run_id`` (a new id, or a running run taken over)."""
        lock = None
        key = _lock_key(run_id)
        if self.dialect == "postgresql":
            # Held for the run's life: a killed run's lock dies with its connection.
            lock = self.engine.connect()
            taken = lock.scalar(select(func.pg_try_advisory_lock(key)))
            lock.commit()
            if not taken:
                lock.close()
                raise CorpusError(f"run {run_id} is being written by another process")
        try:
            with self.transaction() as connection:
                known = connection.execute(
                    select(s.runs.c.status).where(s.runs.c.run_id == run_id)
                ).one_or_none()
                if known is not None and known.status != RUNNING:
                    raise CorpusError(f"run {run_id} is already {known.status}")
                if known is None:
                    connection.execute(
                        s.runs.insert(),
                        {
                            "run_id": run_id,
                            "kind": kind,
                            "status": RUNNING,
                            "started": _now(),
                            "owner": _owner(),
                            "lock_key": key,
                            "staged": 0,
                            "info": info or {},
                        },
                    )
                    start = 0
                else:
                    connection.execute(
                        update(s.runs).where(s.runs.c.run_id == run_id).values(owner=_owner())
                    )
                    start = 1 + (
                        connection.scalar(
                            select(func.max(s.staged_versions.c.seq)).where(
                                s.staged_versions.c.run_id == run_id
                            )
                        )
                        or 0
                    )
        except BaseException:
            _unlock(lock, key)
            raise
        self._runs[run_id] = _ActiveRun(seq=itertools.count(start), lock=lock, key=key)

    def _active(self, run_id: str) -> _ActiveRun:
        try:
            return self._runs[run_id]
        except KeyError:
            raise CorpusError(f"run {run_id} was not begun by this store") from None

    def add(
        self,
        run_id: str,
        article: Any,
        *,
        warc_file: str | None = None,
        warc_offset: int | None = None,
    ) -> None:
        """Stage one item (an Article or its plain dict) of the run; written in batches."""
        run = self._active(run_id)
        record = rec.as_record(article)
        key = rec.key_of(record)
        # Written now, as the column writes it: the buffer holds the text, not the record's
        # objects, and knows its size.
        staged = StagedJSON(record)
        run.buffer.append(
            {
                "run_id": run_id,
                "seq": next(run.seq),
                "article_key": key,
                "record": staged,
                "warc_file": warc_file,
                "warc_offset": warc_offset,
            }
        )
        run.buffered_chars += len(staged.text)
        if len(run.buffer) >= self.batch_size or run.buffered_chars >= BATCH_CHARS:
            self.flush(run_id)

    def flush(self, run_id: str) -> None:
        run = self._active(run_id)
        if not run.buffer:
            return
        with self.transaction() as connection:
            connection.execute(s.staged_versions.insert(), run.buffer)
            connection.execute(
                update(s.runs)
                .where(s.runs.c.run_id == run_id)
                .values(staged=s.runs.c.staged + len(run.buffer))
            )
        run.buffer.clear()
        run.buffered_chars = 0

    def commit_run(self, run_id: str) -> CommitResult:
        """Make every staged version of the run visible, in one transaction."""
        self.flush(run_id)
        with self.transaction() as connection:
            status = connection.scalar(select(s.runs.c.status).where(s.runs.c.run_id == run_id))
            if status is None:
                raise CorpusError(f"unknown run {run_id}")
            if status != RUNNING:
                raise CorpusError(f"run {run_id} is {status}: nothing to commit")
            staged_of_run = s.staged_versions.c.run_id == run_id
            keys = list(
                connection.scalars(
                    select(s.staged_versions.c.article_key)
                    .where(staged_of_run)
                    .group_by(s.staged_versions.c.article_key)
                    .order_by(s.staged_versions.c.article_key)
                )
            )
            staged = added = 0
            for chunk in _chunks(keys, KEYS_PER_COMMIT_STEP):
                rows = (
                    connection.execute(
                        select(s.staged_versions)
                        .where(staged_of_run, s.staged_versions.c.article_key.in_(chunk))
                        .order_by(s.staged_versions.c.article_key, s.staged_versions.c.seq)
                    )
                    .mappings()
                    .all()
                )
                staged += len(rows)
                added += commit_articles(connection, run_id, rows)
            connection.execute(delete(s.staged_versions).where(staged_of_run))
            connection.execute(
                update(s.runs)
                .where(s.runs.c.run_id == run_id)
                .values(status=COMMITTED, finished=_now(), added=added)
            )
        self._release(run_id)
        return CommitResult(run_id, staged, added)

    def discard_run(self, run_id: str) -> None:
        """Drop what a run staged; it will never commit."""
        with self.transaction() as connection:
            connection.execute(
                delete(s.staged_versions).where(s.staged_versions.c.run_id == run_id)
            )
            connection.execute(
                update(s.runs)
                .where(s.runs.c.run_id == run_id, s.runs.c.status == RUNNING)
                .values(status=DISCARDED, finished=_now())
            )
        self._release(run_id)

    def discard_stale_runs(self) -> list[str]:
        """Settle the runs whose owner is dead; the ids of those discarded.

        A dead crawl whose feeds all reached their final names is committed instead: its
        articles are in its feeds, and its crawl state is committed for the same reason
        (``newscrawl.incremental.commit``), so they are not fetched again. Only the run's
        own host can look at its feeds: another host leaves such a run alone.
        """
        with self.transaction(write=False) as connection:
            running = connection.execute(
                select(
                    s.runs.c.run_id,
                    s.runs.c.owner,
                    s.runs.c.lock_key,
                    s.runs.c.info,
                    s.runs.c.started,
                ).where(s.runs.c.status == RUNNING)
            ).all()
        discarded = []
        for run in running:
            if run.run_id in self._runs or self._alive(run.owner, run.lock_key):
                continue
            feeds = (run.info or {}).get("feeds") or []
            if feeds and run.owner.rpartition(":")[0] != socket.gethostname():
                continue
            if feeds_published_since(feeds, run.started):
                self.begin_run(run.run_id)
                self.commit_run(run.run_id)
                self.recovered.append(run.run_id)
            else:
                self.discard_run(run.run_id)
                discarded.append(run.run_id)
        return discarded

    def set_run_feeds(self, run_id: str, feeds: list[str]) -> None:
        """Where the run's feeds will appear: how a dead run is settled (above)."""
        self._active(run_id)
        with self.transaction() as connection:
            info = connection.scalar(select(s.runs.c.info).where(s.runs.c.run_id == run_id))
            connection.execute(
                update(s.runs)
                .where(s.runs.c.run_id == run_id)
                .values(info={**(info or {}), "feeds": feeds})
            )

    def _alive(self, owner: str, lock_key: int) -> bool:
        if self.dialect != "postgresql":
            return _pid_alive(owner)
        with self.engine.connect() as connection:
            free = connection.scalar(select(func.pg_try_advisory_lock(lock_key)))
            if free:
                connection.scalar(select(func.pg_advisory_unlock(lock_key)))
            connection.commit()
        return not free

    def _release(self, run_id: str) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            _unlock(run.lock, run.key)

    # --- reading -------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self.transaction(write=False) as connection:
            return {
                name: connection.scalar(select(func.count()).select_from(table))
                for name, table in (
                    ("articles", s.articles),
                    ("versions", s.article_versions),
                    ("staged", s.staged_versions),
                    ("runs", s.runs),
                )
            }

    def execute(self, statement: Any) -> list:
        with self.transaction(write=False) as connection:
            return connection.execute(statement).all()
