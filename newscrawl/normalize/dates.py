"""French date and time strings as Boursorama prints them -> aware Europe/Paris datetimes.

The site's known forms ("21/10/2024 à 12:54", "16.08.2025 23:14", "21 octobre 21:29",
"26 janv. 2023", "jeu.", "15:57", "Hier à 18:32", "il y a 5 min", "Mis à jour le ...",
ISO 8601 from JSON-LD) are read by a few precompiled regular expressions and a
month/weekday table kept as data (``newscrawl/data/french_dates.json``); dateparser,
imported lazily, only reads the long tail. Everything that needs context takes it as
arguments, so nothing here caches a value that depends on ``now``.

Rules (the output contract, "Dates"):

- Every time on the site is Paris wall time. A wall time that occurs twice (the repeated
  hour of the autumn change) takes its first reading (``fold=0``, summer offset); one that
  does not exist (the spring gap) is moved forward by the gap and logged.
- A date without a time is midnight, Paris time ("26 oct. 2022", "jeu.", "hier").
- ``now`` is the response's ``Date`` header, else the fetch time. "Not after now" allows
  ``CLOCK_SKEW`` of slack, because the fetch-time fallback is the crawler's own clock.
- A yearless date takes the latest year that puts it not after ``now``. With
  ``not_before`` (a comment under its article) it takes the first year that puts it at or
  after ``not_before`` and not after ``now``: the site leaves the year out of past-year
  comment dates too ("21 octobre 21:29" for a comment of 21/10/2024, read in 2025). When
  no year fits (a comment stamped minutes before its article), the latest year not after
  ``now`` is kept and the oddity logged.
- A weekday alone ("jeu.") is the most recent such day strictly before today in Paris:
  listings print a bare time for today's entries.
- A bare time ("15:57") is today in Paris; if it is later than ``now`` by more than
  ``CLOCK_SKEW`` it is yesterday (a page rendered before midnight, fetched after).
  "Aujourd'hui à ..." is taken literally.
- "il y a N min/h" counts back real elapsed time; "il y a N jours/semaines/mois/ans"
  counts calendar days on the Paris wall clock, as a reader would.
- A weekday printed beside a full date ("lundi 21 octobre 2024") is not checked.
- A year before ``MIN_YEAR`` or more than a year after ``now`` is not a publication date:
  None.
"""

from __future__ import annotations

import calendar
import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from newscrawl.normalize.clock import PARIS
from newscrawl.normalize.french_dates import (
    AGO,
    AGO_UNITS,
    HAS_ALNUM,
    ISO,
    MONTH_YEAR,
    MONTHS,
    NOW_WORDS,
    NUMBER_WORDS,
    NUMERIC,
    PREFIX,
    RELATIVE_DAY,
    RELATIVE_DAYS,
    SITE_NUMERIC,
    TEXT,
    TIME_ONLY,
    WEEKDAY,
    WEEKDAYS,
)
from newscrawl.normalize.text import fold_phrase
from newscrawl.normalize.walltime import (
    MIN_YEAR,
    after_now,
    at,
    localize,
    to_paris,
    wall,
    with_year,
)

logger = logging.getLogger(__name__)

# Caps on the input: the raw one bounds the clean-up's work, the cleaned one (spaces
# collapsed) is far longer than any date line and bounds dateparser's time.
MAX_RAW_LEN = 20_000
MAX_TEXT_LEN = 100

DATEPARSER_LANGUAGES = ["fr"]


# Returned by the fast path when no known form matched: only then is dateparser asked.
_NO_MATCH: Any = object()


_MIDNIGHT = (0, 0, 0)


def _hms(m: re.Match[str]) -> tuple[int, int, int] | None:
    """The time groups of a match (midnight when absent); None when out of range."""
    hour = m.group("H")
    if hour is None:
        return _MIDNIGHT
    minute, minute_h, second = m.group("M", "Mh", "S")
    h, mi, sec = int(hour), int(minute or minute_h or 0), int(second or 0)
    if h > 23 or mi > 59 or sec > 59:
        return None
    return h, mi, sec


