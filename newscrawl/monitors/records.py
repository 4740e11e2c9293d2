"""What the run's records say, tallied one record at a time as the crawl writes them.

The tally keeps counters only (no record is held), and the "A lire aussi" targets in
bounded memory (``newscrawl.monitors.linked``). It is plain data (``to_dict``/``from_dict``)
for report.json and the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newscrawl.monitors.linked import LinkedTargets, Target
from newscrawl.monitors.schema import FieldError, validate_record

COVERAGE_FIELDS = ("title", "body", "published", "outlet", "lead")
# report.json names this many of the most linked targets (the page shows fewer): a run of
# 50,000 articles would otherwise write every target it saw.
KEPT_TARGETS = 100


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
    related: LinkedTargets = field(default_factory=LinkedTargets)
    """"A lire aussi" targets: how many of the run's records link to each."""

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
                title = entry.get("title")
                self.related.add(str(url), str(title) if title else None)
        return errors

    def most_linked(self, n: int) -> list[Target]:
        return self.related.top(n)

    def coverage(self, name: str) -> float | None:
        """Share of records with ``name`` filled; None without records."""
        return self.filled[name] / self.records if self.records else None

    def to_dict(self) -> dict[str, Any]:
        kept = self.most_linked(KEPT_TARGETS)
        return {
            "records": self.records,
            "filled": dict(self.filled),
            "showing_comments": self.showing_comments,
            "comments_missing": self.comments_missing,
            "invalid_records": self.invalid_records,
            "validation_errors": dict(self.validation_errors),
            "per_outlet": dict(self.per_outlet),
            "per_day": dict(self.per_day),
            "linked_targets": len(self.related),
            "related_targets": {target.url: target.links for target in kept},
            "related_titles": {target.url: target.title for target in kept if target.title},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordsTally:
        counters = ("filled", "validation_errors", "per_outlet", "per_day")
        values = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        for key in counters:
            values[key] = Counter(values.get(key, {}))
        tally = cls(**values)
        titles = data.get("related_titles", {})
        for url, links in data.get("related_targets", {}).items():
            tally.related.add(url, titles.get(url), links)
        tally.related.at_least = int(data.get("linked_targets") or 0)
        return tally

    def close(self) -> None:
        """Let go of the temporary file of target names (the tally cannot name them after)."""
        self.related.close()
