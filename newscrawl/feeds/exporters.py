"""Feed exporters: the CSV tables of the output contract, and JSON feeds that count their rows.

One Article becomes one row of ``articles.csv``, one row per comment in ``comments.csv`` and
one row per "A lire aussi" entry in ``links.csv``. Columns are fixed (never guessed from the
first item) so every file of every run loads into the same spreadsheet or database table.

Every exporter flushes after each item: a growing feed (``*.part``, see ``storage``) is
readable up to its last complete row, and a crash never leaves half an item buffered.
Rows written are counted in the stats as ``newscrawl/feeds/<table>/rows``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from itemadapter import is_item
from scrapy.exporters import BaseItemExporter, JsonItemExporter, JsonLinesItemExporter

from newscrawl.defaults import project_settings
from newscrawl.items import Article
from newscrawl.jsonbytes import compact_text
from newscrawl.normalize.text import without_lone_surrogates
from newscrawl.plain import as_plain, shared_plain

# OWASP CSV injection: spreadsheets run a cell starting with these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# name -> (delimiter, write a UTF-8 BOM). French-locale spreadsheets read "," as the decimal
# separator, expect ";" between cells, and only take a CSV file for UTF-8 when it has a BOM.
CSV_STYLES = {"standard": (",", False), "excel-fr": (";", True)}

ARTICLE_COLUMNS = tuple(f.name for f in dataclasses.fields(Article))
COMMENT_COLUMNS = (
    "article_id",
    "article_url",
    "position",
    "author",
    "published",
    "published_raw",
    "text",
)
LINK_COLUMNS = (
    "from_article_id",
    "from_url",
    "position",
    "to_url",
    "to_article_id",
    "title",
    "outlet",
    "outlet_raw",
    "published",
    "published_raw",
    "teaser",
)


# Control characters a cell may not hold: every C0 and C1 control and DEL, except the line
# breaks and the tab, which are text: tab, LF, CR (the contract makes a leading tab or CR
# inert, below) and NEL. Spreadsheets show the others as boxes or refuse the file (NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")


def inert(text: str) -> str:
    """Make a cell a spreadsheet shows as text rather than evaluates, without control bytes."""
    return _formula_inert(_CONTROL.sub("", text))


def utf8(text: str) -> bytes:
    """UTF-8 of any text; a lone surrogate (no UTF-8 for it) is written as U+FFFD.

    The normalisers remove them at the root; this keeps one bad character in an item that
    skipped them (a user pipeline, the merge of old feeds) from failing the whole record.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return without_lone_surrogates(text).encode("utf-8")


def export_record(item: Any) -> Any:
    """The item as plain data, converted once for every feed (and reader) of it now."""
    return shared_plain(item)


