"""Every saved page in tests/fixtures/boursorama/<case>/ against its hand-written record.

A case is a folder: ``page.html`` (a page written from the site notes), ``meta.json``
(``url``, ``fetched_at``, ``about``) and ``expected.json`` (the final record, every contract
field, written by hand from the output contract). Adding a case is adding a folder.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from newscrawl.items import Article
from newscrawl.sites.boursorama import parse_article

CASES_DIR = Path(__file__).parent / "fixtures" / "boursorama"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "page.html").is_file())
CONTRACT_FIELDS = [f.name for f in dataclasses.fields(Article)]

# Fields the parser fills as printed, before any normaliser: checked on their own so a
# parser regression shows even while a normaliser is failing.
RAW_FIELDS = ("url", "article_id", "section", "title", "outlet_raw", "published_raw")
RAW_COMMENT_FIELDS = ("position", "author", "published_raw", "text")
RAW_RELATED_FIELDS = ("position", "url", "article_id", "title", "outlet_raw", "published_raw")


def load_case(name: str) -> tuple[str, dict, dict]:
    folder = CASES_DIR / name
    page = (folder / "page.html").read_bytes().decode("utf-8", errors="replace")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return page, meta, expected


def differences(expected, actual, path: str = "") -> list[str]:
    """One readable line per differing leaf: ``related[2].teaser: expected ... got ...``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                lines.append(f"{where}: missing from the record")
            elif key not in expected:
                lines.append(f"{where}: not in expected.json (got {actual[key]!r})")
            else:
                lines += differences(expected[key], actual[key], where)
        return lines
    if isinstance(expected, list) and isinstance(actual, list):
        lines = []
        if len(expected) != len(actual):
            lines.append(f"{path}: {len(expected)} expected, {len(actual)} found")
        for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
            lines += differences(want, got, f"{path}[{index}]")
        return lines
    if expected != actual:
        return [f"{path}:\n    expected {expected!r}\n    got      {actual!r}"]
    return []


def assert_same(expected, actual) -> None:
    lines = differences(expected, actual)
    assert not lines, "\n".join(lines)


@pytest.mark.parametrize("case", CASES)
def test_case_is_complete(case):
    """Each expected record names every contract field and matches its own meta."""
    _, meta, expected = load_case(case)
    assert list(expected) == CONTRACT_FIELDS
    assert expected["url"] == meta["url"]
    assert expected["fetched_at"] == meta["fetched_at"]


@pytest.mark.parametrize("case", CASES)
def test_parser_raw_fields(case):
    """The as-printed fields, straight from the parser (no normaliser involved)."""
    page, meta, expected = load_case(case)
    article = parse_article(page, meta["url"])
    record = dataclasses.asdict(article)
    assert_same(
        {
            **{name: expected[name] for name in RAW_FIELDS},
            "updated_raw": expected["updated_raw"],
            "subheadings": expected["subheadings"],
            "image_urls": [image["url"] for image in expected["images"]],
            "comment_count": expected["comment_count"],
            "comments": [{k: c[k] for k in RAW_COMMENT_FIELDS} for c in expected["comments"]],
            "related": [{k: r[k] for k in RAW_RELATED_FIELDS} for r in expected["related"]],
        },
        {
            **{name: record[name] for name in RAW_FIELDS},
            "updated_raw": record["updated_raw"],
            "subheadings": record["subheadings"],
            "image_urls": [image["url"] for image in record["images"]],
            "comment_count": record["comment_count"],
            "comments": [{k: c[k] for k in RAW_COMMENT_FIELDS} for c in record["comments"]],
            "related": [{k: r[k] for k in RAW_RELATED_FIELDS} for r in record["related"]],
        },
    )


@pytest.mark.parametrize("case", CASES)
def test_final_record(case):
    """Parser + normalisers give exactly the hand-written record."""
    from newscrawl.normalize.article import normalize_article

    page, meta, expected = load_case(case)
    article = parse_article(page, meta["url"])
    article.fetched_at = meta["fetched_at"]
    problems = normalize_article(article)
    assert_same(expected, dataclasses.asdict(article))
    # Every date on these pages is readable, except those a case lists as unreadable.
    unreadable = [p.value for p in problems if p.kind.startswith("dates/")]
    assert unreadable == meta.get("unreadable_dates", [])


