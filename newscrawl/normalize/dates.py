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
  ``not_before`` (a comment under its article) that same year is the one that puts it at
  or after ``not_before`` whenever any year does (earlier years only move it further
  back); when several do (an old article), the latest wins because the site prints the
  year whenever it is not the current one ("26 janv. 2023"). When none does (a comment
  stamped minutes before its article), the date is kept and the oddity logged.
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
import json
import logging
import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from importlib.resources import files
from typing import Any

from newscrawl.normalize.clock import PARIS
from newscrawl.normalize.text import fold_phrase

logger = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=5)
MIN_YEAR = 1970
# Caps on the input: the raw one bounds the clean-up's work, the cleaned one (spaces
# collapsed) is far longer than any date line and bounds dateparser's time.
MAX_RAW_LEN = 20_000
MAX_TEXT_LEN = 100

DATEPARSER_LANGUAGES = ["fr"]


# Folded text is ASCII except for what the table leaves alone (symbols, other scripts).
_HAS_ALNUM = re.compile(r"[0-9a-z]")


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


_TABLE = _load_table()
_MONTHS: dict[str, int] = _TABLE["months"]
_WEEKDAYS: dict[str, int] = _TABLE["weekdays"]
_RELATIVE_DAYS: dict[str, int] = _TABLE["relative_days"]
_AGO_UNITS: dict[str, str] = _TABLE["ago_units"]
_NUMBER_WORDS: dict[str, int] = _TABLE["number_words"]
_NOW_WORDS: frozenset[str] = _TABLE["now_words"]


def _alternation(words: Any) -> str:
    # Longest first so that "janvier" is tried before "janv" and "jan".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# --- the site's forms, on folded text ---------------------------------------------------

_TIME = r"(?P<H>\d{1,2})(?::(?P<M>\d{2})(?::(?P<S>\d{2}))?|\s?h\s?(?:(?P<Mh>\d{2})(?:\s?mi?n)?)?)"
# Between a date and its time: "à", "-", ",", or just the space the parser joins parts with.
_SEP = r"(?:\s?[,-]\s?|\s)(?:a\s)?"

_PREFIX = re.compile(rf"(?:{_alternation(_TABLE['prefixes'])})(?:\s?:\s?|\s)")
# The two forms the site prints most ("21/10/2024 à 12:54", "16.08.2025 23:14"), on the
# raw text: they need neither folding nor ``now``, and unnamed groups read in one call.
_SITE_NUMERIC = re.compile(
    r"\s*(\d\d)([/.])(\d\d)\2(\d{4})(?:\s+(?:[aàAÀ]\s+)?(\d\d)[:hH](\d\d))?\s*"
)
_NUMERIC = re.compile(
    rf"(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?:(?P=sep)(?P<y>\d{{4}}|\d{{2}}))?"
    rf"(?:{_SEP}{_TIME})?"
)
_TEXT = re.compile(
    rf"(?:(?P<wd>[a-z]+)\.?,?\s)?(?P<d>\d{{1,2}})(?:er|e)?\s?(?P<mon>[a-z]+)\.?"
    rf"(?:\s(?P<y>\d{{4}}))?(?:{_SEP}{_TIME})?"
)
# Words are matched loosely and looked up in the table: a short regex beats a long
# alternation, and a word the table does not know lets the next form have a go.
_WEEKDAY = re.compile(rf"(?P<wd>[a-z]+)\.?(?:{_SEP}{_TIME})?")
_TIME_ONLY = re.compile(_TIME)
# "octobre 2024": dateparser would borrow today's day of the month; no day, no date.
_MONTH_YEAR = re.compile(r"(?P<mon>[a-z]+)\.?\s\d{4}")
_RELATIVE_DAY = re.compile(rf"(?P<rel>{_alternation(_RELATIVE_DAYS)})(?:{_SEP}{_TIME})?")
_AGO = re.compile(
    rf"il y a\s?(?:environ\s)?(?P<n>\d{{1,4}}|{_alternation(_NUMBER_WORDS)})\s?"
    rf"(?P<unit>{_alternation(_AGO_UNITS)})\.?"
)
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[t\s](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?"
    r"\s?(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?"
)

# Returned by the fast path when no known form matched: only then is dateparser asked.
_NO_MATCH: Any = object()


# --- building Paris datetimes -----------------------------------------------------------


def _months_with_changes(first: int = MIN_YEAR, last: int = 2100) -> frozenset[int]:
    """Months in which Paris changed or will change its offset, per the tz data."""
    months = set()
    for year in range(first, last + 1):
        for month in range(1, 13):
            start = datetime(year, month, 1, tzinfo=PARIS)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=PARIS)
            if start.utcoffset() != end.utcoffset():
                months.add(month)
    return frozenset(months)


# {3, 10} with today's rules; read from the tz data so that a change of rules follows.
# (A month with two changes that cancel out would be missed: Paris has had none since 1945.)
_CHANGE_MONTHS = _months_with_changes()


