"""The Redis frontier, the scheduler around it, the article fingerprint and the switch.

Against a private redis-server (tests/support/distributed_support.py); the scheduler is attached to
a stand-in for the engine's in-progress set, and its timer is driven by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from scrapy.utils.request import RequestFingerprinter
from scrapy.utils.test import get_crawler

from newscrawl.distributed import scheduler as scheduler_module
from newscrawl.distributed.addon import COMPONENTS, DistributedAddon
from newscrawl.distributed.frontier import LeasedQueue
from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.merge import registered_folders
from newscrawl.distributed.scheduler import LeasedRedisScheduler
from newscrawl.fingerprint import ArticleRequestFingerprinter

ARTICLE = "https://www.boursorama.com/bourse/actualites/un-titre-" + "a" * 32
SAME_ARTICLE = "https://bourse.boursobank.com/bourse/actualites/autre-titre-" + "a" * 32 + "?x=1"
OTHER_ARTICLE = "https://www.boursorama.com/bourse/actualites/un-titre-" + "b" * 32
LISTING = "https://www.boursorama.com/bourse/actualites/"
FINGERPRINT = "f1" * 20  # a fingerprint's hex: 20 bytes (SHA-1)


class UnitSpider(Spider):
    name = "unit"

    def parse(self, response):
        pass


@pytest.fixture
def client(redis_server):
    client = redis_server.client()
    client.flushdb()
    return client


def queue_for(client, worker: str, spider=None) -> LeasedQueue:
    return LeasedQueue(client, spider or UnitSpider(), CrawlKeys("unit"), worker, lease_ms=60_000)


# --- frontier ------------------------------------------------------------------------------


def test_the_seen_set_is_16_byte_ids_in_small_bucket_hashes(client, redis_server):
    keys = CrawlKeys("unit")
    queue = queue_for(client, "w1")
    fingerprints = [f"{n:040x}" for n in range(0, 2**160, 2**150)][:500]
    for fingerprint in fingerprints:
        assert queue.push_member(queue.encode(Request(ARTICLE)), 0, fingerprint) is True
    assert not any(queue.push_member(b"x", 0, f) for f in fingerprints)
    assert int(client.get(keys.seen_count)) == len(fingerprints)
    buckets = list(client.scan_iter(match=keys.seen + ":*"))
    assert 1 < len(buckets) <= len(fingerprints)
    bucket, field = keys.seen_slot(fingerprints[7])
    assert len(field) == 16 and client.hexists(bucket, field)
    assert client.object("encoding", bucket) == b"listpack"

    # The filter's own interface agrees, and clear() removes every bucket.
    scheduler, _ = attached(redis_server)
    assert scheduler.df.request_seen(Request(OTHER_ARTICLE)) is False
    assert scheduler.df.request_seen(Request(OTHER_ARTICLE)) is True
    assert scheduler.enqueue_request(Request(OTHER_ARTICLE)) is False
    scheduler.df.clear()
    assert list(client.scan_iter(match=keys.seen + ":*")) == []
    assert client.exists(keys.seen_count) == 0


def test_a_pop_is_a_lease_until_released(client):
    queue = queue_for(client, "w1")
    queue.push(Request(LISTING, priority=0))
    queue.push(Request(ARTICLE, priority=5))

    [(member, score)] = queue.lease(1)
    assert queue.decode(member).url == ARTICLE  # highest priority first
    assert score == -5
    assert queue.counts() == (1, 1)
    assert client.zcard(CrawlKeys("unit").leased("w1")) == 1

    assert queue.release([member]) == 1
    assert queue.counts() == (1, 0)


def test_seen_fingerprints_are_queued_once_unfiltered_requests_always(client):
    queue = queue_for(client, "w1")
    member = queue.encode(Request(ARTICLE))
    assert queue.push_member(member, 0, fingerprint=FINGERPRINT) is True
    assert queue.push_member(queue.encode(Request(ARTICLE)), 0, fingerprint=FINGERPRINT) is False
    # dont_filter requests (retries) have no fingerprint; identical ones stay two members.
    retry = Request(ARTICLE, dont_filter=True)
    assert queue.push_member(queue.encode(retry), 0, fingerprint=None) is True
    assert queue.push_member(queue.encode(retry), 0, fingerprint=None) is True
    assert queue.counts() == (3, 0)


def test_dead_workers_leases_go_back_to_the_queue_live_ones_stay(client):
    keys = CrawlKeys("unit")
    dead, alive, reaper = (
        queue_for(client, "dead"),
        queue_for(client, "alive"),
        queue_for(client, "r"),
    )
    for priority in (3, 2):
        dead.push(Request(ARTICLE, priority=priority))
    [(dead_member, dead_score)] = dead.lease(1)
    [(alive_member, _)] = alive.lease(1)
    client.delete(keys.alive("dead"))  # its heartbeat expired

    assert reaper.reap_dead() == 1
    assert client.zscore(keys.queue, dead_member) == dead_score
    assert client.zrange(keys.leased("alive"), 0, -1) == [alive_member]
    assert client.smembers(keys.workers) == {b"alive"}

    # A worker taken for dead that comes back shows up again as soon as it leases.
    dead.lease(1)
    assert b"dead" in client.smembers(keys.workers)
    assert client.exists(keys.alive("dead"))


def test_a_retiring_worker_gives_back_what_it_holds(client):
    keys = CrawlKeys("unit")
    queue = queue_for(client, "w1")
    queue.push(Request(ARTICLE))
    queue.lease(1)
    assert queue.retire() == 1
    assert queue.counts() == (1, 0)
    assert not client.exists(keys.alive("w1"))
    assert client.smembers(keys.workers) == set()


# --- fingerprints --------------------------------------------------------------------------


def test_one_fingerprint_per_article_id():
    fingerprinter = ArticleRequestFingerprinter()
    default = RequestFingerprinter()
    article = fingerprinter.fingerprint(Request(ARTICLE))
    assert fingerprinter.fingerprint(Request(SAME_ARTICLE)) == article
    assert fingerprinter.fingerprint(Request(OTHER_ARTICLE)) != article
    listing = Request(LISTING)
    assert fingerprinter.fingerprint(listing) == default.fingerprint(listing)
    # A redirect's follow-up keeps the article id: keyed on it, it would be a "duplicate".
    moved = Request(SAME_ARTICLE, meta={"redirect_urls": [ARTICLE]})
    assert fingerprinter.fingerprint(moved) != article


# --- the switch ----------------------------------------------------------------------------


def test_the_addon_switches_components_only_with_a_redis_url():
    settings = Settings({"SCHEDULER": "x.Y"}, priority="cmdline")
    DistributedAddon().update_settings(settings)
    assert settings["DUPEFILTER_CLASS"] != COMPONENTS["DUPEFILTER_CLASS"]

    settings = Settings()
    settings.set("NEWSCRAWL_REDIS_URL", "redis://127.0.0.1:6379/0", priority="cmdline")
    settings.set("SCHEDULER", "my.Scheduler", priority="cmdline")
    DistributedAddon().update_settings(settings)
    assert settings["DUPEFILTER_CLASS"] == COMPONENTS["DUPEFILTER_CLASS"]
    # Workers key articles on their id through the project-wide fingerprinter.
    assert get_project_settings()["REQUEST_FINGERPRINTER_CLASS"] == (
        "newscrawl.fingerprint.ArticleRequestFingerprinter"
    )
    assert settings["SCHEDULER"] == "my.Scheduler"  # the command line still wins


# --- scheduler -----------------------------------------------------------------------------


class FakeEngine:
    """The engine's in-progress set, and a count of wake-ups."""

    def __init__(self):
        self.inprogress = set()
        self.wakes = 0

    def in_progress(self, request) -> bool:
        return request in self.inprogress

    def wake(self) -> None:
        self.wakes += 1