def _plain(value: Any) -> Any:
    """json.dumps hook: nested items (Image, Comment ...) are dataclasses, not dicts."""
    if is_item(value):
        return as_plain(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def compact_json(value: Any) -> str:
    return compact_text(value, default=_plain)


def to_cell(value: Any) -> str | int | float:
    """One CSV cell: null is empty, numbers stay numbers, lists and objects are compact JSON,
    text inert (the tables write a whole item's cells at once: ``to_rows``)."""
    cell = _text_cell(value)
    return inert(cell) if isinstance(cell, str) else cell


def _text_cell(value: Any) -> str | int | float:
    """``to_cell`` before ``inert``: what the cell says."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value
    return compact_json(value)


def to_rows(rows: Iterable[Iterable[Any]]) -> list[list[str | int | float]]:
    """``to_cell`` of every value of an item's rows, the control characters looked for once
    in all their text (the 140 cells of a heavy article's rows nearly never hold one)
    instead of once per cell."""
    cells = [[_text_cell(value) for value in row] for row in rows]
    texts = [cell for row in cells for cell in row if isinstance(cell, str)]
    if _CONTROL.search("".join(texts)):
        return [[inert(cell) if isinstance(cell, str) else cell for cell in row] for row in cells]
    return [
        [_formula_inert(cell) if isinstance(cell, str) else cell for cell in row] for row in cells
    ]


def _formula_inert(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_line(cells: Iterable[str | int | float], delimiter: str) -> str:
    """One CSV record as ``csv.writer`` writes it (QUOTE_MINIMAL, doubled quotes, CRLF).

    csv's writer looks at a cell one character at a time through a function call: 1.9 ms
    for the 69,000-character body of a heavy article, against 0.03 ms for these substring
    scans. tests/test_exporters.py holds the two to the same bytes on random cells.
    """
    out = []
    for cell in cells:
        text = cell if isinstance(cell, str) else str(cell)
        if delimiter in text or '"' in text or "\n" in text or "\r" in text:
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    if out == [""]:
        return '""\r\n'  # csv's writer quotes a lone empty cell, or the row would be blank
    return delimiter.join(out) + "\r\n"


def _safe_lines(text: str) -> str:
    # json leaves U+2028/U+2029/NEL raw with ensure_ascii=False, and str.splitlines() and
    # some JSON Lines readers break a record on them; escaped, they are still the same text.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def _flush(file: IO[bytes]) -> None:
    flush = getattr(file, "flush", None)
    if flush is not None:
        flush()


class _CountingMixin:
    """Counts rows in the stats and flushes after each item."""

    table = ""
    stats: Any = None
    file: IO[bytes]

    @classmethod
    def from_crawler(cls, crawler: Any, file: IO[bytes], **kwargs: Any) -> Any:
        exporter = cls(file, **cls._options_from_settings(crawler.settings, kwargs))
        exporter.stats = crawler.stats
        return exporter

    @classmethod
    def _options_from_settings(cls, settings: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def _count(self, rows: int) -> None:
        if self.stats is not None and rows:
            self.stats.inc_value(f"newscrawl/feeds/{self.table}/rows", rows)
        _flush(self.file)


class JsonLinesExporter(_CountingMixin, JsonLinesItemExporter):
    """JSON Lines, one nested record per line, written and flushed a whole line at a time."""

    table = "jsonlines"

    def export_item(self, item: Any) -> None:
        if self.fields_to_export is None:
            record = export_record(item)
        else:
            record = dict(self.get_serialized_fields(item))
        line = _safe_lines(self.encoder.encode(record)) + "\n"
        encoding = (self.encoding or "utf-8").lower()
        self.file.write(utf8(line) if encoding in ("utf-8", "utf8") else line.encode(encoding))
        self._count(1)


class JsonExporter(_CountingMixin, JsonItemExporter):
    """One JSON array; only valid once finished, which the atomic file storage guarantees."""

    table = "json"

    def export_item(self, item: Any) -> None:
        super().export_item(item)
        self._count(1)


class TableCsvExporter(_CountingMixin, BaseItemExporter):
    """Base of the CSV tables: fixed columns, RFC 4180 quoting, UTF-8, inert formula cells.

    ``csv_style`` is a name in ``CSV_STYLES`` (default from ``NEWSCRAWL_CSV_STYLE``; a feed
    may override it in its ``item_export_kwargs``). The contract fixes the columns and the
    encoding, so ``fields_to_export`` and ``encoding`` are ignored.
    """

    columns: tuple[str, ...] = ()

    def __init__(self, file: IO[bytes], *, csv_style: str = "standard", **kwargs: Any):
        super().__init__(dont_fail=True, **kwargs)
        if csv_style not in CSV_STYLES:
            raise ValueError(f"unknown CSV style {csv_style!r}; choose from {sorted(CSV_STYLES)}")
        self.file = file
        self.delimiter, self.bom = CSV_STYLES[csv_style]

    @classmethod
    def _options_from_settings(cls, settings: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.setdefault("csv_style", project_settings(settings).get("NEWSCRAWL_CSV_STYLE"))
        return kwargs

    def rows(self, item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        raise NotImplementedError

    def _write(self, rows: Iterable[Iterable[Any]]) -> None:
        self.file.write(utf8("".join(csv_line(row, self.delimiter) for row in rows)))

    def _appending(self) -> bool:
        # "-o x.csv" on an existing file: its header (and BOM) are already there.
        try:
            return self.file.tell() > 0
        except (AttributeError, OSError, ValueError):
            return False

    def start_exporting(self) -> None:
        if self._appending():
            return
        if self.bom:
            self.file.write("\ufeff".encode())
        self._write([self.columns])
        _flush(self.file)

    def export_item(self, item: Any) -> None:
        # Every row of the item is built before any is written: a bad item writes nothing.
        rows = to_rows(
            [row.get(column) for column in self.columns] for row in self.rows(export_record(item))
        )
        self._write(rows)
        self._count(len(rows))


class ArticlesCsvExporter(TableCsvExporter):
    """``articles.csv``: every field of Article in items.py order, lists as compact JSON."""

    table = "articles_csv"
    columns = ARTICLE_COLUMNS

    def rows(self, item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        yield item


class _ChildTableCsvExporter(TableCsvExporter):
    """One row per entry of an article's list field, tied to its article."""

    children: str
    """The list field: ``comments`` or ``related``."""

    def link(self, item: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def rows(self, item: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        for child in item.get(self.children) or ():
            child = child if isinstance(child, Mapping) else {}
            row = {name: child.get(name) for name in self.columns}
            row.update(self.link(item, child))
            yield row


class CommentsCsvExporter(_ChildTableCsvExporter):
    """``comments.csv``: one row per comment, linked to its article by ``article_id``."""

    table = "comments_csv"
    columns = COMMENT_COLUMNS
    children = "comments"

    def link(self, item: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
        return {"article_id": item.get("article_id"), "article_url": item.get("url")}


class LinksCsvExporter(_ChildTableCsvExporter):
    """``links.csv``: the "A lire aussi" graph, one row per related entry."""

    table = "links_csv"
    columns = LINK_COLUMNS
    children = "related"

    def link(self, item: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "from_article_id": item.get("article_id"),
            "from_url": item.get("url"),
            "to_url": child.get("url"),
            "to_article_id": child.get("article_id"),
        }
