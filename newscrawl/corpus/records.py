"""An Article as corpus rows and back, and the two hashes that tell versions apart.

- ``content_hash`` is the incremental state's fingerprint (``newscrawl.incremental.revisit``):
  what the crawl counts as a change, and so what its ``version`` numbers mean.
- ``record_hash`` covers the whole record except ``fetched_at`` and ``version``. The store
  adds a version when it differs from the latest stored one. A crawl only hands over items
  whose fingerprint changed (their record changed too), so for the crawl both rules agree;
  ``reparse`` needs the wider one, or a parser fix of, say, the outlet or the authors would
  never reach the corpus.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import Any

from newscrawl.corpus.schema import CONTRACT_COLUMNS
from newscrawl.incremental.revisit import fingerprint, parse_iso

# Project code this module builds on.
from newscrawl.items import Article, Comment, Image, RelatedArticle, article_key
from newscrawl.jsonbytes import compact_utf8
from newscrawl.plain import shared_plain

LIST_CHILDREN = ("images", "comments", "related")
_NOT_IN_RECORD_HASH = ("fetched_at", "version")
IMAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Image))
COMMENT_FIELDS = tuple(f.name for f in dataclasses.fields(Comment))
RELATED_FIELDS = tuple(f.name for f in dataclasses.fields(RelatedArticle))


def as_record(article: Article | dict) -> dict[str, Any]:
    """The plain-dict form of an item, as the feeds serialise it (the same dict they read,
    during a crawl: read only)."""
    if isinstance(article, dict):
        return article
    return shared_plain(article)


def from_record(record: dict[str, Any]) -> Article:
    """Rebuild the Article dataclass, nested items included, from its plain-dict form."""
    fields = dict(record)
    fields["images"] = [Image(**image) for image in record.get("images") or []]
    fields["comments"] = [Comment(**comment) for comment in record.get("comments") or []]
    fields["related"] = [RelatedArticle(**entry) for entry in record.get("related") or []]
    return Article(**fields)


def key_of(record: dict[str, Any]) -> str:
    key = article_key(record.get("article_id"), record.get("url"))
    if not key:
        raise ValueError("an article without article_id or url cannot be stored")
    return key


class _Fields:
    """A plain-dict record read as attributes, nested dicts too: what ``fingerprint`` reads,
    without rebuilding the dataclasses (a commit hashes every staged record)."""

    __slots__ = ("_record",)

    def __init__(self, record: dict[str, Any]):
        self._record = record

    def __getattr__(self, name: str) -> Any:
        value = self._record.get(name)
        if isinstance(value, list):
            return [_Fields(v) if isinstance(v, dict) else v for v in value]
        return value


def content_hash(record: dict[str, Any]) -> str:
    return fingerprint(_Fields(record))


def record_hash(record: dict[str, Any]) -> str:
    material = {k: v for k, v in record.items() if k not in _NOT_IN_RECORD_HASH}
    return hashlib.sha256(compact_utf8(material, sort_keys=True)).hexdigest()


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 string of a record as an aware UTC datetime; None when unreadable."""
    when = parse_iso(value)
    return when.astimezone(UTC) if when is not None else None


def version_row(record: dict[str, Any]) -> dict[str, Any]:
    """The article_versions columns of a record (ids and hashes are added by the store)."""
    row = {name: record.get(name) for name in CONTRACT_COLUMNS}
    row["published_utc"] = parse_time(record.get("published"))
    row["fetched_utc"] = parse_time(record.get("fetched_at"))
    return row


def child_rows(record: dict[str, Any], version_id: int, key: str) -> dict[str, list[dict]]:
    """Rows of images, comments and related_links for one stored version."""
    images = [
        {"version_id": version_id, "ordinal": n, **{f: image.get(f) for f in IMAGE_FIELDS}}
        for n, image in enumerate(record.get("images") or [])
    ]
    comments = [
        {"version_id": version_id, "ordinal": n, **{f: c.get(f) for f in COMMENT_FIELDS}}
        for n, c in enumerate(record.get("comments") or [])
    ]
    related = []
    for n, entry in enumerate(record.get("related") or []):
        row = {f: entry.get(f) for f in RELATED_FIELDS if f not in ("url", "article_id")}
        row.update(
            version_id=version_id,
            ordinal=n,
            from_article_key=key,
            from_url=record.get("url"),
            to_url=entry.get("url"),
            to_article_id=entry.get("article_id"),
        )
        related.append(row)
    return {"images": images, "comments": comments, "related_links": related}


def record_from_rows(
    version: dict[str, Any], images: list[dict], comments: list[dict], related: list[dict]
) -> dict[str, Any]:
    """The plain-dict record of a stored version, fields in items.py order."""
    record: dict[str, Any] = {}
    for field in dataclasses.fields(Article):
        name = field.name
        if name == "images":
            record[name] = [{f: row[f] for f in IMAGE_FIELDS} for row in images]
        elif name == "comments":
            record[name] = [{f: row[f] for f in COMMENT_FIELDS} for row in comments]
        elif name == "related":
            record[name] = [
                {
                    f: row["to_url" if f == "url" else "to_article_id" if f == "article_id" else f]
                    for f in RELATED_FIELDS
                }
                for row in related
            ]
        else:
            value = version[name]
            if name in ("outlet_partners", "authors", "subheadings", "notes") and value is None:
                value = []
            record[name] = value
    return record
