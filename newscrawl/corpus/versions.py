"""Turning a run's staged rows into versions, inside ``CorpusStore.commit_run``'s transaction.

Per chunk of article keys: make sure each article row exists, lock the rows (PostgreSQL:
``SELECT ... FOR UPDATE`` in key order, so concurrent commits serialise per article and never
deadlock), read the stored versions, decide which staged records are new (see
``newscrawl.corpus.store``), insert them with their images, comments and links, and move
each article's current version.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from newscrawl.corpus import records as rec
from newscrawl.corpus import schema as s

IDENTITY = ("url", "site", "section", "outlet")


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(values: list, size: int):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_ignoring_duplicates(connection: Connection, table):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def commit_articles(connection: Connection, run_id: str, staged: list) -> int:
    """Turn one chunk of a run's staged rows into versions; the number added."""
    groups: dict[str, list] = defaultdict(list)
    for row in staged:
        groups[row["article_key"]].append(row)
    keys = sorted(groups)
    now = _now()
    placeholders = []
    for key in keys:
        first = groups[key][0]["record"]
        placeholders.append(
            {
                "id": key,
                "url": first.get("url"),
                "site": first.get("site"),
                "section": first.get("section"),
                "outlet": first.get("outlet"),
                "first_seen": now,
                "last_seen": now,
            }
        )
    connection.execute(insert_ignoring_duplicates(connection, s.articles), placeholders)
    locked = select(s.articles).where(s.articles.c.id.in_(keys)).order_by(s.articles.c.id)
    if connection.dialect.name == "postgresql":
        locked = locked.with_for_update()
    current = {row.id: row for row in connection.execute(locked)}
    known: dict[str, list] = defaultdict(list)
    v = s.article_versions.c
    for row in connection.execute(
        select(v.article_key, v.version, v.version_id, v.record_hash, v.warc_file, v.warc_offset)
        .where(v.article_key.in_(keys))
        .order_by(v.version)
    ):
        known[row.article_key].append(row._mapping)

    new_rows, new_records, seen = [], [], {}
    for key in keys:
        versions = list(known[key])
        times = []
        for staged_row in groups[key]:
            record = staged_row["record"]
            times.append(rec.parse_time(record.get("fetched_at")) or now)
            digest = rec.record_hash(record)
            if not _is_new(record, digest, staged_row, versions):
                continue
            latest = versions[-1]["version"] if versions else 0
            number = max(int(record.get("version") or 1), latest + 1)
            record = {**record, "version": number}
            row = rec.version_row(record)
            row.update(
                article_key=key,
                run_id=run_id,
                content_hash=rec.content_hash(record),
                record_hash=digest,  # the number is not part of it
                warc_file=staged_row["warc_file"],
                warc_offset=staged_row["warc_offset"],
            )
            versions.append(
                {
                    "version": number,
                    "version_id": None,
                    "record_hash": row["record_hash"],
                    "warc_file": row["warc_file"],
                    "warc_offset": row["warc_offset"],
                    "identity": {name: row[name] for name in IDENTITY},
                }
            )
            new_rows.append(row)
            new_records.append(record)
        seen[key] = (min(times), max(times), versions)
    ids = _insert_versions(connection, new_rows, new_records)
    _update_articles(connection, current, seen, ids)
    return len(ids)


def _is_new(record: dict, digest: str, staged_row: Any, versions: list) -> bool:
    if versions and versions[-1]["record_hash"] == digest:
        return False
    for stored in versions:
        if stored["record_hash"] != digest:
            continue
        if stored["version"] == record.get("version"):
            return False  # this very version, committed before
        if staged_row["warc_file"] and (stored["warc_file"], stored["warc_offset"]) == (
            staged_row["warc_file"],
            staged_row["warc_offset"],
        ):
            return False  # the same archived response, re-read
    return True


def _insert_versions(connection: Connection, rows: list, records: list) -> dict:
    if not rows:
        return {}
    v = s.article_versions.c
    statement = insert_ignoring_duplicates(connection, s.article_versions).returning(
        v.version_id, v.article_key, v.version
    )
    ids = {(r.article_key, r.version): r.version_id for r in connection.execute(statement, rows)}
    children: dict[str, list] = defaultdict(list)
    for row, record in zip(rows, records, strict=True):
        version_id = ids.get((row["article_key"], row["version"]))
        if version_id is None:
            continue
        for table, child in rec.child_rows(record, version_id, row["article_key"]).items():
            children[table].extend(child)
    for table in s.CHILD_TABLES:
        for chunk in _chunks(children[table.name], 1000):
            connection.execute(table.insert(), chunk)
    return ids


def _update_articles(connection: Connection, current: dict, seen: dict, ids: dict) -> None:
    updates = []
    for key, (first, last, versions) in seen.items():
        article = current[key]
        latest = versions[-1] if versions else None
        values = {
            "b_id": key,
            "first_seen": min(first, article.first_seen) if article.current_version else first,
            "last_seen": max(last, article.last_seen) if article.current_version else last,
            "current_version": article.current_version,
            "current_version_id": article.current_version_id,
            "url": article.url,
            "site": article.site,
            "section": article.section,
            "outlet": article.outlet,
        }
        if latest is not None and latest["version_id"] is None:
            version_id = ids.get((key, latest["version"]))
            if version_id is not None:
                values.update(current_version=latest["version"], current_version_id=version_id)
                values.update(latest["identity"])
        updates.append(values)
    statement = (
        update(s.articles)
        .where(s.articles.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in updates[0] if name != "b_id"})
    )
    connection.execute(statement, updates)
