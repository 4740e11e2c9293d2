"""Text clean-up: one table, the already-clean fast path included."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from newscrawl.normalize.text import _already_clean, clean_inline, clean_text

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
    # Only whole entities: "&param", "&curren", "&copy" without ";" stay as printed.
    ("L&#039;offre ?a=1&param=2&currency=EUR&copy=1", "L'offre ?a=1&param=2&currency=EUR&copy=1"),
    ("&para &sect &not; &copy;", "&para &sect ¬ ©"),
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


# The fast "already clean" test must agree with the rule it replaces, written plainly here.
_ODD = re.compile(
    r"[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000\t\r\f\v\u200b\u200c\u200d\u2060\ufeff&]"
)


def _plainly_clean(value: str) -> bool:
    return (
        not value[0].isspace()
        and not value[-1].isspace()
        and not any(sequence in value for sequence in ("  ", " \n", "\n ", "\n\n\n"))
        and not _ODD.search(value)
        and unicodedata.is_normalized("NFC", value)
    )


_TRICKY = "ab é\n\u00a0\u200b\t&\u0301\u2019e\u00c5\u212b\x85\u2028 \n\n"


@pytest.mark.parametrize("seed", range(4))
def test_already_clean_agrees_with_the_plain_rule(seed):
    rng = random.Random(seed)
    for _ in range(5000):
        value = "".join(rng.choice(_TRICKY) for _ in range(rng.randint(1, 12)))
        assert _already_clean(value) == _plainly_clean(value), repr(value)
        if _already_clean(value):
            assert clean_text(value) == value