def attached(redis_server, tmp_path=None, **settings):
    crawler = get_crawler(
        UnitSpider,
        {
            "NEWSCRAWL_REDIS_URL": redis_server.url,
            "NEWSCRAWL_REDIS_CRAWL": "unit",
            "NEWSCRAWL_REDIS_RETRY_INTERVAL": 0,
            "NEWSCRAWL_REDIS_TIMEOUT": 1,
            **COMPONENTS,
            # As in the project: articles keyed on their id.
            "REQUEST_FINGERPRINTER_CLASS": get_project_settings()["REQUEST_FINGERPRINTER_CLASS"],
            **settings,
        },
    )
    scheduler = LeasedRedisScheduler.from_crawler(crawler)
    engine = FakeEngine()
    scheduler.attach(UnitSpider(), engine)
    return scheduler, engine


def test_a_request_is_released_once_the_engine_is_done_with_it(client, redis_server):
    scheduler, engine = attached(redis_server)
    keys = scheduler.keys
    assert scheduler.enqueue_request(Request(ARTICLE)) is True
    request = scheduler.next_request()
    engine.inprogress.add(request)  # what the engine does with what next_request returns
    assert request.url == ARTICLE

    scheduler._tick()
    assert client.zcard(keys.leased(scheduler.worker)) == 1
    assert engine.wakes == 0  # busy: the engine will ask for more by itself

    engine.inprogress.discard(request)
    scheduler._tick()
    assert client.zcard(keys.leased(scheduler.worker)) == 0
    assert engine.wakes == 1  # idle: asked to look for work now
    assert scheduler.stats.get_value("newscrawl/distributed/released") == 1


