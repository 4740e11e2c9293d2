"""Listing pages and URL rules of the Boursorama parser, as data.

Each folder of tests/fixtures/listings/ holds ``page.html`` (written from the saved 2020
listings' markup), ``meta.json`` (``url``, ``about``) and ``expected.json`` (entries,
next_page, article_urls, written by hand).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from newscrawl.sites.boursorama import (
    article_id_from_url,
    decode_data_rel,
    is_article_url,
    is_listing_url,
    parse_listing,
    section_from_url,
)
from tests.test_fixtures import assert_same

LISTINGS_DIR = Path(__file__).parent / "fixtures" / "listings"
LISTING_CASES = sorted(p.name for p in LISTINGS_DIR.iterdir() if (p / "page.html").is_file())


def load_listing(name: str) -> tuple[bytes, dict, dict]:
    folder = LISTINGS_DIR / name
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "page.html").read_bytes(), meta, expected


@pytest.mark.parametrize("case", LISTING_CASES)
def test_listing_page(case):
    page, meta, expected = load_listing(case)
    listing = parse_listing(page, meta["url"])
    assert_same(
        expected,
        {
            "next_page": listing.next_page,
            "entries": [dataclasses.asdict(entry) for entry in listing.entries],
            "article_urls": listing.article_urls,
        },
    )


def test_listing_cases_cover_both_forms_and_pagination():
    """The fixture set keeps a line listing, a card listing, a last page and data-rel links."""
    html = {case: load_listing(case)[0] for case in LISTING_CASES}
    assert any(b"c-list-news__line" in page for page in html.values())
    assert any(b"c-list-details-news__line" in page for page in html.values())
    assert any(b'rel="next"' in page for page in html.values())
    assert any(b"data-rel" in page for page in html.values())
    assert any(load_listing(case)[2]["next_page"] is None for case in LISTING_CASES)


def test_listing_of_an_empty_or_foreign_page_is_empty():
    for page in ("", "<html><body><p>Erreur 503</p>", b"\xff\xfe garbage"):
        listing = parse_listing(page, "https://www.boursorama.com/bourse/actualites/")
        assert listing.entries == []
        assert listing.next_page is None
        assert listing.article_urls == []


HEX = "b0144d0747107a13b0144d0747107a13"

# url, article_id, is_article, is_listing, section
URLS = [
    (f"https://www.boursorama.com/bourse/actualites/le-cac-40-{HEX}", HEX, True, False, "bourse"),
    (
        f"https://www.boursorama.com/actualite-economique/actualites/guerre-{HEX}",
        HEX,
        True,
        False,
        "actualite-economique",
    ),
    (
        f"https://bourse.boursobank.com/patrimoine/actualites/x-{HEX}/",
        HEX,
        True,
        False,
        "patrimoine",
    ),
    (
        f"http://127.0.0.1:8123/videos/actualites/luxe-{HEX}?xtor=RSS#top",
        HEX,
        True,
        False,
        "videos",
    ),
    (f"https://www.boursorama.com/bourse/actualites/{HEX}", HEX, True, False, "bourse"),
    (f"https://www.boursorama.com/bourse/actualites/x-{HEX.upper()}", None, False, True, "bourse"),
    (f"https://www.boursorama.com/bourse/forum/1rPSWP/detail/{HEX}/", None, False, False, "bourse"),
    (f"https://www.boursorama.com/bourse/actualites/x-{HEX}0", None, False, True, "bourse"),
    ("https://www.boursorama.com/bourse/actualites/", None, False, True, "bourse"),
    ("https://www.boursorama.com/bourse/actualites/marches/page-3", None, False, True, "bourse"),
    ("https://www.boursorama.com/actualite-economique/", None, False, True, "actualite-economique"),
    (
        "https://www.boursorama.com/actualite-economique/page-2",
        None,
        False,
        True,
        "actualite-economique",
    ),
    ("https://www.boursorama.com/patrimoine/actualites/", None, False, True, "patrimoine"),
    ("https://www.boursorama.com/cours/actualites/1rPSWP/", None, False, True, "cours"),
    ("https://www.boursorama.com/cours/1rPSWP/", None, False, False, "cours"),
    ("https://www.boursorama.com/", None, False, False, None),
    ("", None, False, False, None),
]


@pytest.mark.parametrize(("url", "article_id", "is_article", "is_listing", "section"), URLS)
def test_url_rules(url, article_id, is_article, is_listing, section):
    assert article_id_from_url(url) == article_id
    assert is_article_url(url) is is_article
    assert is_listing_url(url) is is_listing
    assert section_from_url(url) == section


DATA_REL = [
    ("L2JvdXJzZS9hY3R1YWxpdGVzL21hcmNoZXMvcGFnZS0z", "/bourse/actualites/marches/page-3"),
    ("L2JvdXJzZS9hY3R1YWxpdGVzL21hcmNoZXMvcGFnZS0z\n", "/bourse/actualites/marches/page-3"),
    ("aHR0cHM6Ly93d3cuYm91cnNvcmFtYS5jb20v", "https://www.boursorama.com/"),
    ("//4=", None),  # bytes that are not UTF-8
    ("bm90IGEgdXJs", None),  # "not a url"
    ("%%%", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "target"), DATA_REL)
def test_decode_data_rel(value, target):
    assert decode_data_rel(value) == target
