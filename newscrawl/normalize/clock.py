"""The crawl's two clocks: the site's (Paris local time) and the records' (UTC, in seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# Every time the site prints is Paris local time.
PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_iso(when: datetime) -> str:
    """``2024-10-21T10:54:00+00:00``: the form of every UTC time newscrawl writes."""
    return when.astimezone(UTC).isoformat(timespec="seconds")
