"""Text clean-up: one table, the already-clean fast path included."""

from __future__ import annotations

import pytest

from newscrawl.normalize.text import clean_inline, clean_text

CLEAN_TEXT_ROWS = [
    # (raw, cleaned)
    (None, None),
    ("", None),
    ("   ", None),
    ("\u200b \u00a0", None),
    ("déjà propre", "déjà propre"),
    ("un\n\ndeux", "un\n\ndeux"),
    ("  bords  ", "bords"),
    ("\nbord", "bord"),
    ("double  espace", "double espace"),
    ("tab\tet\rcr", "tab et cr"),
    ("12\u00a0000\u202f€", "12 000 €"),
    ("Otan\u00a0:", "Otan :"),
    ("zéro\u200blargeur\ufeff", "zérolargeur"),
    ("ligne \n suivante", "ligne\nsuivante"),
    ("un\n\n\n\ndeux", "un\n\ndeux"),
    ("l&#039;Otan", "l'Otan"),
    ("Rock &amp; Roll", "Rock & Roll"),
    ("AT&T gagne", "AT&T gagne"),
    ("e\u0301te\u0301", "été"),  # NFD from some CMS exports becomes NFC
]


@pytest.mark.parametrize(("raw", "cleaned"), CLEAN_TEXT_ROWS)
def test_clean_text(raw, cleaned):
    assert clean_text(raw) == cleaned
    # Idempotent: the pipeline runs it again on the parser's output.
    assert clean_text(cleaned) == cleaned


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [(None, None), ("titre\nsur deux lignes", "titre sur deux lignes"), (" \n ", None)],
)
def test_clean_inline(raw, cleaned):
    assert clean_inline(raw) == cleaned