@lru_cache(maxsize=4096)
def _offset_changes(year: int, month: int, day: int) -> bool:
    """Whether Paris changes its UTC offset during this day (the tz data decides)."""
    start = datetime(year, month, day, tzinfo=PARIS)
    try:
        return start.utcoffset() != (start + timedelta(days=1)).utcoffset()
    except OverflowError:
        return True


def _wall(year: int, month: int, day: int, hour=0, minute=0, second=0, micro=0) -> datetime:
    """Paris wall time -> aware datetime: first reading of a repeated hour, gap moved on.

    Raises ValueError for a day or time that no calendar has (31/02).
    """
    dt = datetime(year, month, day, hour, minute, second, micro, tzinfo=PARIS)
    # The per-month and per-day checks keep the common case to one constructor call.
    if month not in _CHANGE_MONTHS or not _offset_changes(year, month, day):
        return dt
    second_reading = datetime(year, month, day, hour, minute, second, micro, tzinfo=PARIS, fold=1)
    if dt.utcoffset() == second_reading.utcoffset():
        return dt
    shifted = dt.astimezone(UTC).astimezone(PARIS)
    if shifted.replace(tzinfo=None) != dt.replace(tzinfo=None):
        logger.warning(
            "%s does not exist in Paris (spring change); read as %s",
            dt.replace(tzinfo=None).isoformat(sep=" "),
            shifted.isoformat(sep=" "),
        )
        return shifted
    return dt


def _localize(naive: datetime) -> datetime:
    return _wall(
        naive.year,
        naive.month,
        naive.day,
        naive.hour,
        naive.minute,
        naive.second,
        naive.microsecond,
    )


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


def _paris(moment: datetime) -> datetime:
    if moment.tzinfo is PARIS:
        return moment
    # A naive "now" is read as UTC: fetch times and HTTP dates are kept in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def _at(day: date, hms: tuple[int, int, int]) -> datetime:
    return _wall(day.year, day.month, day.day, *hms)


def _after_now(year: int, month: int, day: int, hms: tuple[int, int, int], now: datetime) -> bool:
    """Whether this Paris wall time is later than ``now`` + CLOCK_SKEW."""
    limit = now + CLOCK_SKEW
    # Wall times order like instants except on the night of a clock change (and aware
    # comparison, which goes through UTC, costs ten times a tuple comparison).
    if (month in _CHANGE_MONTHS and _offset_changes(year, month, day)) or (
        limit.month in _CHANGE_MONTHS and _offset_changes(limit.year, limit.month, limit.day)
    ):
        return _wall(year, month, day, *hms) > now.astimezone(UTC) + CLOCK_SKEW
    return (year, month, day, *hms) > (
        limit.year,
        limit.month,
        limit.day,
        limit.hour,
        limit.minute,
        limit.second,
    )


def _with_year(
    month: int, day: int, hms: tuple[int, int, int], now: datetime, not_before: datetime | None
) -> datetime | None:
    """The latest year putting the date not after ``now``.

    That year also puts it at or after ``not_before`` whenever any year does: earlier
    years only move it further back. When none does, it is kept all the same.
    """
    latest = (now + CLOCK_SKEW).year
    # Eight years back always reaches a 29 February (an impossible date raises ValueError).
    for year in range(latest, latest - 8, -1):
        try:
            if year == latest and _after_now(year, month, day, hms, now):
                continue
            candidate = _wall(year, month, day, *hms)
        except ValueError:
            continue
        if not_before is not None and candidate < not_before:
            logger.info(
                "%s is before %s whatever its year; latest past year kept", candidate, not_before
            )
        return candidate
    return None


def _explicit_year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


# --- the fast path ----------------------------------------------------------------------


def _fast(text: str, now: datetime, not_before: datetime | None) -> Any:
    """A known form -> datetime, or None when its values are impossible; else _NO_MATCH."""
    if text[0].isdigit():
        # Listings print "15:57" all day long: try the bare time first when it looks like one.
        if text[1:3] in _TIME_LOOKS:
            m = _TIME_ONLY.fullmatch(text)
            if m:
                return _today_or_yesterday(m, now)
        m = _NUMERIC.fullmatch(text)
        if m:
            hms = _hms(m)
            if hms is None:
                return None
            day_text, month_text, year_text = m.group("d", "m", "y")
            month, day = int(month_text), int(day_text)
            if year_text is None:
                if not 1 <= month <= 12:
                    return None
                return _with_year(month, day, hms, now, not_before)
            return _wall(_explicit_year(year_text), month, day, *hms)
        m = _TEXT.fullmatch(text)
        if m and m.group("mon") in _MONTHS:
            return _text_date(m, now, not_before)
        m = _TIME_ONLY.fullmatch(text)
        if m:
            return _today_or_yesterday(m, now)
        m = _ISO.fullmatch(text)
        if m:
            return _iso(m)
        return _NO_MATCH
    m = _WEEKDAY.fullmatch(text)
    if m and m.group("wd") in _WEEKDAYS:
        hms = _hms(m)
        if hms is None:
            return None
        back = (now.weekday() - _WEEKDAYS[m.group("wd")]) % 7 or 7
        return _at(date.fromordinal(now.toordinal() - back), hms)
    m = _RELATIVE_DAY.fullmatch(text)
    if m:
        hms = _hms(m)
        if hms is None:
            return None
        return _at(date.fromordinal(now.toordinal() + _RELATIVE_DAYS[m.group("rel")]), hms)
    m = _AGO.fullmatch(text)
    if m:
        return _ago(m, now)
    if text in _NOW_WORDS:
        return now
    m = _MONTH_YEAR.fullmatch(text)
    if m and m.group("mon") in _MONTHS:
        return None
    m = _TEXT.fullmatch(text)  # a weekday before the date: "lundi 21 octobre 2024"
    if m and m.group("mon") in _MONTHS and m.group("wd") in _WEEKDAYS:
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
    if _after_now(now.year, now.month, now.day, hms, now):
        return _at(date.fromordinal(now.toordinal() - 1), hms)
    return _wall(now.year, now.month, now.day, *hms)


