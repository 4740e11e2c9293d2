"""Lone surrogates (a JSON-LD "\\ud83d" escape without its pair) are cleaned at the root."""

from __future__ import annotations

import pytest

from newscrawl.normalize.text import clean_inline, clean_text, without_lone_surrogates

CASES = [
    ("Le CAC 40 \ud83d en hausse", "Le CAC 40 \ufffd en hausse"),
    ("\udc00", "\ufffd"),
    ("fin \ud83d", "fin \ufffd"),
    ("\ude00\ud83d", "\ufffd\ufffd"),  # wrong order: not a pair
    ("pair \ud83d\ude00 joined", "pair \U0001f600 joined"),
    ("déjà 📈 valide", "déjà 📈 valide"),
]


@pytest.mark.parametrize(("raw", "clean"), CASES)
def test_lone_surrogates_become_the_replacement_character(raw, clean):
    assert without_lone_surrogates(raw) == clean
    assert clean_text(raw) == clean
    assert clean_inline(raw) == clean
    clean.encode("utf-8")  # every result can be written


def test_a_field_that_was_only_a_surrogate_is_kept_as_a_visible_mark():
    # Not null: the page had something there, and the mark says so.
    assert clean_text("\ud83d") == "\ufffd"
