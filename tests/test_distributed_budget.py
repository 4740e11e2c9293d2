"""The shared host budget: one request rate per host for the whole crawl, a shared pause on
429/503, and no hoarding (a worker leases only what it can start soon).

Against a private redis-server and the local site, whose access log (arrival times) is the
judge: what the site saw, not what the workers say.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left

import pytest
from scrapy.settings import Settings

from newscrawl.distributed.addon import BUDGET_MIDDLEWARE, DistributedAddon
from newscrawl.distributed.budget import HostBudget, host_rate, lease_cap
from newscrawl.distributed.keys import CrawlKeys
from tests.site.model import SAMPLE_LISTINGS, build_bench_site, build_site
from tests.support.distributed_support import GatedSiteServer, feed_records, gated_local_site
from tests.test_distributed_crawl import Workers, assert_one_record_per_article

RATE = 5
WINDOW = 2.0
# 2 s x 5/s, plus 10 %: the bound.
MOST_PER_WINDOW = 11


def most_in_any_window(times: list[float], window: float = WINDOW) -> int:
    """The most arrivals in any window [t, t + window)."""
    times = sorted(times)
    return max((bisect_left(times, t + window) - i for i, t in enumerate(times)), default=0)


@pytest.fixture
def client(redis_server):
    client = redis_server.client()
    client.flushdb()
    return client


# --- the budget in Redis ---------------------------------------------------------------------


def test_the_budget_spaces_grants_and_says_how_long_to_wait(client):
    budget = HostBudget(client, CrawlKeys("unit"), rate=RATE)
    assert budget.acquire("example.org") == 0
    wait = budget.acquire("example.org")
    assert 0 < wait <= 1 / RATE
    assert budget.acquire("other.example") == 0  # one budget per host
    time.sleep(wait)
    assert budget.acquire("example.org") == 0


def test_a_pause_holds_every_grant_and_is_only_lengthened(client):
    budget = HostBudget(client, CrawlKeys("unit"), rate=RATE)
    assert budget.pause("example.org", 3) is True
    assert budget.pause("example.org", 1) is False  # a shorter pause does not cut it
    assert 2.5 < budget.acquire("example.org") <= 3
    assert budget.acquire("other.example") == 0


def test_the_window_count():
    assert most_in_any_window([0.0, 0.2, 1.9, 2.0, 2.1]) == 4  # [0.2, 2.2)
    assert most_in_any_window([0.0, 2.0, 4.0]) == 1
    assert most_in_any_window([]) == 0


def test_rate_cap_and_the_settings_the_addon_moves():
    assert host_rate(0, 0.5) == 2 and host_rate(5, 0.5) == 5 and host_rate(0, 0) == 0
    assert lease_cap(5, 1.0) == 5 and lease_cap(0.5, 1.0) == 1

    settings = Settings({"NEWSCRAWL_REDIS_URL": "redis://x", "DOWNLOAD_DELAY": 0.5})
    settings.set("AUTOTHROTTLE_ENABLED", True, priority="project")
    DistributedAddon().update_settings(settings)
    assert settings.getfloat("NEWSCRAWL_HOST_RATE") == 2
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False
    assert BUDGET_MIDDLEWARE in settings.getdict("DOWNLOADER_MIDDLEWARES")

    # No delay, no rate: no budget, nothing moved.
    settings = Settings({"NEWSCRAWL_REDIS_URL": "redis://x", "DOWNLOAD_DELAY": 0})
    DistributedAddon().update_settings(settings)
    assert BUDGET_MIDDLEWARE not in settings.getdict("DOWNLOADER_MIDDLEWARES")


# --- what the site sees ------------------------------------------------------------------------


@pytest.fixture
def gated_site():
    with gated_local_site(delay=0.05) as server:
        yield server


@pytest.mark.parametrize("count", [1, 2, 4])
def test_the_site_sees_the_budget_whatever_the_number_of_workers(
    count, tmp_path, gated_site, redis_server, client
):
    workers = Workers(
        tmp_path, gated_site, redis_server, count, crawl=f"budget-{count}",
        NEWSCRAWL_HOST_RATE=str(RATE), CONCURRENT_REQUESTS="8",
    )  # fmt: skip
    workers.wait_registered(gated_site)
    stats = workers.finish()

    times = [t for t, _ in gated_site.access_log]
    assert len(times) > 2 * MOST_PER_WINDOW  # long enough for the windows to mean something
    most = most_in_any_window(times)
    print(f"budget, {count} worker(s): {len(times)} requests, at most {most} in any {WINDOW} s")
    assert most <= MOST_PER_WINDOW
    assert_one_record_per_article(
        feed_records(workers.feeds_dir), gated_site.expectations.crawled_ids
    )
    assert all(s.get("newscrawl/budget/granted", 0) > 0 for s in stats)
    # The per-process pacing is off: the budget alone paces.
    assert all("newscrawl/budget/waited" in s for s in stats)


class TooManyRequestsOnce(GatedSiteServer):
    """Answers ``path`` once with 429 and Retry-After: 3."""

    def __init__(self, site, path: str):
        super().__init__(site, delay=0.05)
        self.path = path
        self.refused_at: float | None = None

    def _answer(self, path: str):
        if path == self.path and self.refused_at is None:
            self.gate.wait(timeout=120)
            self.refused_at = time.time()
            return 429, {"Retry-After": "3", "Content-Type": "text/plain"}, b"slow down"
        return super()._answer(path)


def test_a_429_to_one_worker_pauses_the_host_for_all(tmp_path, redis_server, client):
    site, expectations = build_site()
    listed = next(iter(site.listings.values()))
    target = site.articles[listed[3]].path
    with TooManyRequestsOnce(site, target) as server:
        workers = Workers(
            tmp_path, server, redis_server, 2, crawl="pause",
            NEWSCRAWL_HOST_RATE="4", CONCURRENT_REQUESTS="8",
        )  # fmt: skip
        workers.wait_registered(server)
        stats = workers.finish()
    assert server.refused_at is not None
    later = [t for t, _ in server.access_log if t >= server.refused_at + 3]
    assert later, "the crawl did not go on after the pause"
    during = [
        (round(t - server.refused_at, 3), path)
        for t, path in server.access_log
        if server.refused_at < t < server.refused_at + 3
    ]
    after = min(t for t, _ in server.access_log if t > server.refused_at) - server.refused_at
    print(f"429 with Retry-After: 3; the host's next request came {after:.2f} s later")
    assert during == []
    assert sum(s.get("newscrawl/budget/pauses", 0) for s in stats) == 1
    assert_one_record_per_article(feed_records(workers.feeds_dir), expectations.crawled_ids)


# --- no hoarding -------------------------------------------------------------------------------


def test_a_worker_joining_a_running_crawl_gets_a_fair_share(tmp_path, redis_server, client):
    # Five listings of 48 articles: 3 pages each, within the spider's max_pages (3).
    site = build_bench_site(240, listings=SAMPLE_LISTINGS)
    keys = CrawlKeys("join")
    settings = dict(NEWSCRAWL_HOST_RATE="20", CONCURRENT_REQUESTS="16")
    with GatedSiteServer(site, delay=0.0) as server:
        server.gate.set()
        first = Workers(tmp_path / "a", server, redis_server, 1, crawl="join", **settings)
        before = {_new_worker(client, keys, set()).encode()}
        time.sleep(3)  # the first worker crawls alone for 3 s
        second = Workers(tmp_path / "b", server, redis_server, 1, crawl="join", **settings)
        joiner = _new_worker(client, keys, before)
        joined, fetched_at_join = time.time(), len(server.access_log)
        got_work = _first_lease(client, keys, joiner)
        [first_stats], [second_stats] = first.finish(), second.finish()

    assert fetched_at_join > 0, "the first worker had not started"
    assert got_work is not None and got_work - joined < 2.0
    first_after_join = first_stats["downloader/request_count"] - fetched_at_join
    second_fetched = second_stats["downloader/request_count"]
    print(f"join: first {first_after_join} requests after the join, second {second_fetched}")
    assert second_fetched >= first_after_join / 3, (second_fetched, first_after_join)
    records = feed_records(first.feeds_dir) + feed_records(second.feeds_dir)
    assert len({r["article_id"] for r in records}) == len(records) == len(site.articles)


def _new_worker(client, keys: CrawlKeys, before: set[bytes]) -> str:
    for _ in range(1500):
        new = client.smembers(keys.workers) - before
        if new:
            return new.pop().decode()
        time.sleep(0.02)
    raise AssertionError("the second worker did not register")


def _first_lease(client, keys: CrawlKeys, worker: str) -> float | None:
    """When ``worker`` first held a lease (polled every 10 ms), or None within 10 s."""
    deadline = time.time() + 10
    while time.time() < deadline:
        if client.zcard(keys.leased(worker)):
            return time.time()
        time.sleep(0.01)
    return None


# --- the retry middleware's share of the backoff ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "paused"),
    [(429, {"Retry-After": "3"}, 3.0), (503, {}, "backoff"), (500, {}, None)],
)
def test_the_retry_middleware_announces_host_backoffs(status, headers, paused):
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from newscrawl.middlewares.retry import HOST_BACKOFF, BackoffRetryMiddleware

    crawler = get_crawler(settings_dict={"NEWSCRAWL_RETRY_BACKOFF_BASE": 2.0})
    crawler.spider = crawler._create_spider("unit")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    heard = []
    crawler.signals.connect(
        lambda host, seconds: heard.append((host, seconds)), HOST_BACKOFF, weak=False
    )
    # Out of retries: the response goes on at once (no wait to run), the backoff is shared.
    request = Request("https://Example.org/a", meta={"retry_times": 99})
    response = Response(request.url, status=status, headers=headers, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    if paused is None:
        assert heard == []
    elif paused == "backoff":
        [(host, seconds)] = heard
        assert host == "example.org" and seconds > 0
    else:
        assert heard == [("example.org", paused)]