def _text_date(m: re.Match[str], now: datetime, not_before: datetime | None) -> datetime | None:
    hms = _hms(m)
    if hms is None:
        return None
    month, day = _MONTHS[m.group("mon")], int(m.group("d"))
    if m.group("y") is None:
        return _with_year(month, day, hms, now, not_before)
    return _wall(int(m.group("y")), month, day, *hms)


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
        return _wall(*parts)
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
    count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS[count_text]
    unit = _AGO_UNITS[m.group("unit")]
    seconds = _ELAPSED_UNITS.get(unit)
    if seconds is not None:
        # Elapsed time: count in UTC so that a DST change in between is not counted twice.
        return (now.astimezone(UTC) - timedelta(seconds=count * seconds)).astimezone(PARIS)
    wall = now.replace(tzinfo=None)
    if unit in ("days", "weeks"):
        return _localize(wall - timedelta(**{unit: count}))
    months = count * (12 if unit == "years" else 1)
    year, month0 = divmod(wall.year * 12 + wall.month - 1 - months, 12)
    if year < 1:
        return None
    # "il y a 1 mois" on 31 March is the last day of February, not 3 March.
    day = min(wall.day, calendar.monthrange(year, month0 + 1)[1])
    return _localize(wall.replace(year=year, month=month0 + 1, day=day))


def _clean(raw: object) -> str | None:
    """Folded text with its "Publié le" prefix removed; None when it cannot be a date."""
    if not isinstance(raw, str) or len(raw) > MAX_RAW_LEN:
        return None
    text = fold_phrase(raw)
    if len(text) > MAX_TEXT_LEN:
        return None
    m = _PREFIX.match(text)
    if m:
        text = text[m.end() :]
    return text or None


def _worth_dateparser(text: str) -> bool:
    # A bare number ("9999999999") is an id or a price, and text without a letter or a
    # digit cannot be a date: neither is worth dateparser's time.
    return not text.isdigit() and _HAS_ALNUM.search(text) is not None


def _plausible(dt: datetime | None, now: datetime) -> datetime | None:
    if dt is None or dt.year < MIN_YEAR or dt.year > now.year + 1:
        return None
    return dt


# --- public API ---------------------------------------------------------------------------


def _site_numeric(m: re.Match[str], now: datetime) -> datetime | None:
    day, _, month, year, hour, minute = m.groups()
    # An impossible value (31/02, 25:00) raises ValueError, which parse_date turns to None.
    if hour is None:
        result = _wall(int(year), int(month), int(day))
    else:
        result = _wall(int(year), int(month), int(day), int(hour), int(minute))
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
        m = _SITE_NUMERIC.fullmatch(raw) if isinstance(raw, str) and len(raw) < 40 else None
        if m:
            return _site_numeric(m, now)
        text = _clean(raw)
        if text is None:
            return None
        m = _SITE_NUMERIC.fullmatch(text)  # again, once "Mis à jour le" is gone
        if m:
            return _site_numeric(m, now)
        now = _paris(now)
        if not_before is not None:
            # UTC, so that comparing it with Paris datetimes goes by instant, not wall time.
            bound = _paris(not_before) if isinstance(not_before, datetime) else None
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
        "RELATIVE_BASE": _paris(now).replace(tzinfo=None),
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
        now_paris = _paris(now)
        return _plausible(_dateparser(text, now_paris), now_paris)
    except Exception:
        logger.debug("dateparser failed on %r", raw, exc_info=True)
        return None


def _dateparser(text: str, now: datetime) -> datetime | None:
    import dateparser  # lazy: slow to import, and only the long tail needs it

    result = dateparser.parse(
        text, languages=DATEPARSER_LANGUAGES, settings=dateparser_settings(now)
    )
    return result.astimezone(PARIS) if result is not None else None


def to_iso(dt: datetime | None) -> str | None:
    """ISO 8601 with seconds and the Paris offset, e.g. ``2024-10-21T12:54:00+02:00``.

    A naive datetime is taken as Paris wall time. None stays None.
    """
    if not isinstance(dt, datetime):
        return None
    try:
        aware = _localize(dt) if dt.tzinfo is None else dt.astimezone(PARIS)
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
