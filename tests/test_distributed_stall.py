"""A Redis stall that catches a call in flight: the call runs on Redis, its reply never
arrives. Made deterministic by a proxy (tests/support/redis_proxy.py) that stalls right after
the awaited command has reached Redis, past the client's timeout, then resumes.

Before the fix, a lease caught this way stayed in the worker's leased set for ever, kept
alive by its own heartbeat (and redis-py re-sent the timed-out script, leasing twice): no
worker fetched it, and none closed.
"""

from __future__ import annotations

import threading
import time

import pytest
from redis.commands.core import Script
from scrapy import Request
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newscrawl.distributed.addon import COMPONENTS
from newscrawl.distributed.merge import merge
from newscrawl.distributed.scheduler import LeasedRedisScheduler
from tests.support.distributed_support import feed_records
from tests.support.redis_proxy import StallingProxy
from tests.test_distributed_crawl import (
    Workers,
    assert_one_record_per_article,
    single_process_ids,
)
from tests.test_distributed_frontier import ARTICLE, LISTING, OTHER_ARTICLE, UnitSpider

STATS = "newscrawl/distributed/"


@pytest.fixture
def client(redis_server):
    client = redis_server.client()
    client.flushdb()
    return client


@pytest.fixture
def proxy(redis_server):
    proxy = StallingProxy(redis_server.port)
    yield proxy
    proxy.close()


class Engine:
    def __init__(self):
        self.inprogress = set()

    def in_progress(self, request) -> bool:
        return request in self.inprogress

    def wake(self) -> None:
        pass


def scheduler_through(proxy: StallingProxy) -> tuple[LeasedRedisScheduler, Engine]:
    crawler = get_crawler(
        UnitSpider,
        {
            "NEWSCRAWL_REDIS_URL": proxy.url,
            "NEWSCRAWL_REDIS_CRAWL": "unit",
            "NEWSCRAWL_REDIS_RETRY_INTERVAL": 0,
            "NEWSCRAWL_REDIS_TIMEOUT": 0.5,
            "MAX_IDLE_TIME_BEFORE_CLOSE": 0.01,
            **COMPONENTS,
            "REQUEST_FINGERPRINTER_CLASS": get_project_settings()["REQUEST_FINGERPRINTER_CLASS"],
        },
    )
    scheduler = LeasedRedisScheduler.from_crawler(crawler)
    engine = Engine()
    scheduler.attach(UnitSpider(), engine)
    # As on a running crawl, Redis knows the scripts: the stalled call is the script itself,
    # not redis-py's first NOSCRIPT attempt.
    for script in vars(scheduler.queue).values():
        if isinstance(script, Script):
            scheduler.server.script_load(script.script)
    return scheduler, engine


def stall_during(proxy: StallingProxy, script, call, seconds: float, one_connection=False):
    """Run ``call`` while the proxy stalls on ``script`` for ``seconds``; its result."""
    proxy.stall_on(script.sha.encode(), one_connection=one_connection)
    resumer = threading.Timer(seconds, proxy.resume)
    resumer.start()
    try:
        result = call()
    finally:
        assert proxy.caught.wait(5), "the awaited call never went through the proxy"
        resumer.join()
    return result


def drain(scheduler, engine) -> list[str]:
    """Fetch everything as the engine would, until the worker agrees to close."""
    fetched = []
    for _ in range(200):
        scheduler._tick()
        request = scheduler.next_request()
        if request is not None:
            fetched.append(request.url)
            continue  # the engine handles it at once: never added to inprogress
        try:
            scheduler._on_idle(scheduler.spider)
        except DontCloseSpider:
            time.sleep(0.02)
            continue
        return fetched
    pytest.fail(f"the worker never agreed to close; fetched {fetched}")


