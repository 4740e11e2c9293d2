"""Every site's saved pages against their hand-written records, for every registered site.

A case is a folder under ``tests/fixtures/<site>/articles/`` or ``.../listings/``:
``page.html`` (a page written from the site's markup), ``meta.json`` (``url``, for articles
``fetched_at``, ``about``) and ``expected.json`` (written by hand: for an article the final
record, every contract field, from the output contract; for a listing its entries,
next_page and article_urls). Adding a case is adding a folder; adding a site is adding its
package (``newscrawl/sites/<site>/``) and these folders.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from newscrawl import sites
from newscrawl.items import Article
from newscrawl.normalize.article import normalize_article

FIXTURES_DIR = Path(__file__).parent / "fixtures"
KINDS = ("articles", "listings")
CONTRACT_FIELDS = [f.name for f in dataclasses.fields(Article)]

# Fields the parser fills as printed, before any normaliser: checked on their own so a
# parser regression shows even while a normaliser is failing.
RAW_FIELDS = ("url", "article_id", "section", "title", "outlet_raw", "published_raw")
RAW_COMMENT_FIELDS = ("position", "author", "published_raw", "text")
RAW_RELATED_FIELDS = ("position", "url", "article_id", "title", "outlet_raw", "published_raw")


def case_folders(site: sites.Site, kind: str) -> list[Path]:
    folder = FIXTURES_DIR / site.name / kind
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if (p / "page.html").is_file())


def _cases(kind: str) -> list:
    return [
        pytest.param(site, folder, id=f"{site.name}/{folder.name}")
        for site in sites.all_sites()
        for folder in case_folders(site, kind)
    ]


ARTICLE_CASES = _cases("articles")
LISTING_CASES = _cases("listings")


def load_case(folder: Path) -> tuple[str, dict, dict]:
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


# --- articles --------------------------------------------------------------------------------


@pytest.mark.parametrize(("site", "folder"), ARTICLE_CASES)
def test_case_is_complete(site, folder):
    """Each expected record names every contract field and matches its own meta."""
    _, meta, expected = load_case(folder)
    assert list(expected) == CONTRACT_FIELDS
    assert expected["url"] == meta["url"]
    assert expected["fetched_at"] == meta["fetched_at"]


@pytest.mark.parametrize(("site", "folder"), ARTICLE_CASES)
def test_parser_raw_fields(site, folder):
    """The as-printed fields, straight from the parser (no normaliser involved)."""
    page, meta, expected = load_case(folder)
    article = site.parse_article(page, meta["url"])
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


@pytest.mark.parametrize(("site", "folder"), ARTICLE_CASES)
def test_final_record(site, folder):
    """Parser + normalisers give exactly the hand-written record."""
    page, meta, expected = load_case(folder)
    article = site.parse_article(page, meta["url"])
    article.fetched_at = meta["fetched_at"]
    problems = normalize_article(article)
    assert_same(expected, dataclasses.asdict(article))
    # Every date on these pages is readable, except those a case lists as unreadable.
    unreadable = [p.value for p in problems if p.kind.startswith("dates/")]
    assert unreadable == meta.get("unreadable_dates", [])


@pytest.mark.parametrize(("site", "folder"), ARTICLE_CASES)
def test_truncated_anywhere_still_parses(site, folder):
    """A page cut at any point (a dropped connection) gives a record, never an exception."""
    page, meta, _ = load_case(folder)
    whole = site.parse_article(page, meta["url"])
    for eighth in range(1, 8):
        cut = site.parse_article(page[: len(page) * eighth // 8], meta["url"])
        assert cut.url == meta["url"]
        # Text can only be lost by cutting, never invented.
        assert len(cut.comments) <= len(whole.comments)
        assert len(cut.related) <= len(whole.related)


# --- listings --------------------------------------------------------------------------------


@pytest.mark.parametrize(("site", "folder"), LISTING_CASES)
def test_listing_page(site, folder):
    _, meta, expected = load_case(folder)
    listing = site.parse_listing((folder / "page.html").read_bytes(), meta["url"])
    assert_same(
        expected,
        {
            "next_page": listing.next_page,
            "entries": [dataclasses.asdict(entry) for entry in listing.entries],
            "article_urls": listing.article_urls,
        },
    )


# --- the case folders themselves ---------------------------------------------------------------


@pytest.mark.parametrize("site", sites.all_sites(), ids=lambda site: site.name)
def test_every_case_folder_is_a_case(site):
    """A folder without page.html, meta.json or expected.json would be skipped silently."""
    for kind in KINDS:
        root = FIXTURES_DIR / site.name / kind
        folders = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        # A registered site without saved pages of both kinds would go untested.
        assert folders, f"tests/fixtures/{site.name}/{kind}/ has no case"
        for folder in folders:
            for part in ("page.html", "meta.json", "expected.json"):
                assert (root / folder / part).is_file(), f"{kind}/{folder}/{part} is missing"


def test_the_article_cases_are_many():
    folders = [folder for site in sites.all_sites() for folder in case_folders(site, "articles")]
    assert len(folders) >= 14


def test_no_fixture_folder_without_its_site():
    """A fixture folder named after no registered site would never run."""
    names = {site.name for site in sites.all_sites()}
    assert {p.name for p in FIXTURES_DIR.iterdir() if p.is_dir()} <= names
