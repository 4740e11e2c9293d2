"""Distributed mode end to end: workers in subprocesses, a private redis-server, the local site.

Each test compares the union of the workers' feeds with what a single-process crawl of the
same site finds (``run_crawl`` on ``site_server``).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from newscrawl.distributed.keys import CrawlKeys
from newscrawl.distributed.merge import main, merge
from tests.conftest import TEST_SETTINGS
from tests.support.distributed_support import (
    RedisServer,
    feed_records,
    finish,
    result_stats,
    start_worker,
)

CRAWL = "test-crawl"


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def listing_urls(server) -> str:
    return ",".join(server.url(root) for root in server.site.listings)


def single_process_ids(site_server, run_crawl) -> set[str]:
    result = run_crawl({"start_urls": listing_urls(site_server)})
    return {item["article_id"] for item in result["items"]}


class Workers:
    """N crawl workers of one crawl, each with its own output and log.

    They share one feeds folder and one state folder, as workers on one host would: each
    must still write its own feeds, and the crawl state lives in Redis, not under a lock.
    """

    def __init__(
        self, tmp_path: Path, site, redis_server, count: int, crawl: str = CRAWL, **settings: str
    ):
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.feeds_dir = tmp_path / "worker-feeds" / crawl
        self.redis = redis_server
        self.keys = CrawlKeys(crawl)
        self.outs, self.logs, self.processes = [], [], []
        for number in range(count):
            out, log = tmp_path / f"{crawl}-{number}.json", tmp_path / f"{crawl}-{number}.log"
            merged = {
                **TEST_SETTINGS,
                "CONCURRENT_REQUESTS": "2",
                "NEWSCRAWL_REDIS_URL": redis_server.url,
                "NEWSCRAWL_REDIS_CRAWL": crawl,
                "NEWSCRAWL_REDIS_POLL_INTERVAL": "0.1",
                "MAX_IDLE_TIME_BEFORE_CLOSE": "1",
                "NEWSCRAWL_FEEDS_DIR": str(self.feeds_dir),
                "NEWSCRAWL_STATE_DIR": str(tmp_path / "state"),
                # A SQLite store is refused in distributed mode; tests that want the
                # (PostgreSQL) store pass it.
                "NEWSCRAWL_STORE": "",
                "LOG_FILE": str(log),
                **settings,
            }
            self.outs.append(out)
            self.logs.append(log)
            self.processes.append(start_worker(out, {"start_urls": listing_urls(site)}, merged))

    def wait_registered(self, site) -> list[bytes]:
        """Open the site once every worker is registered in Redis; returns their ids."""
        client = self.redis.client()
        for _ in range(1200):
            workers = client.smembers(self.keys.workers)
            if len(workers) == len(self.processes):
                site.gate.set()
                return sorted(workers)
            assert all(p.poll() is None for p in self.processes), "a worker exited early"
            time.sleep(0.05)
        raise AssertionError("the workers did not all register")

    def worker_of(self, process, worker_ids: list[bytes]) -> bytes:
        return next(w for w in worker_ids if f":{process.pid}:".encode() in w)

    def finish(self, skip=()) -> list[dict]:
        stats = []
        for process, out, log in zip(self.processes, self.outs, self.logs, strict=True):
            if process in skip:
                process.wait(timeout=60)
                continue
            finish(process, log)
            stats.append(result_stats(out))
        return stats


def assert_one_record_per_article(records: list[dict], expected: set[str]) -> None:
    ids = Counter(record["article_id"] for record in records)
    assert [i for i, n in ids.items() if n > 1] == [], "an article was written twice"
    assert set(ids) == expected


@pytest.mark.parametrize("count", [2, 3])
def test_workers_together_write_what_one_process_writes(
    count, tmp_path, site_server, run_crawl, gated_site, redis_server
):
    expected = single_process_ids(site_server, run_crawl)
    assert expected == site_server.expectations.crawled_ids

    workers = Workers(tmp_path, gated_site, redis_server, count)
    workers.wait_registered(gated_site)
    stats = workers.finish()

    assert_one_record_per_article(feed_records(workers.feeds_dir), expected)
    # Every worker took part, and wrote to its own folder.
    assert all(s.get("scheduler/dequeued/redis", 0) > 0 for s in stats)
    folders = {path.parent for path in workers.feeds_dir.rglob("articles.jsonl")}
    assert len(folders) == count
    # Each article page was fetched once across all workers.
    for article in gated_site.site.articles.values():
        if article.article_id in expected:
            assert gated_site.requests[article.path] == 1, article.path
    # The merge command finds the workers' folders through Redis.
    merged_dir = tmp_path / "merged"
    assert main([str(merged_dir), "--redis-url", redis_server.url, "--crawl", CRAWL]) == 0
    assert_one_record_per_article(feed_records(merged_dir), expected)
    assert (merged_dir / "comments.csv").exists() and (merged_dir / "links.csv").exists()

    # Nothing left behind: queue and leases empty, workers unregistered.
    client = redis_server.client()
    assert client.zcard(workers.keys.queue) == 0
    assert client.smembers(workers.keys.workers) == set()

    # A worker joining the finished crawl finds its start URLs seen: it fetches nothing,
    # writes nothing, and its run is still a good one.
    fetched = sum(gated_site.requests.values())
    late = Workers(tmp_path / "late", gated_site, redis_server, 1)
    [late_stats] = late.finish()
    assert feed_records(late.feeds_dir) == []
    assert late_stats["dupefilter/filtered"] == len(gated_site.site.listings)
    assert late_stats["newscrawl/run/status"] == "ok"
    assert sum(gated_site.requests.values()) == fetched


# The guarantees hold with the shared host budget on (its pacing, its lease cap) as off.
BUDGET = {"off": {}, "budget": {"NEWSCRAWL_HOST_RATE": "20"}}


@pytest.mark.parametrize("budget", BUDGET)
def test_a_worker_killed_mid_crawl_loses_nothing(
    budget, tmp_path, site_server, run_crawl, gated_site, redis_server
):
    expected = single_process_ids(site_server, run_crawl)
    workers = Workers(
        tmp_path, gated_site, redis_server, 3, crawl=f"kill-{budget}",
        NEWSCRAWL_REDIS_LEASE="3", **BUDGET[budget],
    )  # fmt: skip
    worker_ids = workers.wait_registered(gated_site)
    victim = workers.processes[0]
    leased_key = workers.keys.leased(workers.worker_of(victim, worker_ids).decode())
    client = redis_server.client()
    for _ in range(1200):
        if client.zcard(leased_key) > 0:
            break
        time.sleep(0.01)
    held = client.zcard(leased_key)
    victim.send_signal(signal.SIGKILL)
    assert held > 0, "the victim held no request when killed"

    stats = workers.finish(skip=[victim])
    assert victim.returncode == -signal.SIGKILL
    assert sum(s.get("newscrawl/distributed/requeued", 0) for s in stats) >= 1
    assert client.exists(leased_key) == 0

    # The union, de-duplicated by the merge command, is the single-process article set.
    records = feed_records(workers.feeds_dir)
    assert {record["article_id"] for record in records} == expected
    report = merge([workers.feeds_dir], tmp_path / "merged")
    merged = feed_records(tmp_path / "merged")
    assert_one_record_per_article(merged, expected)
    assert report.written == len(expected)


@pytest.mark.parametrize("budget", BUDGET)
def test_workers_ride_out_a_redis_outage(
    budget, tmp_path, site_server, run_crawl, gated_site, redis_server
):
    expected = single_process_ids(site_server, run_crawl)
    workers = Workers(tmp_path, gated_site, redis_server, 2, **BUDGET[budget])
    workers.wait_registered(gated_site)
    client = redis_server.client()
    for _ in range(1200):
        if (
            client.zcard(workers.keys.queue) >= 4
            and int(client.get(workers.keys.seen_count) or 0) >= 8
        ):
            break
        time.sleep(0.01)
    queued = client.zcard(workers.keys.queue)
    redis_server.stop()
    time.sleep(20)
    redis_server.start()
    assert queued >= 4, "the crawl was not under way when Redis stopped"

    stats = workers.finish()
    # The outage hit the crawl. Not necessarily every worker: one busy with the requests it
    # holds in memory may make no Redis call in those 20 s (its heartbeat comes every third
    # of the 60 s lease), and riding the outage out unaware is what it should do.
    outages = [s.get("newscrawl/distributed/redis_outages", 0) for s in stats]
    assert sum(outages) >= 1, outages
    assert_one_record_per_article(feed_records(workers.feeds_dir), expected)


def test_the_crawl_state_is_shared_in_redis(
    tmp_path, site_server, run_crawl, gated_site, redis_server
):
    expected = single_process_ids(site_server, run_crawl)
    first = Workers(tmp_path, gated_site, redis_server, 2)
    first.wait_registered(gated_site)
    first.finish()
    client = redis_server.client()
    known = client.hkeys("newscrawl:state:boursorama:articles")
    assert {key.decode() for key in known} == expected

    # The next crawl, by other workers, knows what the first one emitted: nothing is new.
    second = Workers(tmp_path, gated_site, redis_server, 2, crawl="next-crawl")
    second.wait_registered(gated_site)
    stats = second.finish()
    assert feed_records(second.feeds_dir) == []
    assert sum(s.get("newscrawl/pages/listing", 0) for s in stats) >= 1
    assert sum(s.get("newscrawl/pages/article", 0) for s in stats) == 0