def _explicit_year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


# --- the fast path ----------------------------------------------------------------------


def _fast(text: str, now: datetime, not_before: datetime | None) -> Any:
    """A known form -> datetime, or None when its values are impossible; else _NO_MATCH."""
    if text[0].isdigit():
        # Listings print "15:57" all day long: try the bare time first when it looks like one.
        if text[1:3] in _TIME_LOOKS:
            m = TIME_ONLY.fullmatch(text)
            if m:
                return _today_or_yesterday(m, now)
        m = NUMERIC.fullmatch(text)
        if m:
            hms = _hms(m)
            if hms is None:
                return None
            day_text, month_text, year_text = m.group("d", "m", "y")
            month, day = int(month_text), int(day_text)
            if year_text is None:
                if not 1 <= month <= 12:
                    return None
                return with_year(month, day, hms, now, not_before)
            return wall(_explicit_year(year_text), month, day, *hms)
        m = TEXT.fullmatch(text)
        if m and m.group("mon") in MONTHS:
            return _text_date(m, now, not_before)
        m = TIME_ONLY.fullmatch(text)
        if m:
            return _today_or_yesterday(m, now)
        m = ISO.fullmatch(text)
        if m:
            return _iso(m)
        return _NO_MATCH
    m = WEEKDAY.fullmatch(text)
    if m and m.group("wd") in WEEKDAYS:
        hms = _hms(m)
        if hms is None:
            return None
        back = (now.weekday() - WEEKDAYS[m.group("wd")]) % 7 or 7
        return at(date.fromordinal(now.toordinal() - back), hms)
    m = RELATIVE_DAY.fullmatch(text)
    if m:
        hms = _hms(m)
        if hms is None:
            return None
        return at(date.fromordinal(now.toordinal() + RELATIVE_DAYS[m.group("rel")]), hms)
    m = AGO.fullmatch(text)
    if m:
        return _ago(m, now)
    if text in NOW_WORDS:
        return now
    m = MONTH_YEAR.fullmatch(text)
    if m and m.group("mon") in MONTHS:
        return None
    m = TEXT.fullmatch(text)  # a weekday before the date: "lundi 21 octobre 2024"
    if m and m.group("mon") in MONTHS and m.group("wd") in WEEKDAYS:
        return _text_date(m, now, not_before)
    return _NO_MATCH


# Second and third characters of "15:57", "9:05", "15h57", "9h05", "9 h".
_TIME_LOOKS = frozenset(
    a + b for a in "0123456789:h " for b in "0123456789:h " if ":" in a + b or "h" in a + b
)


def _today_or_yesterday(m: re.Match[str], now: datetime) -> datetime | None:
    hms = _hms(m)
    if hms is None:
        return None
    if after_now(now.year, now.month, now.day, hms, now):
        return at(date.fromordinal(now.toordinal() - 1), hms)
    return wall(now.year, now.month, now.day, *hms)


def _text_date(m: re.Match[str], now: datetime, not_before: datetime | None) -> datetime | None:
    hms = _hms(m)
    if hms is None:
        return None
    month, day = MONTHS[m.group("mon")], int(m.group("d"))
    if m.group("y") is None:
        return with_year(month, day, hms, now, not_before)
    return wall(int(m.group("y")), month, day, *hms)


def _iso(m: re.Match[str]) -> datetime:
    parts = (
        int(m.group("y")),
        int(m.group("m")),
        int(m.group("d")),
        int(m.group("H") or 0),
        int(m.group("M") or 0),
        int(m.group("S") or 0),
        int((m.group("f") or "0").ljust(6, "0")),
    )
    tz = m.group("tz")
    if tz is None:
        return wall(*parts)
    if tz in ("z", "utc", "gmt"):
        offset = timedelta(0)
    else:
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        if tz[0] == "-":
            offset = -offset
    return datetime(*parts, tzinfo=timezone(offset)).astimezone(PARIS)


