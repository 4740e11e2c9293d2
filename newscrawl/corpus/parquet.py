"""Parquet tables of an export, for pandas/polars users: the CSV tables with real types.

``articles.parquet`` holds every field of the record but the nested ``comments`` and
``related``, which are ``comments.parquet`` and ``links.parquet`` (the CSV tables' columns,
plus ``version`` so the tables of an ``--all-versions`` export join exactly). Times are
timestamps with a zone: the site's times in Europe/Paris, ``fetched_at`` in UTC; counts and
positions int32; list fields lists (images a list of structs). A path ending ``.parquet``
gets the articles table alone; any other path is a folder of the three tables.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newscrawl.corpus.export import AtomicOutputs

PARIS_TIME = pa.timestamp("s", tz="Europe/Paris")
UTC_TIME = pa.timestamp("s", tz="UTC")
STRINGS = pa.list_(pa.string())
IMAGE = pa.struct(
    [
        (name, pa.string())
        for name in ("url", "caption", "credit_raw", "credit_agency", "credit_photographer")
    ]
)
ARTICLES = pa.schema([
    ("url", pa.string()), ("article_id", pa.string()), ("site", pa.string()),
    ("section", pa.string()), ("title", pa.string()), ("outlet", pa.string()),
    ("outlet_partners", STRINGS), ("outlet_raw", pa.string()), ("published", PARIS_TIME),
    ("published_raw", pa.string()), ("updated", PARIS_TIME), ("updated_raw", pa.string()),
    ("authors", STRINGS), ("lead", pa.string()), ("body", pa.string()),
    ("subheadings", STRINGS), ("images", pa.list_(IMAGE)), ("comment_count", pa.int32()),
    ("notes", STRINGS), ("fetched_at", UTC_TIME), ("language", pa.string()),
    ("version", pa.int32()),
])  # fmt: skip
COMMENTS = pa.schema([
    ("article_id", pa.string()), ("article_url", pa.string()), ("version", pa.int32()),
    ("position", pa.int32()), ("author", pa.string()), ("published", PARIS_TIME),
    ("published_raw", pa.string()), ("text", pa.string()),
])  # fmt: skip
LINKS = pa.schema([
    ("from_article_id", pa.string()), ("from_url", pa.string()), ("version", pa.int32()),
    ("position", pa.int32()), ("to_url", pa.string()), ("to_article_id", pa.string()),
    ("title", pa.string()), ("outlet", pa.string()), ("outlet_raw", pa.string()),
    ("published", PARIS_TIME), ("published_raw", pa.string()), ("teaser", pa.string()),
])  # fmt: skip
TIME_FIELDS = {"published", "updated", "fetched_at"}
BATCH = 1000


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _typed(row: dict) -> dict:
    return {k: _time(v) if k in TIME_FIELDS else v for k, v in row.items()}


def _rows(record: dict) -> tuple[dict, list[dict], list[dict]]:
    article = _typed({name: record[name] for name in ARTICLES.names})
    comments = [
        _typed(
            {
                "article_id": record["article_id"],
                "article_url": record["url"],
                "version": record["version"],
                **comment,
            }
        )
        for comment in record["comments"]
    ]
    links = []
    for entry in record["related"]:
        link = {name: entry.get(name) for name in LINKS.names}
        link.update(
            from_article_id=record["article_id"],
            from_url=record["url"],
            version=record["version"],
            to_url=entry["url"],
            to_article_id=entry["article_id"],
        )
        links.append(_typed(link))
    return article, comments, links


def write_parquet(records: Iterable[dict], output: Path) -> dict[str, int]:
    if output.suffix.lower() == ".parquet":
        targets = {output.name: ARTICLES}
        folder = output.parent
    else:
        targets = {
            "articles.parquet": ARTICLES,
            "comments.parquet": COMMENTS,
            "links.parquet": LINKS,
        }
        folder = output
    folder.mkdir(parents=True, exist_ok=True)
    outputs = AtomicOutputs()
    writers: list[pq.ParquetWriter] = []
    counts = dict.fromkeys(targets, 0)
    try:
        for name, schema in targets.items():
            writers.append(pq.ParquetWriter(outputs.file(folder / name), schema))
        batches: list[list[dict]] = [[] for _ in targets]

        def flush() -> None:
            for (name, schema), writer, rows in zip(targets.items(), writers, batches, strict=True):
                if rows:
                    writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                    counts[name] += len(rows)
                    rows.clear()

        for record in records:
            for rows, part in zip(batches, _rows(record), strict=False):
                rows.extend([part] if isinstance(part, dict) else part)
            if len(batches[0]) >= BATCH:
                flush()
        flush()
        for writer in writers:
            writer.close()
        outputs.commit()
    except BaseException:
        for writer in writers:
            # Closed here, not by its __del__, which would print a traceback of its own
            # (the disk that failed the write fails its close too).
            with contextlib.suppress(Exception):
                writer.close()
        outputs.abort()
        raise
    return counts
