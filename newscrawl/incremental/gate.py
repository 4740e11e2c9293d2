"""The spider's questions: is this article due, does pagination go on, what is left over?

The spider asks ``gate_for(crawler)`` (``newscrawl.incremental.extension``): the run's
``Gate`` when incremental mode takes part, else ``FETCH_EVERYTHING``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newscrawl.incremental.fetchtime import fetched_at
from newscrawl.incremental.ledger import RequestLedger
from newscrawl.incremental.revisit import Decision, RevisitPolicy
from newscrawl.incremental.state import CrawlState
from newscrawl.normalize.dates import parse_date

logger = logging.getLogger("newscrawl.incremental")


@dataclass(frozen=True)
class Listed:
    """What a listing entry says about an article."""

    article_id: str | None
    comment_count: int | None
    published: datetime | None


class _FetchEverything:
    """The gate when incremental mode is off or the spider runs outside a crawl."""

    def listed(self, entry: Any, response: Any) -> Listed:
        return Listed(None, None, None)

    def admit(self, article_id: str, listed: Listed | None = None) -> bool:
        return True

    def stop_paging(self, listed: list[Listed]) -> str | None:
        return None

    def carried_over(self) -> list[tuple[str, int]]:
        return []

    def settled(self, request: Any) -> None:
        pass

    def retry_next_run(self, request: Any) -> None:
        pass


FETCH_EVERYTHING = _FetchEverything()


class Gate:
    """Answers from the state and the re-visit policy, counting each verdict in the stats."""

    def __init__(
        self,
        stats: Any,
        store: CrawlState | None,
        policy: RevisitPolicy,
        started: datetime,
        ledger: RequestLedger,
        *,
        trust_known: bool,
    ):
        self.stats = stats
        self.store = store
        self.policy = policy
        self.started = started
        self.ledger = ledger
        self.trust_known = trust_known
        """Known entries stop pagination only after a run that crawled everything."""

    def listed(self, entry: Any, response: Any) -> Listed:
        """Read a listing entry: its comment count, and its date against the page's clock."""
        now = datetime.fromisoformat(fetched_at(response))
        raw = entry.date_raw
        return Listed(
            article_id=entry.article_id,
            comment_count=entry.comment_count,
            published=parse_date(raw, now) if raw else None,
        )

    def admit(self, article_id: str, listed: Listed | None = None) -> bool:
        known = self.store.get(article_id) if self.store else None
        decision = self.policy.decide(
            known,
            self.started,
            listed_comments=listed.comment_count if listed else None,
            published=listed.published if listed else None,
        )
        self._count_decision(decision)
        return decision.fetch

    def stop_paging(self, listed: list[Listed]) -> str | None:
        entries = [
            (bool(self.store and e.article_id and self.store.get(e.article_id)), e.published)
            for e in listed
        ]
        reason = self.policy.stop_paging(entries, trust_known=self.trust_known)
        if reason:
            self.stats.inc_value(f"newscrawl/incremental/pagination_stopped/{reason}")
        return reason

    def carried_over(self) -> list[tuple[str, int]]:
        """(url, depth) of articles a stopped run asked for and never got: asked first."""
        pending = self.store.frontier() if self.store else []
        if pending:
            logger.info("Asking again for %d articles the last run did not reach", len(pending))
        return [(url, depth) for _, url, depth in pending]

    def settled(self, request: Any) -> None:
        """The spider's errback: a request that failed for good is not carried over."""
        self.ledger.settled(request)

    def retry_next_run(self, request: Any) -> None:
        """An answer that was not the article (a challenge page...): asked for first next
        run, as if never answered; nothing of it is staged, so the state keeps it undone."""
        self.ledger.unsettled(request)

    def _count_decision(self, decision: Decision) -> None:
        verdict = "fetch" if decision.fetch else "skip"
        self.stats.inc_value(f"newscrawl/incremental/{verdict}/{decision.reason}")
