"""Which articles a run fetches again, and how it tells a changed article from an unchanged one.

Pure functions over the state's view of an article
(``newscrawl.incremental.state.ArticleState``) and what the listing shows of it; the
Scrapy side is ``newscrawl.incremental.gate``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from newscrawl.incremental.state import ArticleState
from newscrawl.jsonbytes import compact_utf8
from newscrawl.normalize.clock import PARIS, utc_now

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}


def parse_duration(value: Any) -> timedelta:
    """``48``, ``"48"`` or ``"48h"`` -> 48 hours; also ``"30m"``, ``"90s"``, ``"2d"``.

    A bare number is hours, the unit the settings are documented in.
    """
    if isinstance(value, timedelta):
        return value
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return timedelta(hours=value)
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (examples: 48, 48h, 30m, 2d)")
        return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])
    except OverflowError:
        raise ValueError(f"not a duration: {value!r} (too long)") from None


_SINCE_AGO = re.compile(r"^(\d+)\s*([dhj])$", re.IGNORECASE)
_SINCE_DAYS_BACK = {"today": 0, "aujourd'hui": 0, "aujourdhui": 0, "yesterday": 1, "hier": 1}
SINCE_FORMS = "a date like 2024-10-01, yesterday (hier), 7d or 48h"


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``-a since=``: ``2024-10-01`` (Paris midnight), a full ISO 8601 time, ``yesterday`` or
    ``hier`` (Paris midnight, the day before ``now``), ``7d`` / ``7j`` or ``48h`` (that long
    before ``now``); None when not given.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().lower()
    now = now or utc_now()
    if text in _SINCE_DAYS_BACK:
        day = now.astimezone(PARIS).date() - timedelta(days=_SINCE_DAYS_BACK[text])
        return datetime(day.year, day.month, day.day, tzinfo=PARIS)
    ago = _SINCE_AGO.match(text)
    if ago:
        unit = "hours" if ago.group(2) == "h" else "days"
        try:
            return now.astimezone(UTC) - timedelta(**{unit: int(ago.group(1))})
        except OverflowError:  # "99999999d": before year 1
            raise ValueError(f"since={value!r}: too far back") from None
    try:
        when = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"since={value!r}: expected {SINCE_FORMS}") from None
    return when if when.tzinfo else when.replace(tzinfo=PARIS)


def parse_refresh(value: str | None) -> bool:
    """``-a refresh=all`` re-fetches every known article; anything else but empty is a typo."""
    if value is None or str(value).strip().lower() in ("", "none", "no"):
        return False
    if str(value).strip().lower() == "all":
        return True
    raise ValueError(f"refresh={value!r}: the only value is 'all'")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Decision:
    fetch: bool
    reason: str
    """Stats key suffix: new, refresh, comments, young | known, recently_fetched, before_since."""


@dataclass(frozen=True)
class RevisitPolicy:
    window: timedelta = timedelta(hours=48)
    """Articles published less than this long ago are re-visited ..."""
    every: timedelta = timedelta(hours=2)
    """... but not more often than this."""
    refresh_all: bool = False
    since: datetime | None = None

    def decide(
        self,
        known: ArticleState | None,
        now: datetime,
        *,
        listed_comments: int | None = None,
        published: datetime | None = None,
    ) -> Decision:
        """Fetch the article or not. ``listed_comments`` and ``published`` come from a
        listing entry; a related link has neither."""
        published = published or (parse_iso(known.published) if known else None)
        if self.since is not None and published is not None and published < self.since:
            return Decision(False, "before_since")
        if known is None:
            return Decision(True, "new")
        if self.refresh_all:
            return Decision(True, "refresh")
        # A listing shows no count when there is none: None and 0 are the same here.
        if listed_comments is not None and listed_comments != (known.comment_count or 0):
            return Decision(True, "comments")
        if published is not None and now - published < self.window:
            last = parse_iso(known.last_fetched)
            if last is None or now - last >= self.every:
                return Decision(True, "young")
            return Decision(False, "recently_fetched")
        return Decision(False, "known")

    def stop_paging(
        self, entries: list[tuple[bool, datetime | None]], *, trust_known: bool = True
    ) -> str | None:
        """Why pagination stops after a page of (known, published) entries, or None.

        ``trust_known`` is false when the last run did not crawl everything (stopped, or
        pages failed): older pages may hold articles it never reached, so known entries
        alone must not stop this run.
        """
        if not entries:
            return None
        if self.since is not None and all(p is not None and p < self.since for _, p in entries):
            return "before_since"
        if trust_known and not self.refresh_all and all(known for known, _ in entries):
            return "all_known"
        return None


def fingerprint(article: Any) -> str:
    """What counts as a change: title, body, update time, comment count and comments.

    Fetch time, images or related links changing alone do not make a new version.
    """
    comments = [
        [c.author, c.published or c.published_raw, c.text] for c in (article.comments or [])
    ]
    material = [
        article.title,
        article.body,
        article.updated or article.updated_raw,
        article.comment_count,
        comments,
    ]
    return hashlib.sha256(compact_utf8(material)).hexdigest()