def test_an_article_under_two_urls_is_queued_once(client, redis_server):
    scheduler, _ = attached(redis_server)
    assert scheduler.enqueue_request(Request(ARTICLE)) is True
    assert scheduler.enqueue_request(Request(SAME_ARTICLE)) is False
    assert scheduler.stats.get_value("dupefilter/filtered") == 1
    assert client.zcard(scheduler.keys.queue) == 1


def test_a_worker_stays_open_while_anyone_holds_a_lease(client, redis_server, monkeypatch):
    clock = iter(range(100, 200))
    # Only the scheduler's clock: redis-py reads time.monotonic too.
    monkeypatch.setattr(scheduler_module, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    scheduler, _ = attached(redis_server, MAX_IDLE_TIME_BEFORE_CLOSE=5)
    other = queue_for(client, "other")
    other.push(Request(ARTICLE))
    [(member, _)] = other.lease(1)

    with pytest.raises(DontCloseSpider):  # queue empty, but "other" may add requests
        scheduler._on_idle(scheduler.spider)
    other.release([member])
    with pytest.raises(DontCloseSpider):  # nothing anywhere: the idle clock starts
        scheduler._on_idle(scheduler.spider)
    for _ in range(5):
        try:
            scheduler._on_idle(scheduler.spider)
        except DontCloseSpider:
            continue
        break
    else:
        pytest.fail("the worker never agreed to close")


def test_requests_wait_in_memory_while_redis_is_away(client, redis_server):
    scheduler, engine = attached(redis_server)
    assert scheduler.enqueue_request(Request(LISTING)) is True
    leased = scheduler.next_request()
    engine.inprogress.add(leased)
    redis_server.stop()
    try:
        # Its callback yields a new request, and the engine finishes with it.
        assert scheduler.enqueue_request(Request(ARTICLE)) is True
        engine.inprogress.discard(leased)
        scheduler._tick()
        assert scheduler.next_request() is None
        assert scheduler.has_pending_requests() is True
        with pytest.raises(DontCloseSpider):
            scheduler._on_idle(scheduler.spider)
        assert scheduler.stats.get_value("newscrawl/distributed/redis_outages") == 1
    finally:
        redis_server.start()

    scheduler._tick()
    keys = scheduler.keys
    queued = [scheduler.queue.decode(m).url for m in client.zrange(keys.queue, 0, -1)]
    assert queued == [ARTICLE]
    assert client.zcard(keys.leased(scheduler.worker)) == 0  # released after the push
    assert scheduler.next_request().url == ARTICLE


def test_workers_note_their_feed_folders_for_the_merge(client, redis_server, tmp_path):
    attached(redis_server, FEEDS={str(tmp_path / "run" / "articles.jsonl"): {"format": "jsonl"}})
    assert registered_folders(redis_server.url, "unit") == [(tmp_path / "run").resolve()]