@pytest.mark.parametrize(
    ("seconds", "one_connection"),
    [(1.5, False), (4.0, False), (1.5, True)],
    ids=["stall-1.5s", "stall-4s", "lost-reply"],
)
def test_a_lease_whose_reply_is_lost_goes_back_to_the_queue(client, proxy, seconds, one_connection):
    scheduler, engine = scheduler_through(proxy)
    keys = scheduler.keys
    for url in (LISTING, ARTICLE, OTHER_ARTICLE):
        assert scheduler.enqueue_request(Request(url)) is True

    # The lease script runs on Redis; its reply is held past the client timeout (all of
    # Redis stalled, or only that reply lost while Redis answers everything else).
    got = stall_during(
        proxy, scheduler.queue._lease, scheduler.next_request, seconds, one_connection
    )
    assert got is None
    # It ran once: a timed-out script is not sent a second time.
    assert client.zcard(keys.leased(scheduler.worker)) == 1
    assert client.zcard(keys.queue) == 2

    # The first heartbeat after the error gives the unknown lease back.
    scheduler._tick()
    assert client.zcard(keys.leased(scheduler.worker)) == 0
    assert client.zcard(keys.queue) == 3
    assert scheduler.stats.get_value(STATS + "orphan_leases") == 1

    # A lease the worker knows stays leased through heartbeats.
    held = scheduler.next_request()
    engine.inprogress.add(held)
    scheduler.health.reconcile_due = True
    scheduler._tick()
    assert client.zcard(keys.leased(scheduler.worker)) == 1
    engine.inprogress.discard(held)

    fetched = [held.url, *drain(scheduler, engine)]
    assert sorted(fetched) == sorted([LISTING, ARTICLE, OTHER_ARTICLE])
    assert scheduler.queue.counts() == (0, 0)


def test_a_push_whose_reply_is_lost_queues_the_request_once(client, proxy):
    scheduler, engine = scheduler_through(proxy)
    # The push ran; the worker, not knowing, keeps the request and sends it again later.
    added = stall_during(
        proxy, scheduler.queue._push, lambda: scheduler.enqueue_request(Request(ARTICLE)), 1.5
    )
    assert added is True
    assert drain(scheduler, engine) == [ARTICLE]
    assert scheduler.queue.counts() == (0, 0)


def test_a_stalled_heartbeat_loses_no_lease(client, proxy):
    scheduler, engine = scheduler_through(proxy)
    scheduler.enqueue_request(Request(ARTICLE))
    held = scheduler.next_request()
    engine.inprogress.add(held)
    scheduler.health.reconcile_due = True
    stall_during(proxy, scheduler.queue._beat, scheduler._tick, 1.5)
    scheduler._tick()
    assert client.zcard(scheduler.keys.leased(scheduler.worker)) == 1  # still ours
    engine.inprogress.discard(held)
    assert drain(scheduler, engine) == []
    assert scheduler.queue.counts() == (0, 0)


# --- end to end ----------------------------------------------------------------------------


def test_two_workers_ride_out_a_stall_that_catches_a_lease(
    tmp_path, site_server, run_crawl, gated_site, redis_server, proxy
):
    expected = single_process_ids(site_server, run_crawl)
    client = redis_server.client()
    client.flushdb()
    workers = Workers(
        tmp_path, gated_site, redis_server, 2,
        NEWSCRAWL_REDIS_URL=proxy.url, NEWSCRAWL_REDIS_TIMEOUT="1",
    )  # fmt: skip
    workers.wait_registered(gated_site)
    for _ in range(1200):
        if (
            client.zcard(workers.keys.queue) >= 4
            and int(client.get(workers.keys.seen_count) or 0) >= 8
        ):
            break
        time.sleep(0.01)
    lease_sha = client.script_load(_lease_script())
    proxy.stall_on(lease_sha.encode() if isinstance(lease_sha, str) else lease_sha)
    assert proxy.caught.wait(30), "no lease call during the crawl"
    time.sleep(10)
    proxy.resume()

    stats = workers.finish()
    assert sum(s.get(STATS + "orphan_leases", 0) for s in stats) >= 1
    records = feed_records(workers.feeds_dir)
    assert {record["article_id"] for record in records} == expected
    merge([workers.feeds_dir], tmp_path / "merged")
    assert_one_record_per_article(feed_records(tmp_path / "merged"), expected)
    assert len(expected) == 39


def _lease_script() -> str:
    from newscrawl.distributed import frontier

    return frontier._LEASE