def test_every_case_folder_is_a_case():
    """A folder without page.html, meta.json or expected.json would be skipped silently."""
    folders = sorted(p.name for p in CASES_DIR.iterdir() if p.is_dir())
    for folder in folders:
        for part in ("page.html", "meta.json", "expected.json"):
            assert (CASES_DIR / folder / part).is_file(), f"{folder}/{part} is missing"
    assert len(folders) >= 14


# --- Fallback chains on minimal pages ------------------------------------------------------
# Each row: what the page lacks or shows differently, the page, the field, the value.
URL = "https://www.boursorama.com/bourse/actualites/un-titre-" + "c" * 32
DETAIL = '<div class="c-news-detail">{}</div>'
JSON_LD = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Titre JSON-LD",'
    ' "datePublished": "2024-02-01T10:00:00+01:00", "author": [{"name": "AOF"}]}</script>'
)
FALLBACKS = [
    (
        "title: h1 span",
        DETAIL.format('<h1 class="c-title-big"><span>Titre</span></h1>'),
        "title",
        "Titre",
    ),
    (
        "title: h1 own text, source div and its spans left out",
        DETAIL.format(
            '<h1 class="c-title-big">Titre <em>seul</em><div><strong>AFP</strong>'
            "<span>01/02/2024 à 10:00</span></div></h1>"
        ),
        "title",
        "Titre seul",
    ),
    ("title: JSON-LD headline", JSON_LD + DETAIL.format("<h1></h1>"), "title", "Titre JSON-LD"),
    (
        "title: og:title",
        '<meta property="og:title" content="Titre OG">' + DETAIL.format("<h1> </h1>"),
        "title",
        "Titre OG",
    ),
    (
        "title: <title> without the site suffix",
        "<title>Titre de page - Boursorama</title>" + DETAIL.format("<p>x</p>"),
        "title",
        "Titre de page",
    ),
    (
        "provider: plain source text without <strong>",
        DETAIL.format(
            '<div class="c-source c-news-detail__source">information fournie par AFP '
            '<span class="c-source__time">01/02/2024 à 10:00</span></div>'
        ),
        "outlet_raw",
        "AFP",
    ),
    ("provider: JSON-LD author", JSON_LD + DETAIL.format("<h1>T</h1>"), "outlet_raw", "AOF"),
    (
        "date: unclassed span, the comment counter beside it is not a date",
        DETAIL.format(
            '<h1>T</h1><div class="c-news-detail__source"><strong>AFP</strong>'
            '<span class="c-source__comments"><span class="c-comments-count__number">8</span>'
            "</span><span>01/02/2024 à 10:00</span></div>"
        ),
        "published_raw",
        "01/02/2024 à 10:00",
    ),
    (
        "date: JSON-LD datePublished",
        JSON_LD + DETAIL.format("<h1>T</h1>"),
        "published_raw",
        "2024-02-01T10:00:00+01:00",
    ),
    (
        "date: article:published_time meta",
        '<meta property="article:published_time" content="2024-02-01T10:00:00+01:00">'
        + DETAIL.format("<h1>T</h1>"),
        "published_raw",
        "2024-02-01T10:00:00+01:00",
    ),
    (
        "update line outside the source block",
        DETAIL.format(
            '<h1>T</h1><p class="c-news-detail__update">Mis à jour le 01/02/2024 à 12:00</p>'
        ),
        "updated_raw",
        "Mis à jour le 01/02/2024 à 12:00",
    ),
    (
        "count: one comment",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><span class="c-heading__text">1 commentaire</span></div>',
        "comment_count",
        1,
    ),
    (
        "count: thousands with a narrow nbsp",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><h2>1\u202f234 commentaires</h2></div>',
        "comment_count",
        1234,
    ),
    (
        "count: block without a count",
        DETAIL.format("<h1>T</h1>") + '<div class="c-comment c-comment--full"></div>',
        "comment_count",
        None,
    ),
    ("count: no block", DETAIL.format("<h1>T</h1>"), "comment_count", None),
    (
        "comment author: profile button title only",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><div class="c-message"><button data-popover-url="x" '
        'title="Afficher les informations du compte Lynx_75"></button>'
        '<p class="c-message__text">ok</p></div></div>',
        "comments",
        [
            {
                "position": 1,
                "author": "Lynx_75",
                "published": None,
                "published_raw": None,
                "text": "ok",
            }
        ],
    ),
    (
        "comments: a reply nested in a message is its own comment, in page order",
        DETAIL.format("<h1>T</h1>") + '<div class="c-comment--full"><div class="c-message">'
        '<div class="c-source"><button class="c-source__username">A</button>'
        '<span class="c-source__time">2 mai</span><span class="c-source__time">10:00</span></div>'
        '<p class="c-message__text">question</p>'
        '<div class="c-message"><div class="c-source"><button class="c-source__username">B'
        '</button><span class="c-source__time">2 mai 11:00</span></div>'
        '<p class="c-message__text">réponse</p></div></div></div>',
        "comments",
        [
            {
                "position": 1,
                "author": "A",
                "published": None,
                "published_raw": "2 mai 10:00",
                "text": "question",
            },
            {
                "position": 2,
                "author": "B",
                "published": None,
                "published_raw": "2 mai 11:00",
                "text": "réponse",
            },
        ],
    ),
    (
        "related: heading 'À LIRE AUSSI' over plain list items, no site classes",
        DETAIL.format("<h1>T</h1>")
        + '<section><h3>À LIRE AUSSI</h3><ul><li><a href="/bourse/actualites/autre-'
        + "d" * 32
        + '">Autre</a></li></ul></section>',
        "related",
        [
            {
                "position": 1,
                "url": "https://www.boursorama.com/bourse/actualites/autre-" + "d" * 32,
                "article_id": "d" * 32,
                "title": "Autre",
                "outlet": None,
                "outlet_raw": None,
                "published": None,
                "published_raw": None,
                "teaser": None,
            }
        ],
    ),
    (
        "related: an 'A lire aussi' block with no article link is not taken from the page",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-rebound"><h2>A lire aussi</h2></div>'
        + '<ul class="c-nav"><li><a href="/cours/1rPCS/">Axa</a></li></ul>',
        "related",
        [],
    ),
]


