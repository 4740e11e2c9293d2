"""How the site prints dates, as data: the month and weekday table and the forms' patterns.

The words (months, weekdays, "hier", "il y a ...") are data (``newscrawl/data/
french_dates.json``), folded once at import with ``fold_phrase`` as the input will be;
the patterns below are matched on folded text (except ``SITE_NUMERIC``, on raw text).
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

from newscrawl.normalize.text import fold_phrase

# Folded text is ASCII except for what the table leaves alone (symbols, other scripts).
HAS_ALNUM = re.compile(r"[0-9a-z]")


# --- the table as data ----------------------------------------------------------------


def _load_table() -> dict[str, Any]:
    raw = json.loads(files("newscrawl").joinpath("data/french_dates.json").read_text("utf-8"))
    table: dict[str, Any] = {}
    for name in ("months", "weekdays", "relative_days", "ago_units", "number_words"):
        folded: dict[str, Any] = {}
        for key, value in raw[name].items():
            key = fold_phrase(key)
            if folded.get(key, value) != value:
                raise ValueError(f"french_dates.json: {name} has two meanings for {key!r}")
            folded[key] = value
        table[name] = folded
    table["now_words"] = frozenset(fold_phrase(w) for w in raw["now_words"])
    table["prefixes"] = [fold_phrase(p) for p in raw["prefixes"]]
    return table


TABLE = _load_table()
MONTHS: dict[str, int] = TABLE["months"]
WEEKDAYS: dict[str, int] = TABLE["weekdays"]
RELATIVE_DAYS: dict[str, int] = TABLE["relative_days"]
AGO_UNITS: dict[str, str] = TABLE["ago_units"]
NUMBER_WORDS: dict[str, int] = TABLE["number_words"]
NOW_WORDS: frozenset[str] = TABLE["now_words"]


def _alternation(words: Any) -> str:
    # Longest first so that "janvier" is tried before "janv" and "jan".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# --- the site's forms, on folded text ---------------------------------------------------

_TIME = r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2}))?|\s?h\s?(?:(?P<Mh>\d{2})(?:\s?mi?n)?)?)"
# Between a date and its time: "à", "-", ",", or just the space the parser joins parts with.
_SEP = r"(?:\s?[,-]\s?|\s)(?:a\s)?"

PREFIX = re.compile(rf"(?:{_alternation(TABLE['prefixes'])})(?:\s?:\s?|\s)")
# The two forms the site prints most ("21/10/2024 à 12:54", "16.08.2025 23:14"), on the
# raw text: they need neither folding nor ``now``, and unnamed groups read in one call.
SITE_NUMERIC = re.compile(
    r"\s*(\d\d)([/.])(\d\d)\2(\d{4})(?:\s+(?:[aàAÀ]\s+)?(\d\d)[:hH](\d\d))?\s*"
)
NUMERIC = re.compile(
    rf"(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}}))?"
    rf"(?:{_SEP}{_TIME})?"
)
TEXT = re.compile(
    rf"(?:(?P<wd>[a-z]+)\.?,?\s)?(?P<d>\d{{1,2}})(?:er|e)?\s?(?P<mon>[a-z]+)\.?"
    rf"(?:\s(?P<y>\d{{4}}))?(?:{_SEP}{_TIME})?"
)
# Words are matched loosely and looked up in the table: a short regex beats a long
# alternation, and a word the table does not know lets the next form have a go.
WEEKDAY = re.compile(rf"(?P<wd>[a-z]+)\.?(?:{_SEP}{_TIME})?")
TIME_ONLY = re.compile(_TIME)
# "octobre 2024": dateparser would borrow today's day of the month; no day, no date.
MONTH_YEAR = re.compile(r"(?P<mon>[a-z]+)\.?\s\d{4}")
RELATIVE_DAY = re.compile(rf"(?P<rel>{_alternation(RELATIVE_DAYS)})(?:{_SEP}{_TIME})?")
AGO = re.compile(
    rf"il y a\s?(?:environ\s)?(?P<n>\d{{1,4}}|{_alternation(NUMBER_WORDS)})\s?"
    rf"(?P<unit>{_alternation(AGO_UNITS)})\.?"
    # "il y a 2 h 30", "il y a 1 h 30 min": the minutes after the hours.
    r"(?:\s?(?P<minutes>\d{1,2})(?:\s?(?:min|mn|minutes?)\.?)?)?"
)
ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[t\s](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?"
    r"\s?(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?"
)
