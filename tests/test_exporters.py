"""The exporters on their own: columns, cells, quoting, spreadsheet safety, JSON fidelity."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json

import pytest

from newscrawl.feeds.exporters import (
    ArticlesCsvExporter,
    CommentsCsvExporter,
    JsonExporter,
    JsonLinesExporter,
    LinksCsvExporter,
    csv_line,
)
from newscrawl.items import Article, Comment, Image, RelatedArticle
from tests.support.feeds_spider import make_article

FORMULA_PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
TRICKY = [
    'virgule, "guillemets" et ;',
    "ligne 1\nligne 2\r\nligne 3\rfin",
    "emoji 📈🇫🇷, accents éàç",
    "séparateurs\u2028Unicode\u2029et NEL\x85",
    "",
]


class Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


def export(exporter_cls, items, file=None, **kwargs):
    file = file if file is not None else io.BytesIO()
    exporter = exporter_cls(file, **kwargs)
    exporter.stats = Stats()
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return file.getvalue(), exporter.stats.values


def read_csv(data: bytes, delimiter=",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def test_articles_columns_are_every_article_field_in_items_order_whatever_the_first_item():
    sparse = Article(url="https://www.boursorama.com/x", article_id="a" * 32)
    data, _ = export(ArticlesCsvExporter, [sparse, make_article(4)])
    header, *rows = read_csv(data)
    assert header == [f.name for f in dataclasses.fields(Article)]
    assert header[:3] == ["url", "article_id", "site"] and "body" in header
    assert [len(row) for row in rows] == [len(header)] * 2
    full = dict(zip(header, rows[1], strict=True))
    assert full["title"].startswith("Titre 4")
    assert full["comment_count"] == "1"


def test_comments_and_links_columns_are_the_contract_ones():
    article = make_article(3)
    comments, _ = export(CommentsCsvExporter, [Article(), article])
    links, _ = export(LinksCsvExporter, [Article(), article])
    assert read_csv(comments)[0] == [
        "article_id",
        "article_url",
        "position",
        "author",
        "published",
        "published_raw",
        "text",
    ]
    assert read_csv(links)[0] == [
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
    ]


def test_comment_and_link_rows_point_back_to_their_article():
    article = Article(
        url="https://www.boursorama.com/bourse/actualites/a-" + "b" * 32,
        article_id="b" * 32,
        comments=[Comment(position=1, author="lou", text="Bien vu"), Comment(position=2)],
        related=[
            RelatedArticle(
                position=1,
                url="https://www.boursorama.com/r-" + "c" * 32,
                article_id="c" * 32,
                title="Autre",
                outlet="Reuters",
                outlet_raw="Reuters",
                published="2025-08-16T23:14:00+02:00",
                published_raw="16.08.2025 23:14",
                teaser="Début",
            )
        ],
    )
    comments, stats_c = export(CommentsCsvExporter, [article])
    links, stats_l = export(LinksCsvExporter, [article])
    assert read_csv(comments)[1:] == [
        ["b" * 32, article.url, "1", "lou", "", "", "Bien vu"],
        ["b" * 32, article.url, "2", "", "", "", ""],
    ]
    assert read_csv(links)[1:] == [
        [
            "b" * 32,
            article.url,
            "1",
            "https://www.boursorama.com/r-" + "c" * 32,
            "c" * 32,
            "Autre",
            "Reuters",
            "Reuters",
            "2025-08-16T23:14:00+02:00",
            "16.08.2025 23:14",
            "Début",
        ]
    ]
    assert stats_c == {"newscrawl/feeds/comments_csv/rows": 2}
    assert stats_l == {"newscrawl/feeds/links_csv/rows": 1}


def test_an_article_without_comments_adds_no_row_and_no_count():
    data, stats = export(CommentsCsvExporter, [Article(article_id="d" * 32)])
    assert read_csv(data) == [list(CommentsCsvExporter.columns)]
    assert stats == {}


def test_null_is_an_empty_cell_and_lists_are_compact_json_in_csv():
    article = Article(
        outlet_partners=["Media Services"],
        images=[Image(url="https://i/1.jpg", caption='Légende, "citée"')],
        comment_count=None,
    )
    data, _ = export(ArticlesCsvExporter, [article])
    header, row = read_csv(data)
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == "" and cells["comment_count"] == ""
    assert cells["outlet_partners"] == '["Media Services"]'
    assert cells["authors"] == "[]"
    assert json.loads(cells["images"]) == [
        {
            "url": "https://i/1.jpg",
            "caption": 'Légende, "citée"',
            "credit_raw": None,
            "credit_agency": None,
            "credit_photographer": None,
        }
    ]
    assert '", "' not in cells["images"] and "\\u" not in cells["images"]


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_formula_cells_are_inert_in_csv_only(prefix):
    text = prefix + "SUM(1+1)*cmd|' /C calc'!A0"
    article = Article(
        title=text,
        authors=[text],
        comments=[Comment(position=1, author=text, text=text)],
        related=[RelatedArticle(position=1, title=text, teaser=text)],
    )
    articles, _ = export(ArticlesCsvExporter, [article])
    comments, _ = export(CommentsCsvExporter, [article])
    links, _ = export(LinksCsvExporter, [article])
    header, row = read_csv(articles)
    assert dict(zip(header, row, strict=True))["title"] == "'" + text
    assert read_csv(comments)[1][3:] == ["'" + text, "", "", "'" + text]
    link = dict(zip(read_csv(links)[0], read_csv(links)[1], strict=True))
    assert link["title"] == link["teaser"] == "'" + text
    for data in (articles, comments, links):
        for cells in read_csv(data):
            assert not any(cell.startswith(tuple(FORMULA_PREFIXES)) for cell in cells)

    jsonl, _ = export(JsonLinesExporter, [article], encoding="utf-8")
    record = json.loads(jsonl)
    assert record["title"] == text and record["authors"] == [text]
    assert record["comments"][0]["text"] == text


def test_safe_text_is_left_alone_in_csv():
    text = "Le CAC 40 gagne 1,2 % = record ?"
    data, _ = export(ArticlesCsvExporter, [Article(title=text)])
    header, row = read_csv(data)
    assert dict(zip(header, row, strict=True))["title"] == text


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_round_trips_through_csv_and_json(text):
    article = Article(title=text, body=text, comments=[Comment(position=1, text=text)])
    data, _ = export(ArticlesCsvExporter, [article])
    header, row = read_csv(data)
    cells = dict(zip(header, row, strict=True))
    assert cells["title"] == cells["body"] == (text or "")
    assert json.loads(cells["comments"])[0]["text"] == text
    assert data.endswith(b"\r\n")

    for exporter_cls in (JsonLinesExporter, JsonExporter):
        data, _ = export(exporter_cls, [article, article], encoding="utf-8")
        records = (
            [json.loads(line) for line in data.decode("utf-8").splitlines()]
            if exporter_cls is JsonLinesExporter
            else json.loads(data)
        )
        assert [r["title"] for r in records] == [text, text]
        assert records[0]["comments"][0]["text"] == text


def test_json_lines_survive_any_line_splitting_and_keep_utf8():
    text = "a\u2028b\u2029c\x85d 📈 é"
    data, stats = export(JsonLinesExporter, [Article(title=text)] * 3, encoding="utf-8")
    lines = data.decode("utf-8").splitlines()
    assert len(lines) == 3
    assert all(json.loads(line)["title"] == text for line in lines)
    assert "📈 é".encode() in data
    assert stats == {"newscrawl/feeds/jsonlines/rows": 3}


def test_json_keeps_null_and_empty_lists():
    data, stats = export(JsonExporter, [Article()], encoding="utf-8")
    (record,) = json.loads(data)
    assert record["title"] is None and record["comments"] == [] and record["version"] == 1
    assert list(record) == [f.name for f in dataclasses.fields(Article)]
    assert stats == {"newscrawl/feeds/json/rows": 1}


def test_french_spreadsheet_style_uses_semicolons_and_a_bom():
    article = make_article(2)
    data, _ = export(ArticlesCsvExporter, [article], csv_style="excel-fr")
    assert data.startswith(b"\xef\xbb\xbfurl;article_id;")
    text = data.decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["lead"] == "'-2,5 % sur la séance"
    assert json.loads(cells["authors"]) == ["Yurii Kovalenko", "-2,5 % sur la séance"]


def test_unknown_csv_style_is_refused():
    with pytest.raises(ValueError, match="excel-fr"):
        ArticlesCsvExporter(io.BytesIO(), csv_style="excel-de")


def test_appending_to_a_table_adds_rows_without_a_second_header_or_bom():
    file = io.BytesIO()
    export(ArticlesCsvExporter, [make_article(1)], file=file, csv_style="excel-fr")
    export(ArticlesCsvExporter, [make_article(2)], file=file, csv_style="excel-fr")
    data = file.getvalue()
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in rows].count("url") == 1
    assert len(rows) == 3


def test_an_item_that_cannot_be_written_writes_nothing():
    class Odd:
        pass

    file = io.BytesIO()
    exporter = ArticlesCsvExporter(file)
    exporter.start_exporting()
    before = file.getvalue()
    with pytest.raises(TypeError):
        exporter.export_item(Article(title="ok", authors=[Odd()]))
    assert file.getvalue() == before


CONTROLS = [
    chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
]


@pytest.mark.parametrize(
    "control", [c for c in CONTROLS if c != "\x85"], ids=lambda c: f"U+{ord(c):04X}"
)
def test_control_characters_are_removed_from_csv_cells_only(control):
    text = f"avant{control}après"
    article = Article(
        title=text,
        authors=[text],
        comments=[Comment(position=1, text=control + "=1+1")],
        related=[RelatedArticle(position=1, teaser=text)],
    )
    articles, _ = export(ArticlesCsvExporter, [article])
    comments, _ = export(CommentsCsvExporter, [article])
    links, _ = export(LinksCsvExporter, [article])
    for data in (articles, comments, links):
        assert control.encode("utf-8") not in data
    cells = dict(zip(*read_csv(articles), strict=True))
    assert cells["title"] == "avantaprès"
    # Lists are JSON in one cell: still valid JSON, with no raw control character.
    assert json.loads(cells["authors"])[0] in (text, "avantaprès")
    # Removing a control character must not uncover a formula.
    assert read_csv(comments)[1][6] == "'=1+1"
    jsonl, _ = export(JsonLinesExporter, [article], encoding="utf-8")
    assert json.loads(jsonl)["title"] == text


def test_tab_line_breaks_and_carriage_returns_stay_in_csv_text():
    text = "a\tb\nc\r\nd\re\x85f"
    data, _ = export(ArticlesCsvExporter, [Article(title=text)])
    assert dict(zip(*read_csv(data), strict=True))["title"] == text


def test_a_lone_surrogate_cannot_fail_a_record_in_any_exporter():
    # The normalisers remove them; an item that skipped them (a user pipeline) still writes.
    text = "Le CAC 40 \ud83d en hausse"
    article = Article(title=text, comments=[Comment(position=1, text=text)])
    for exporter_cls in (ArticlesCsvExporter, CommentsCsvExporter):
        data, stats = export(exporter_cls, [article])
        assert "Le CAC 40 \ufffd en hausse" in data.decode("utf-8")
        assert sum(stats.values()) == 1
    data, _ = export(JsonLinesExporter, [article], encoding="utf-8")
    assert json.loads(data)["title"] == "Le CAC 40 \ufffd en hausse"


def test_the_feeds_exporting_an_item_together_convert_it_once_and_never_reuse_it(monkeypatch):
    from newscrawl import plain
    from newscrawl.corpus.records import as_record

    calls = []
    real = plain.as_plain

    def counting(item):
        calls.append(item)
        return real(item)

    monkeypatch.setattr(plain, "as_plain", counting)
    item = make_article(1)
    outputs = {cls: io.BytesIO() for cls in (JsonLinesExporter, ArticlesCsvExporter)}

    async def crawl_turns():
        for cls, file in outputs.items():
            cls(file).export_item(item)  # one item_scraped: every feed in one go
        # The monitors and the corpus store read the same conversion in that turn.
        assert plain.shared_plain(item) is as_record(item)
        assert len(calls) == 1
        await asyncio.sleep(0)  # the next turn of the loop: the item may have changed
        item.title = "Titre corrigé"
        for cls, file in outputs.items():
            cls(file).export_item(item)

    asyncio.run(crawl_turns())
    assert len(calls) == 2
    assert b"Titre corrig" in outputs[JsonLinesExporter].getvalue()
    assert b"Titre corrig" in outputs[ArticlesCsvExporter].getvalue()
    # Outside a running loop nothing is shared: each export converts.
    JsonLinesExporter(io.BytesIO()).export_item(item)
    JsonLinesExporter(io.BytesIO()).export_item(item)
    assert len(calls) == 4


CSV_CELL_PIECES = ['"', ",", ";", "\n", "\r", "\r\n", " ", "'", "é", "📈", "\u2028", "a", "0", "\t"]
CSV_CELLS = ["", '""', " ", "\r", "\n", '"', ",", ";", "a,b", 'il dit "oui"']
CSV_CELLS += [0, -1, 1.5, 1e16, 2**70]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_lines_are_the_bytes_of_pythons_csv_writer(delimiter):
    import random

    rng = random.Random(1404)
    rows = [[cell] for cell in CSV_CELLS] + [CSV_CELLS, ["", ""], [""] * 7]
    for _ in range(3000):
        rows.append(
            [
                "".join(rng.choice(CSV_CELL_PIECES) for _ in range(rng.randrange(0, 6)))
                if rng.random() < 0.9
                else rng.choice(CSV_CELLS)
                for _ in range(rng.randrange(1, 8))
            ]
        )
    for row in rows:
        expected = io.StringIO()
        csv.writer(expected, delimiter=delimiter, lineterminator="\r\n").writerow(row)
        assert csv_line(row, delimiter) == expected.getvalue(), row


CELL_VALUES = [None, True, False, 0, -3, 1.5, "", "=1+1", "-2", "@a", "\tx", "\rx", "+"]
CELL_VALUES += ["\x01=evil", "a\x00b", "ok\x7f", "\x85NEL", "x\x9f", "€ à é", "\u2028"]
CELL_VALUES += [["a", "\x01b"], {"k": "=v"}, [], {}, ["\x7f"], [1, None, True]]


def test_the_cells_of_an_items_rows_are_the_cells_of_to_cell_one_by_one():
    """``to_rows`` looks for control characters once per item: the same cells as ever."""
    import random

    from newscrawl.feeds.exporters import to_cell, to_rows

    rng = random.Random(2025)
    for _ in range(3000):
        rows = [
            [rng.choice(CELL_VALUES) for _ in range(rng.randrange(0, 6))]
            for _ in range(rng.randrange(0, 4))
        ]
        # Mostly rows without a control character, as real items are.
        if rng.random() < 0.5:
            rows = [[v for v in row if v not in CELL_VALUES[13:19]] for row in rows]
        assert to_rows(rows) == [[to_cell(v) for v in row] for row in rows], rows
