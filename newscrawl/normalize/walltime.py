"""Paris wall time -> aware datetimes: the clock changes, and the year of a yearless date."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from newscrawl.normalize.clock import PARIS

# Its warnings are the date normaliser's, under that logger's name.
logger = logging.getLogger("newscrawl.normalize.dates")

# "Not after now" allows this much slack: the fetch-time fallback is the crawler's own clock.
CLOCK_SKEW = timedelta(minutes=5)
# A year before this is not a publication date.
MIN_YEAR = 1970


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
CHANGE_MONTHS = _months_with_changes()


@lru_cache(maxsize=4096)
def offset_changes(year: int, month: int, day: int) -> bool:
    """Whether Paris changes its UTC offset during this day (the tz data decides)."""
    start = datetime(year, month, day, tzinfo=PARIS)
    try:
        return start.utcoffset() != (start + timedelta(days=1)).utcoffset()
    except OverflowError:
        return True


def wall(year: int, month: int, day: int, hour=0, minute=0, second=0, micro=0) -> datetime:
    """Paris wall time -> aware datetime: first reading of a repeated hour, gap moved on.

    Raises ValueError for a day or time that no calendar has (31/02).
    """
    dt = datetime(year, month, day, hour, minute, second, micro, tzinfo=PARIS)
    # The per-month and per-day checks keep the common case to one constructor call.
    if month not in CHANGE_MONTHS or not offset_changes(year, month, day):
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


def localize(naive: datetime) -> datetime:
    return wall(
        naive.year,
        naive.month,
        naive.day,
        naive.hour,
        naive.minute,
        naive.second,
        naive.microsecond,
    )


def to_paris(moment: datetime) -> datetime:
    if moment.tzinfo is PARIS:
        return moment
    # A naive "now" is read as UTC: fetch times and HTTP dates are kept in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS)


def at(day: date, hms: tuple[int, int, int]) -> datetime:
    return wall(day.year, day.month, day.day, *hms)


def after_now(year: int, month: int, day: int, hms: tuple[int, int, int], now: datetime) -> bool:
    """Whether this Paris wall time is later than ``now`` + CLOCK_SKEW."""
    limit = now + CLOCK_SKEW
    # Wall times order like instants except on the night of a clock change (and aware
    # comparison, which goes through UTC, costs ten times a tuple comparison).
    if (month in CHANGE_MONTHS and offset_changes(year, month, day)) or (
        limit.month in CHANGE_MONTHS and offset_changes(limit.year, limit.month, limit.day)
    ):
        return wall(year, month, day, *hms) > now.astimezone(UTC) + CLOCK_SKEW
    return (year, month, day, *hms) > (
        limit.year,
        limit.month,
        limit.day,
        limit.hour,
        limit.minute,
        limit.second,
    )


def with_year(
    month: int, day: int, hms: tuple[int, int, int], now: datetime, not_before: datetime | None
) -> datetime | None:
    """The year of a yearless date: with ``not_before`` (a comment under its article), the
    first year that puts it at or after ``not_before`` and not after ``now``; without it,
    or when no year fits, the latest year that puts it not after ``now``.

    The site leaves the year out of past-year comment dates too (a comment of 21/10/2024 is
    "21 octobre 21:29" on a page read in 2025), so under an article of 30/11/2023 read in
    2025, "1 décembre 07:44" is 2023-12-01: the first fit, not the latest.
    """
    if not_before is not None:
        first = _first_fit(month, day, hms, now, not_before)
        if first is not None:
            return first
    latest = (now + CLOCK_SKEW).year
    # Eight years back always reaches a 29 February (an impossible date raises ValueError).
    for year in range(latest, latest - 8, -1):
        try:
            if year == latest and after_now(year, month, day, hms, now):
                continue
            candidate = wall(year, month, day, *hms)
        except ValueError:
            continue
        if not_before is not None:
            # A comment stamped before its article (clocks apart): kept, in the latest year.
            logger.info(
                "%s is before %s whatever its year; latest past year kept", candidate, not_before
            )
        return candidate
    return None


def _first_fit(
    month: int, day: int, hms: tuple[int, int, int], now: datetime, not_before: datetime
) -> datetime | None:
    start = to_paris(not_before).year
    for year in range(start, (now + CLOCK_SKEW).year + 1):
        try:
            candidate = wall(year, month, day, *hms)
        except ValueError:  # 29 February of a common year
            continue
        if after_now(year, month, day, hms, now):
            return None
        if candidate >= not_before:
            return candidate
        # The repeated autumn hour: its second reading may be the one after the article.
        second = datetime(year, month, day, *hms, tzinfo=PARIS, fold=1)
        if second.utcoffset() != candidate.utcoffset() and second >= not_before:
            return second
    return None
