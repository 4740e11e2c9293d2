"""The request ledger keeps only what is still owed, and says what the full record said.

The reference below is the ledger as it was when it kept every article it was asked for:
the same events, in random orders, must leave the same articles unanswered.
"""

from __future__ import annotations

import random

import pytest
from scrapy import Request

from newscrawl.incremental.ledger import RequestLedger


class _Stats:
    def inc_value(self, *args, **kwargs):
        pass


class _KeepEverything:
    def __init__(self):
        self.wanted, self.answered = {}, set()

    def request_scheduled(self, request):
        article_id = request.meta.get("article_id")
        if request.meta.get("page_kind") == "article" and article_id:
            self.wanted.setdefault(article_id, (request.url, request.meta.get("depth", 0)))

    def answer(self, request):
        self.answered.add(request.meta.get("article_id"))

    def unsettled(self, request):
        self.answered.discard(request.meta.get("article_id"))

    def unanswered(self):
        return {k: v for k, v in self.wanted.items() if k not in self.answered}


def _request(rng: random.Random, article: int, redirected: bool) -> Request:
    kind = rng.choice(["article"] * 6 + ["listing", None])
    meta = {"article_id": f"id{article}" if kind == "article" else None, "depth": article % 3}
    if kind:
        meta["page_kind"] = kind
    url = f"https://www.boursorama.com/actualites/a-id{article}"
    if redirected and kind == "article":
        meta["redirect_urls"] = [url]
        url += "?moved"
    return Request(url, meta=meta)


@pytest.mark.parametrize("seed", range(30))
def test_unanswered_as_the_full_record_says(seed):
    rng = random.Random(seed)
    ledger, reference = RequestLedger(_Stats()), _KeepEverything()
    first: dict[int, Request] = {}
    for _ in range(rng.randrange(1, 300)):
        article = rng.randrange(40)
        event = rng.choice(["schedule", "schedule", "answer", "settle", "unsettle"])
        if event == "schedule" or article not in first:
            request = _request(rng, article, redirected=False)
            first.setdefault(article, request)
            ledger.request_scheduled(request)
            reference.request_scheduled(request)
            continue
        # Only the first request of an article passes the duplicate filter and is answered
        # (possibly after a redirect).
        asked = first[article]
        answered = asked
        if rng.random() < 0.3 and asked.meta.get("page_kind") == "article":
            answered = asked.replace(
                url=asked.url + "?moved", meta={**asked.meta, "redirect_urls": [asked.url]}
            )
        if event == "answer":
            ledger.response_received(type("R", (), {"status": 200})(), answered)
            reference.answer(answered)
        elif event == "settle":
            ledger.settled(answered)
            reference.answer(answered)
        else:
            ledger.unsettled(answered)
            reference.unsettled(answered)
    assert ledger.unanswered() == reference.unanswered()


def test_an_answered_article_is_not_held():
    ledger = RequestLedger(_Stats())
    request = Request("https://x/a-1", meta={"page_kind": "article", "article_id": "1"})
    ledger.request_scheduled(request)
    ledger.response_received(type("R", (), {"status": 200})(), request)
    ledger.request_scheduled(request)  # a later link to it
    assert ledger.wanted == {} and ledger.unanswered() == {}
