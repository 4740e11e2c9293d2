"""What the run's records say, tallied one record at a time as the crawl writes them.

The tally keeps counters only (no record is held), so it costs the same for 30 records or
300 000, and it is plain data (``to_dict``/``from_dict``) for report.json and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newscrawl.monitors.schema import FieldError, validate_record

COVERAGE_FIELDS = ("title", "body", "published", "outlet", "lead")


@dataclass
class RecordsTally:
    records: int = 0
    filled: Counter[str] = field(default_factory=Counter)
    """Field -> records with a non-empty value, for ``COVERAGE_FIELDS``."""
    showing_comments: int = 0
    """Records whose page shows a comment count above zero."""
    comments_missing: int = 0
    """Of those, records with no comment extracted."""
    invalid_records: int = 0
    validation_errors: Counter[str] = field(default_factory=Counter)
    """``newscrawl/validation/<field>/<kind>`` -> records with that error."""
    per_outlet: Counter[str] = field(default_factory=Counter)
    per_day: Counter[str] = field(default_factory=Counter)
    """Publication day (YYYY-MM-DD, Paris) -> records."""
    related_targets: Counter[str] = field(default_factory=Counter)
    """"A lire aussi" target URL -> how many of the run's records link to it."""
    related_titles: dict[str, str] = field(default_factory=dict)

    def add(self, record: Mapping[str, Any]) -> list[FieldError]:
        """Count one record; returns its schema errors for the caller's stats."""
        self.records += 1
        for name in COVERAGE_FIELDS:
            if record.get(name):
                self.filled[name] += 1
        if isinstance(record.get("comment_count"), int) and record["comment_count"] > 0:
            self.showing_comments += 1
            if not record.get("comments"):
                self.comments_missing += 1
        errors = validate_record(record)
        if errors:
            self.invalid_records += 1
            self.validation_errors.update(error.stat for error in errors)
        self.per_outlet[str(record.get("outlet") or "(none)")] += 1
        published = record.get("published")
        self.per_day[published[:10] if isinstance(published, str) else "(none)"] += 1
        for entry in record.get("related") or []:
            url = entry.get("url") if isinstance(entry, Mapping) else None
            if url:
                self.related_targets[url] += 1
                if entry.get("title"):
                    self.related_titles.setdefault(url, str(entry["title"]))
        return errors

    def coverage(self, name: str) -> float | None:
        """Share of records with ``name`` filled; None without records."""
        return self.filled[name] / self.records if self.records else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "filled": dict(self.filled),
            "showing_comments": self.showing_comments,
            "comments_missing": self.comments_missing,
            "invalid_records": self.invalid_records,
            "validation_errors": dict(self.validation_errors),
            "per_outlet": dict(self.per_outlet),
            "per_day": dict(self.per_day),
            "related_targets": dict(self.related_targets),
            "related_titles": dict(self.related_titles),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordsTally:
        counters = ("filled", "validation_errors", "per_outlet", "per_day", "related_targets")
        values = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        for key in counters:
            values[key] = Counter(values.get(key, {}))
        return cls(**values)