_ELAPSED_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600}


def _ago(m: re.Match[str], now: datetime) -> datetime | None:
    count_text = m.group("n")
    count = int(count_text) if count_text.isdigit() else NUMBER_WORDS[count_text]
    unit = AGO_UNITS[m.group("unit")]
    seconds = _ELAPSED_UNITS.get(unit)
    minutes = m.group("minutes")
    if minutes is not None and (unit != "hours" or int(minutes) > 59):
        return None  # "il y a 2 jours 30": not a form of the site, not guessed
    if seconds is not None:
        elapsed = count * seconds + int(minutes or 0) * 60
        # Elapsed time: count in UTC so that a DST change in between is not counted twice.
        return (now.astimezone(UTC) - timedelta(seconds=elapsed)).astimezone(PARIS)
    wall = now.replace(tzinfo=None)
    if unit in ("days", "weeks"):
        return localize(wall - timedelta(**{unit: count}))
    months = count * (12 if unit == "years" else 1)
    year, month0 = divmod(wall.year * 12 + wall.month - 1 - months, 12)
    if year < 1:
        return None
    # "il y a 1 mois" on 31 March is the last day of February, not 3 March.
    day = min(wall.day, calendar.monthrange(year, month0 + 1)[1])
    return localize(wall.replace(year=year, month=month0 + 1, day=day))


