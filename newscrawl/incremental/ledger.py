"""Request bookkeeping: which articles were asked for and answered, which listings pend.

Article requests without an answer (stopped, abandoned, timed out) are carried over to the
next run: the pages that linked to them may never be fetched again.
"""

from __future__ import annotations

from typing import Any


class RequestLedger:
    def __init__(self, stats: Any):
        self.stats = stats
        # Only the articles still owed an answer: a long crawl would otherwise hold the URL
        # of every article it fetched until it ends.
        self.wanted: dict[str, tuple[str, int]] = {}
        self.answered: set[str | None] = set()
        self.listings_pending: set[str] = set()

    def settled(self, request: Any) -> None:
        self._answer(request.meta.get("article_id"))

    def unsettled(self, request: Any) -> None:
        article_id = request.meta.get("article_id")
        self.answered.discard(article_id)
        if request.meta.get("page_kind") == "article" and article_id:
            # The duplicate filter lets one request per article through, so the one that
            # was answered is the one first asked for: its URL before any redirect.
            first_url = (request.meta.get("redirect_urls") or [request.url])[0]
            self.wanted.setdefault(article_id, (first_url, request.meta.get("depth", 0)))

    def _answer(self, article_id: str | None) -> None:
        self.answered.add(article_id)
        self.wanted.pop(article_id, None)

    def request_dropped(self, request: Any) -> None:
        # Refused by the duplicate filter: in distributed mode another worker already has
        # this listing page, so it is not this run's to answer.
        if request.meta.get("page_kind") == "listing":
            self.stats.inc_value("newscrawl/run/listings_requested", -1)
            self.listings_pending.discard(request.url)

    def request_scheduled(self, request: Any) -> None:
        article_id = request.meta.get("article_id")
        if (
            request.meta.get("page_kind") == "article"
            and article_id
            and article_id not in self.answered
        ):
            self.wanted.setdefault(article_id, (request.url, request.meta.get("depth", 0)))
        # "No listing reachable" needs to know that listings were asked for at all.
        if request.meta.get("page_kind") == "listing":
            self.stats.inc_value("newscrawl/run/listings_requested")
            self.listings_pending.add(request.url)

    def response_received(self, response: Any, request: Any) -> None:
        # Any answer, 404 included, settles an article for this run.
        self._answer(request.meta.get("article_id"))
        if request.meta.get("page_kind") == "listing" and 200 <= response.status < 300:
            self.listings_pending.discard(request.url)
            self.listings_pending.difference_update(request.meta.get("redirect_urls", ()))

    def unanswered(self) -> dict[str, tuple[str, int]]:
        """id -> (url, depth) of the articles asked for that got no answer."""
        return dict(self.wanted)
