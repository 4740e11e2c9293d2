"""The corpus schema (SQLAlchemy Core), one definition for SQLite and PostgreSQL.

Tables: ``runs``; ``articles`` (current state of each article); ``article_versions`` (every
field of the output contract per version, the run that found it, hashes, WARC location);
``images``, ``comments`` and ``related_links`` per version; ``staged_versions`` (a run's
versions until its commit); ``corpus_meta`` (the schema version). Views ``latest_articles``
and ``comments_latest`` make a SQLite corpus readable in Datasette or sqlite-utils as it is.

Contract fields are stored as the exact strings the feeds carry (``published`` keeps its
Paris offset) so an export is byte-identical to the crawl's feed; ``published_utc`` and
``fetched_utc`` are typed copies for filtering and sorting.

Migrations: a small ordered list (``MIGRATIONS``) instead of Alembic. The store migrates
itself on open, inside the same transaction as the version check and under a lock (SQLite's
``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), so two workers opening a new store at once
cannot race. Alembic's script directory, ``env.py`` and ini file would be more code than the
schema for a store that must upgrade itself from inside a pip-installed crawler; each step
below is a plain function of a connection, which may use Alembic's ``Operations`` later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 2


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime in and out; SQLite (no time zones) stores it as naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Lists of strings: JSON text in SQLite (readable in Datasette), jsonb in PostgreSQL.
StringList = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData()

corpus_meta = Table(
    "corpus_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),  # crawl | reparse
    Column("status", String(16), nullable=False),  # running | committed | discarded
    Column("started", UtcDateTime, nullable=False),
    Column("finished", UtcDateTime),
    Column("owner", String(300), nullable=False),  # host:pid, to tell a dead run (SQLite)
    Column("lock_key", BigInteger, nullable=False),  # PostgreSQL advisory lock of the owner
    Column("staged", Integer, nullable=False, default=0),
    Column("added", Integer),
    Column("info", StringList),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(300), primary_key=True),  # article_key(): the 32-hex id, else the URL
    Column("url", Text),
    Column("site", String(64)),
    Column("section", String(200)),
    Column("outlet", String(200)),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("current_version", Integer),
    Column("current_version_id", BigInteger),
)

# Every field of the output contract, in items.py order, with the type it is stored as.
CONTRACT_COLUMNS: dict[str, object] = {
    "url": Text,
    "article_id": String(64),
    "site": String(64),
    "section": String(200),
    "title": Text,
    "outlet": String(200),
    "outlet_partners": StringList,
    "outlet_raw": Text,
    "published": String(40),
    "published_raw": Text,
    "updated": String(40),
    "updated_raw": Text,
    "authors": StringList,
    "lead": Text,
    "body": Text,
    "subheadings": StringList,
    "comment_count": Integer,
    "notes": StringList,
    "fetched_at": String(40),
    "language": String(16),
    "version": Integer,
}

article_versions = Table(
    "article_versions",
    metadata,
    Column(
        "version_id",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("article_key", String(300), ForeignKey("articles.id"), nullable=False),
    Column("run_id", String(200), ForeignKey("runs.run_id"), nullable=False),
    *(Column(name, kind) for name, kind in CONTRACT_COLUMNS.items()),
    Column("published_utc", UtcDateTime),
    Column("fetched_utc", UtcDateTime),
    Column("content_hash", String(64), nullable=False),
    Column("record_hash", String(64), nullable=False),
    Column("warc_file", Text),
    Column("warc_offset", BigInteger),
    UniqueConstraint("article_key", "version", name="uq_article_versions_key_version"),
    Index("ix_article_versions_published", "published_utc"),
    Index("ix_article_versions_run", "run_id"),
)


def _child(name: str, *columns: Column) -> Table:
    return Table(
        name,
        metadata,
        Column(
            "version_id",
            BigInteger().with_variant(Integer, "sqlite"),
            ForeignKey("article_versions.version_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # Index in the item's list: restores page order even when positions repeat.
        Column("ordinal", Integer, primary_key=True),
        *columns,
    )


images = _child(
    "images",
    Column("url", Text),
    Column("caption", Text),
    Column("credit_raw", Text),
    Column("credit_agency", String(200)),
    Column("credit_photographer", Text),
)

comments = _child(
    "comments",
    Column("position", Integer),
    Column("author", Text),
    Column("published", String(40)),
    Column("published_raw", Text),
    Column("text", Text),
)

related_links = _child(
    "related_links",
    Column("from_article_key", String(300), nullable=False),
    Column("from_url", Text),
    Column("position", Integer),
    Column("to_url", Text),
    Column("to_article_id", String(64)),
    Column("title", Text),
    Column("outlet", String(200)),
    Column("outlet_raw", Text),
    Column("published", String(40)),
    Column("published_raw", Text),
    Column("teaser", Text),
)
Index("ix_related_links_to", related_links.c.to_article_id)

staged_versions = Table(
    "staged_versions",
    metadata,
    Column("run_id", String(200), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("article_key", String(300), nullable=False),
    Column("record", JSON, nullable=False),
    Column("warc_file", Text),
    Column("warc_offset", BigInteger),
)
# The commit reads a run's staged rows 50 article keys at a time: without this index each
# read scanned every row the run staged, a commit quadratic in the run's size (a
# 20,000-article run spent 19 s of its 35 s commit in those scans).
staged_by_key = Index(
    "ix_staged_versions_run_key",
    staged_versions.c.run_id,
    staged_versions.c.article_key,
    staged_versions.c.seq,
)

CHILD_TABLES = (images, comments, related_links)

VIEWS = {
    "latest_articles": """
        SELECT v.* FROM articles a
        JOIN article_versions v ON v.version_id = a.current_version_id
    """,
    "comments_latest": """
        SELECT v.article_key, v.article_id, v.url AS article_url, v.version,
               c.position, c.author, c.published, c.published_raw, c.text
        FROM articles a
        JOIN article_versions v ON v.version_id = a.current_version_id
        JOIN comments c ON c.version_id = v.version_id
    """,
}


def _create_v1(connection: Connection) -> None:
    metadata.create_all(connection)
    for name, select in VIEWS.items():
        connection.execute(text(f"CREATE VIEW {name} AS {select.strip()}"))


def _index_staged_by_key(connection: Connection) -> None:
    # A store created at version 2 has it already (create_all above builds every index).
    staged_by_key.create(connection, checkfirst=True)


# MIGRATIONS[n] brings a store from schema version n to n + 1 (0 = empty database).
MIGRATIONS: list[Callable[[Connection], None]] = [_create_v1, _index_staged_by_key]
assert len(MIGRATIONS) == SCHEMA_VERSION
