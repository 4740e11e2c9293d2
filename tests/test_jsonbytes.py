"""compact_utf8 must be json.dumps's bytes exactly: stored fingerprints and record hashes
are digests of them, and a changed byte would make every stored article look changed."""

from __future__ import annotations

import enum
import json
import random

import pytest

from newscrawl.jsonbytes import compact_text, compact_utf8, loads


def stdlib(value, sort_keys=False) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
    return text.encode("utf-8")


def test_every_code_point_is_written_as_json_writes_it():
    points = [p for p in range(0x110000) if not 0xD800 <= p <= 0xDFFF]
    for start in range(0, len(points), 512):
        text = "".join(chr(p) for p in points[start : start + 512])
        for value in (text, {text: text}, [text, text[::-1]]):
            assert compact_utf8(value) == stdlib(value)


class Colour(enum.StrEnum):
    RED = "red"


# What orjson would write differently or refuse: json's way is kept for each.
ODD_VALUES = [
    1e16,
    1e-7,
    0.1,
    float("nan"),
    float("inf"),
    -0.0,
    2**63,
    -(2**63) - 1,
    2**64,
    {1: "int key"},
    {None: "null key"},
    Colour.RED,
    {"nested": [1, {"deep": 2.5}]},
    ("a", ("b", 1)),
    True,
    None,
    [],
    {},
    "",
    2**63 - 1,
    -(2**63),
]


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
@pytest.mark.parametrize("sort_keys", [False, True])
def test_values_orjson_spells_otherwise_are_written_by_json(value, sort_keys):
    assert compact_utf8(value, sort_keys=sort_keys) == stdlib(value, sort_keys=sort_keys)


def _random_value(rng: random.Random, depth: int = 0):
    pieces = ["a", "é", '"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "📈", "\uffff", " "]
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 6)))
    if roll < 0.5:
        return rng.choice([0, -1, 2**62, True, False, None, rng.randrange(-1000, 1000)])
    if roll < 0.75:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {
        "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 4))): _random_value(
            rng, depth + 1
        )
        for _ in range(rng.randrange(0, 4))
    }


@pytest.mark.parametrize("sort_keys", [False, True])
def test_random_records_are_written_as_json_writes_them(sort_keys):
    rng = random.Random(14)
    for _ in range(3000):
        value = _random_value(rng)
        assert compact_utf8(value, sort_keys=sort_keys) == stdlib(value, sort_keys=sort_keys)


def test_a_lone_surrogate_fails_as_the_encoded_json_always_did():
    with pytest.raises(UnicodeEncodeError):
        compact_utf8({"title": "emoji \ud83d"})


def test_loads_reads_what_orjson_refuses_as_json_does():
    for text in ('{"a": NaN}', "[18446744073709551616]", '{"é": [1, "x"]}'):
        assert repr(loads(text)) == repr(json.loads(text))


def test_a_plain_record_is_written_by_orjson_not_by_json(monkeypatch):
    """The speed is the point: a record of the contract's kinds never reaches json.dumps."""
    from newscrawl import jsonbytes

    record = {"title": "Titre é", "comment_count": 3, "authors": ["A", None], "ok": True}
    expected = stdlib(record, sort_keys=True)

    def refuse(*args, **kwargs):
        raise AssertionError("json.dumps was called")

    monkeypatch.setattr(jsonbytes.json, "dumps", refuse)
    assert compact_utf8(record, sort_keys=True) == expected


@pytest.mark.parametrize("sort_keys", [False, True])
def test_compact_text_is_jsons_text_surrogates_and_default_hook_included(sort_keys):
    rng = random.Random(15)
    values = [_random_value(rng) for _ in range(1000)] + ODD_VALUES
    values += [{"title": "emoji \ud83d"}, ["\udfff", 1]]
    for value in values:
        expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
        assert compact_text(value, sort_keys=sort_keys) == expected
    hook = {"item": Colour.RED, "other": object}
    assert compact_text(hook, default=repr) == json.dumps(
        hook, ensure_ascii=False, separators=(",", ":"), default=repr
    )