def _clean(raw: object) -> str | None:
    """Folded text with its "Publié le" prefix removed; None when it cannot be a date."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW_LEN:
        return None
    text = fold_phrase(raw)
    if len(text) > MAX_TEXT_LEN:
        return None
    m = PREFIX.match(text)
    if m:
        text = text[m.end() :]
    return text or None


def _worth_dateparser(text: str) -> bool:
    # A bare number ("9999999999") is an id or a price, and text without a letter or a
    # digit cannot be a date: neither is worth dateparser's time.
    return not text.isdigit() and HAS_ALNUM.search(text) is not None


_CLOCK_TIME = re.compile(r"\d{1,2}\s?[:h]\s?\d{0,2}")
_WORDS = re.compile(r"[a-z]+")


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    if dt is None or dt.year < MIN_YEAR or dt.year > now.year + 1:
        return None
    return dt


# --- public API ---------------------------------------------------------------------------


def _site_numeric(m: re.Match[str], now: datetime) -> datetime | None:
    day, _, month, year, hour, minute = m.groups()
    # An impossible value (31/02, 25:00) raises ValueError, which parse_date turns to None.
    if hour is None:
        result = wall(int(year), int(month), int(day))
    else:
        result = wall(int(year), int(month), int(day), int(hour), int(minute))
    # now's own year, not Paris's: a sanity bound, a few hours either way are moot.
    return result if MIN_YEAR <= result.year <= now.year + 1 else None


def parse_date(
    raw: str | None, now: datetime, *, not_before: datetime | None = None
) -> datetime | None:
    """Read a French date/time string as an aware Europe/Paris datetime; None if unreadable.

    ``now`` is the response's ``Date`` header (else the fetch time), aware in any time
    zone; ``not_before`` is the article's publication when reading one of its comments.
    Never raises.
    """
    try:
        if not isinstance(now, datetime):
            return None
        m = SITE_NUMERIC.fullmatch(raw) if isinstance(raw, str) and len(raw) < 40 else None
        if m:
            return _site_numeric(m, now)
        text = _clean(raw)
        if text is None:
            return None
        m = SITE_NUMERIC.fullmatch(text)  # again, once "Mis à jour le" is gone
        if m:
            return _site_numeric(m, now)
        now = to_paris(now)
        if not_before is not None:
            # UTC, so that comparing it with Paris datetimes goes by instant, not wall time.
            bound = to_paris(not_before) if isinstance(not_before, datetime) else None
            not_before = bound.astimezone(UTC) if bound is not None else None
        result = _fast(text, now, not_before)
        if result is _NO_MATCH:
            if not _worth_dateparser(text):
                return None
            result = _dateparser(text, now)
        # Inline _plausible: this line runs for every date of every page.
        if result is None or not MIN_YEAR <= result.year <= now.year + 1:
            return None
        return result
    except Exception:  # a date that cannot be read is null plus a log line, never a crash
        logger.debug("date %r not read", raw, exc_info=True)
        return None


def dateparser_settings(now: datetime) -> dict[str, Any]:
    """dateparser settings for the long tail, relative to ``now`` (aware, any zone)."""
    return {
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
        # dateparser reads RELATIVE_BASE as wall time in TIMEZONE.
        "RELATIVE_BASE": to_paris(now).replace(tzinfo=None),
        "TIMEZONE": "Europe/Paris",
        "RETURN_AS_TIMEZONE_AWARE": True,
        # Without "timestamp": a bare number is an id or a price, never a date here.
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }


def parse_with_dateparser(raw: str | None, now: datetime) -> datetime | None:
    """The long-tail reader: dateparser with explicit settings; None if unreadable.

    dateparser sees the same cleaned text as the fast path (folded, capped, without the
    "Publié le" / "Mis à jour le" prefixes it does not know) and its result passes the same
    plausibility bounds. Never raises.
    """
    try:
        text = _clean(raw)
        if text is None or not isinstance(now, datetime) or not _worth_dateparser(text):
            return None
        now_paris = to_paris(now)
        return _plausible(_dateparser(text, now_paris), now_paris)
    except Exception:
        logger.debug("dateparser failed on %r", raw, exc_info=True)
        return None


def _dateparser(text: str, now: datetime) -> datetime | None:
    import dateparser  # lazy: slow to import, and only the long tail needs it

    settings = dateparser_settings(now)
    result = dateparser.parse(text, languages=DATEPARSER_LANGUAGES, settings=settings)
    if result is None:
        return None
    if _borrowed_from_today(text, settings):
        return None
    return result.astimezone(PARIS)


def _borrowed_from_today(text: str, settings: dict[str, Any]) -> bool:
    """Whether dateparser made up the day or the month: "octobre" was read as today's day
    in October, "2 mar. 2024" ("mar." is mardi) as this month's 2nd. A clock time, a
    weekday alone or a relative phrase ("il y a", "hier") names its day; anything else
    must print a day and a month."""
    import dateparser

    if _CLOCK_TIME.search(text):
        return False
    if not any(c.isdigit() for c in text) and any(w in WEEKDAYS for w in _WORDS.findall(text)):
        return False
    strict = {**settings, "REQUIRE_PARTS": ["day", "month"]}
    return dateparser.parse(text, languages=DATEPARSER_LANGUAGES, settings=strict) is None


def to_iso(dt: datetime | None) -> str | None:
    """ISO 8601 with seconds and the Paris offset, e.g. ``2024-10-21T12:54:00+02:00``.

    A naive datetime is taken as Paris wall time. None stays None.
    """
    if not isinstance(dt, datetime):
        return None
    try:
        aware = localize(dt) if dt.tzinfo is None else dt.astimezone(PARIS)
        return aware.isoformat(timespec="seconds")
    except (OverflowError, ValueError):
        return None


def parse_http_date(value: str | bytes | None) -> datetime | None:
    """An HTTP ``Date`` header (RFC 9110: IMF-fixdate, RFC 850, asctime) -> aware UTC."""
    try:
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str) or not value.strip():
            return None
        dt = parsedate_to_datetime(value.strip())
        # asctime and "-0000" carry no zone; HTTP dates are always GMT.
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return dt.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
