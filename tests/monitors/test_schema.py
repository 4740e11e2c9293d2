"""The output contract's JSON Schema: fixtures valid, wrong ones counted by field and kind."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict

import pytest

from newscrawl.items import Article, Comment, Image, RelatedArticle
from newscrawl.monitors import RecordsTally, article_schema, validate_record
from newscrawl.monitors.schema import _validator, is_valid
from tests.monitors.support import fixture_record_paths, fixture_records


def test_the_fixtures_are_found():
    assert len(fixture_record_paths()) >= 19


@pytest.mark.parametrize("path", fixture_record_paths(), ids=lambda p: p.parent.name)
def test_every_fixture_record_is_valid(path):
    record = json.loads(path.read_text(encoding="utf-8"))
    assert validate_record(record) == []


def test_the_schema_names_every_field_of_the_items():
    schema = article_schema()
    assert set(schema["properties"]) == set(asdict(Article()))
    assert set(schema["required"]) == set(asdict(Article()))
    nested = {"image": Image, "comment": Comment, "related": RelatedArticle}
    for name, item in nested.items():
        assert set(schema["$defs"][name]["properties"]) == set(asdict(item()))


def _stats(record) -> list[str]:
    return [error.stat for error in validate_record(record)]


@pytest.mark.parametrize(
    ("change", "stat"),
    [
        (lambda r: r.update(comment_count="8"), "newscrawl/validation/comment_count/wrong_type"),
        (lambda r: r.update(title=""), "newscrawl/validation/title/empty"),
        (lambda r: r.pop("lead"), "newscrawl/validation/lead/missing"),
        (lambda r: r.update(extra=1), "newscrawl/validation/extra/unexpected"),
        (lambda r: r.update(published="21/10/2024"), "newscrawl/validation/published/bad_format"),
        (lambda r: r.update(version=0), "newscrawl/validation/version/out_of_range"),
        (lambda r: r.update(authors=[""]), "newscrawl/validation/authors[]/empty"),
        (
            lambda r: r["comments"][0].update(published="hier"),
            "newscrawl/validation/comments[].published/bad_format",
        ),
        (
            lambda r: r["related"][0].update(position="1"),
            "newscrawl/validation/related[].position/wrong_type",
        ),
        (
            lambda r: r["images"][0].pop("caption"),
            "newscrawl/validation/images[].caption/missing",
        ),
    ],
)
def test_each_break_is_named_by_field_and_kind(change, stat):
    record = copy.deepcopy(_seed())
    change(record)
    assert _stats(record) == [stat]
    assert not is_valid(record)


# Breaks the fast check must refuse as jsonschema does: a record it passes is never checked
# again, so it may not be more lenient (stricter only costs the slow walk).
FAST_CHECK_BREAKS = [
    lambda r: r.update(comment_count=True),
    lambda r: r.update(comment_count=-1),
    lambda r: r.update(version=1.5),
    lambda r: r.update(authors="Reuters"),
    lambda r: r.update(authors=[None]),
    lambda r: r.update(body=[1]),
    lambda r: r.update(url="/relative"),
    lambda r: r.update(article_id="xyz"),
    lambda r: r.update(fetched_at="2024-10-21T15:00:00+02:00"),
    lambda r: r.update(updated="2024-10-21 15:00"),
    lambda r: r.update(comments={}),
    lambda r: r.update(images=[{}]),
    lambda r: r["comments"][0].update(extra=1),
    lambda r: r["comments"][0].update(position=0),
    lambda r: r["related"][0].update(url=None, title=""),
    lambda r: r.update(site=None),
    lambda r: r.clear(),
]


@pytest.mark.parametrize("change", FAST_CHECK_BREAKS)
def test_the_fast_check_refuses_what_jsonschema_refuses(change):
    record = copy.deepcopy(_seed())
    change(record)
    slow_errors = list(_validator().iter_errors(record))
    assert slow_errors, "not a break: the case tests nothing"
    assert not is_valid(record)
    assert validate_record(record) != []


@pytest.mark.parametrize("path", fixture_record_paths(), ids=lambda p: p.parent.name)
def test_the_fast_check_passes_every_fixture(path):
    assert is_valid(json.loads(path.read_text(encoding="utf-8")))


def test_two_missing_fields_are_two_errors():
    record = copy.deepcopy(_seed())
    del record["lead"], record["body"]
    assert _stats(record) == [
        "newscrawl/validation/body/missing",
        "newscrawl/validation/lead/missing",
    ]


def test_a_wrong_type_is_counted_and_the_record_kept():
    records = fixture_records()
    broken = copy.deepcopy(_seed())
    broken["comment_count"] = "8 commentaires"
    tally = RecordsTally()
    for record in [*records, broken]:
        tally.add(record)
    assert tally.records == len(records) + 1  # counted, not dropped
    assert tally.invalid_records == 1
    assert tally.validation_errors == {"newscrawl/validation/comment_count/wrong_type": 1}


def _seed() -> dict:
    [seed] = [r for r in fixture_records() if r["images"] and r["comments"] and r["related"]][:1]
    return seed


def test_a_value_no_json_holds_is_a_wrong_type_not_a_crash():
    from datetime import datetime

    record = copy.deepcopy(_seed())
    record["published"] = datetime(2024, 10, 21, 15, 0)  # a user pipeline's leftover
    record["comments"][0]["text"] = {"not": "text"}
    assert not is_valid(record)
    assert _stats(record) == [
        "newscrawl/validation/comments[].text/wrong_type",
        "newscrawl/validation/published/wrong_type",
    ]