@pytest.mark.parametrize(
    ("page", "field", "value"),
    [row[1:] for row in FALLBACKS],
    ids=[row[0] for row in FALLBACKS],
)
def test_fallback_chain(page, field, value):
    record = dataclasses.asdict(parse_article(f"<html><head></head><body>{page}", URL))
    assert record[field] == value


# --- Nothing raises ------------------------------------------------------------------------
ODD_PAGES = [
    b"",
    "",
    "<",
    "<html><body></body></html>",
    b"\xff\xfe\x00<\x00h\x00t",
    "<?xml version='1.0'?><rss><channel><item>x</item></channel></rss>",
    '<div class="c-news-detail"><h1 class="c-title-big"><span>',
    "<html>" + "<div>" * 3000 + "profond",
    # Nesting deeper than Python's recursion limit, in the body and in the JSON-LD.
    '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    '<div class="c-news-detail"><h1>T</h1><article class="c-news-detail__content">'
    + "<div>" * 5000
    + "profond",
]


@pytest.mark.parametrize("page", ODD_PAGES, ids=range(len(ODD_PAGES)))
def test_odd_pages_give_an_article_not_an_error(page):
    article = parse_article(page, URL)
    assert article.url == URL
    assert article.article_id == "c" * 32


@pytest.mark.parametrize("case", CASES)
def test_truncated_anywhere_still_parses(case):
    """A page cut at any point (a dropped connection) gives a record, never an exception."""
    page, meta, _ = load_case(case)
    whole = parse_article(page, meta["url"])
    for eighth in range(1, 8):
        cut = parse_article(page[: len(page) * eighth // 8], meta["url"])
        assert cut.url == meta["url"]
        # Text can only be lost by cutting, never invented.
        assert len(cut.comments) <= len(whole.comments)
        assert len(cut.related) <= len(whole.related)
