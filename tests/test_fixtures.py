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
