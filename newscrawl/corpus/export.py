"""``newscrawl export``: the store's articles in the shapes of the crawl's feeds.

JSON Lines and CSV go through the crawl's own exporters (``newscrawl.feeds.exporters``), built
with the same options the feed exporter gives them, so a record is byte for byte the line
a crawl writes. Parquet has the same tables with real types (``parquet.py``).

Every file is written through the crawl's atomic feed storage (``<name>.part``, fsync,
rename); a folder's tables are renamed only once all of them are complete, and a failed
export removes its ``.part`` files, so no truncated file is ever left under a final name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, select

from newscrawl.corpus import records as rec
from newscrawl.corpus import schema as s
from newscrawl.corpus.store import CorpusStore

# Project code this module builds on.
from newscrawl.feeds.exporters import (
    ArticlesCsvExporter,
    CommentsCsvExporter,
    JsonLinesExporter,
    LinksCsvExporter,
)
from newscrawl.feeds.storage import AtomicFileFeedStorage
from newscrawl.normalize.clock import PARIS

FORMATS = ("jsonl", "csv", "parquet")
CSV_TABLES = {
    "articles.csv": ArticlesCsvExporter,
    "comments.csv": CommentsCsvExporter,
    "links.csv": LinksCsvExporter,
}
PAGE = 1000


@dataclass(frozen=True)
class Selection:
    all_versions: bool = False
    since: datetime | None = None
    until: datetime | None = None
    outlet: str | None = None
    section: str | None = None


def parse_bound(value: str, *, end: bool) -> datetime:
    """``2024-10-01`` (a Paris day: its start, or for ``end`` the next day's start) or a
    full ISO 8601 time (Paris when it has no offset)."""
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date like 2024-10-01") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=PARIS)
    try:
        if end and _is_a_day(text):
            when += timedelta(days=1)
        when.astimezone(UTC)  # the store compares in UTC: 0001-01-01+14:00 is not there
    except OverflowError:
        raise ValueError(f"{value!r} is out of the range of dates") from None
    return when


def _is_a_day(text: str) -> bool:
    # "2024-10-19" and its basic form "20241019" (fromisoformat takes both) name a day.
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _versions(selection: Selection) -> Select:
    v = s.article_versions.c
    query = select(s.article_versions)
    if not selection.all_versions:
        query = query.join(s.articles, s.articles.c.current_version_id == v.version_id)
    if selection.since is not None:
        query = query.where(v.published_utc >= selection.since)
    if selection.until is not None:
        query = query.where(v.published_utc < selection.until)
    if selection.outlet is not None:
        query = query.where(v.outlet == selection.outlet)
    if selection.section is not None:
        query = query.where(v.section == selection.section)
    return query.order_by(v.version_id)


def iter_records(store: CorpusStore, selection: Selection = Selection()) -> Iterator[dict]:
    """The selected versions as plain records, oldest stored first, a page at a time.

    All pages come from one read transaction, one snapshot of the store: a run committed
    meanwhile is not half in (an article's old version on one page, its new one on the
    next, both exported as its latest)."""
    with store.transaction(write=False) as connection:
        yield from _pages(connection, selection)


def _pages(connection: Any, selection: Selection) -> Iterator[dict]:
    last = 0
    while True:
        page = (
            connection.execute(
                _versions(selection).where(s.article_versions.c.version_id > last).limit(PAGE)
            )
            .mappings()
            .all()
        )
        if not page:
            return
        ids = [row["version_id"] for row in page]
        children = {}
        for table in s.CHILD_TABLES:
            grouped: dict[int, list] = {}
            for child in connection.execute(
                select(table)
                .where(table.c.version_id.in_(ids))
                .order_by(table.c.version_id, table.c.ordinal)
            ).mappings():
                grouped.setdefault(child["version_id"], []).append(child)
            children[table.name] = grouped
        for row in page:
            vid = row["version_id"]
            yield rec.record_from_rows(
                row,
                children["images"].get(vid, []),
                children["comments"].get(vid, []),
                children["related_links"].get(vid, []),
            )
        last = ids[-1]


class AtomicOutputs:
    """Files written through the atomic feed storage, renamed together at the end."""

    def __init__(self) -> None:
        self.open: list[tuple[AtomicFileFeedStorage, Any]] = []

    def file(self, path: Path):
        storage = AtomicFileFeedStorage(
            str(path),
            feed_options={"overwrite": True},
            # Its own: two exports to one file each write a whole file, the last one wins.
            temp_path=path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part"),
        )
        handle = storage.open(None)
        self.open.append((storage, handle))
        return handle

    def commit(self) -> None:
        for storage, handle in self.open:
            storage.store(handle)
        self.open.clear()

    def abort(self) -> None:
        for storage, handle in self.open:
            with contextlib.suppress(OSError):  # a full disk fails the close's flush too
                handle.close()
            storage.temp_path.unlink(missing_ok=True)
        self.open.clear()


def _exporter(cls, handle, settings: Any):
    # The options Scrapy's feed exporter passes (feed defaults), and the project's own
    # from_crawler so NEWSCRAWL_CSV_STYLE is read the same way; no stats to count in.
    crawler = SimpleNamespace(settings=settings, stats=None)
    return cls.from_crawler(
        crawler,
        handle,
        fields_to_export=settings.getlist("FEED_EXPORT_FIELDS") or None,
        encoding=settings.get("FEED_EXPORT_ENCODING"),
        indent=settings.getint("FEED_EXPORT_INDENT"),
    )


def export(
    store: CorpusStore, fmt: str, output: Path, selection: Selection, settings: Any
) -> dict[str, int]:
    """Write the selection; the number of articles written per file name."""
    if fmt == "parquet":
        from newscrawl.corpus.parquet import write_parquet

        return write_parquet(iter_records(store, selection), output)
    if fmt == "jsonl":
        tables = {output.name: JsonLinesExporter}
        folder = output.parent
    elif output.suffix.lower() == ".csv":
        tables = {output.name: ArticlesCsvExporter}
        folder = output.parent
    else:
        tables, folder = CSV_TABLES, output
    folder.mkdir(parents=True, exist_ok=True)
    outputs = AtomicOutputs()
    try:
        exporters = [
            _exporter(cls, outputs.file(folder / name), settings) for name, cls in tables.items()
        ]
        for exporter in exporters:
            exporter.start_exporting()
        rows = dict.fromkeys(tables, 0)
        for record in iter_records(store, selection):
            article = rec.from_record(record)
            for name, exporter in zip(tables, exporters, strict=True):
                exporter.export_item(article)
                rows[name] += _rows_of(name, record)
        for exporter in exporters:
            exporter.finish_exporting()
        outputs.commit()
    except BaseException:
        outputs.abort()
        raise
    return rows


def _rows_of(name: str, record: dict) -> int:
    if name == "comments.csv":
        return len(record["comments"])
    if name == "links.csv":
        return len(record["related"])
    return 1
