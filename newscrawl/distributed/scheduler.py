"""scrapy-redis's scheduler with leases, fitted to Scrapy 2.19's scheduler interface.

What the subclass changes in scrapy-redis 0.9.1, and why:

- Built from the crawler (``from_crawler``), with the crawler's request fingerprinter in its
  duplicate filter and a Redis client that fails fast (``connection``).
- Pops are leases (``frontier``): a request leaves this worker's leased set only once the
  engine has finished with it: downloaded, its callback or errback run, its requests queued
  and its items through the pipelines and written by the feed exporters (which flush every
  item). A redirect or retry is queued before the request it replaces is released.
- Testing the seen set and queueing are one script, so no fingerprint without its request.
- ``next_request`` never blocks the reactor (scrapy-redis's FIFO queue waits in BRPOP for
  ``SCHEDULER_IDLE_BEFORE_CLOSE`` seconds inside it).
- ``has_pending_requests`` only says whether the shared queue holds something; a worker
  whose queue is empty while other workers still hold leases stays open, because those
  leases can add requests or come back to the queue. It closes once the queue and every
  lease have been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds (0 = never closes).
- A lease the worker does not know about (its script ran, its reply was lost) goes back to
  the queue at the next heartbeat, which is due at once after any Redis error (``frontier``).
- No hoarding under a host budget (``budget``): a worker holds at most ``lease_cap`` leased
  requests that have not reached the downloader yet (what the budget lets it start within
  ``NEWSCRAWL_LEASE_AHEAD`` seconds), so the rest stays in the queue for the other workers.
- Redis unreachable: requests to queue and leases to release wait in memory, in order, and
  are sent when Redis answers again; the worker finishes what it holds and waits, it does
  not crash and does not close.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import socket
import time
from collections import deque
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler

from newscrawl.defaults import project_settings
from newscrawl.distributed.budget import lease_cap
from newscrawl.distributed.connection import UNAVAILABLE, RedisHealth, client_from_settings
from newscrawl.distributed.dupefilter import RedisDupeFilter
from newscrawl.distributed.frontier import LeasedQueue
from newscrawl.distributed.keys import CrawlKeys, crawl_keys
from newscrawl.feeds.uri import local_path
from newscrawl.scrapy_private import engine_slot, require_engine_slot

logger = logging.getLogger(__name__)

STATS = "newscrawl/distributed/"


def new_worker_id() -> str:
    """Host, pid and a random tail: unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class _EngineView:
    """What the scheduler needs from the engine and Scrapy has no public API for.

    Scrapy sends no signal when a request is completely handled. The engine's in-progress
    set is the exact answer: a request enters it before the download and leaves it after its
    callback's output (requests and items) has been processed. ``nextcall.schedule()`` asks
    the engine to call ``next_request`` now rather than at its 5 s heartbeat, so an idle
    worker starts on new work as soon as another worker queues it. Both are private:
    ``newscrawl.scrapy_private`` checks them when the scheduler is built and refuses to run
    on an engine without them rather than lose requests.
    """

    def __init__(self, engine):
        self._slot = engine_slot(engine, "newscrawl.distributed")

    def in_progress(self, request) -> bool:
        return request in self._slot.inprogress

    def wake(self) -> None:
        self._slot.nextcall.schedule()


class LeasedRedisScheduler(Scheduler):
    def __init__(
        self,
        crawler,
        server,
        keys: CrawlKeys,
        dupefilter: RedisDupeFilter,
        *,
        persist: bool,
        flush_on_start: bool,
        lease_seconds: float,
        poll_interval: float,
        retry_interval: float,
        max_idle: float,
        lease_cap: int | None = None,
        serializer=None,
    ):
        super().__init__(
            server,
            persist=persist,
            flush_on_start=flush_on_start,
            queue_key=keys.queue,
            dupefilter=dupefilter,
            dupefilter_key=keys.seen,
            serializer=serializer,
        )
        self.crawler = crawler
        self.stats = crawler.stats
        self.keys = keys
        self.worker = new_worker_id()
        self.lease_ms = int(lease_seconds * 1000)
        self.beat_interval = min(max(lease_seconds / 6, 0.5), 10.0)
        self.poll_interval = poll_interval
        self.max_idle = max_idle
        self.health = RedisHealth(retry_interval, crawler.stats)
        self._leases: dict[object, bytes] = {}  # request -> its member in our leased set
        self._done: list[bytes] = []  # handled, not yet released (Redis away)
        self._backlog: deque[tuple[bytes, float, str | None]] = deque()  # not yet queued
        self._next_beat = 0.0
        self._idle_since: float | None = None
        self._engine: _EngineView | None = None
        self._loop = None
        self.lease_cap = lease_cap
        self._unstarted: set = set()  # leased, not yet in the downloader
        self._capped = False
        crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._on_started, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler):
        require_engine_slot("newscrawl.distributed")
        settings = crawler.settings
        ours = project_settings(settings)
        server = client_from_settings(settings)
        try:
            server.ping()
        except UNAVAILABLE as exc:
            # At start there is nothing to protect: fail at once with the reason.
            raise RuntimeError(
                f"newscrawl: Redis at {settings.get('NEWSCRAWL_REDIS_URL')} is unreachable: {exc}"
            ) from exc
        keys = crawl_keys(settings, crawler.spidercls.name)
        dupefilter_cls = load_object(settings["DUPEFILTER_CLASS"])
        if not issubclass(dupefilter_cls, RedisDupeFilter):
            raise TypeError(f"DUPEFILTER_CLASS must be a RedisDupeFilter, not {dupefilter_cls}")
        rate = ours.getfloat("NEWSCRAWL_HOST_RATE")  # the add-on derives it from the delay
        serializer = settings.get("SCHEDULER_SERIALIZER")
        if isinstance(serializer, str):
            serializer = importlib.import_module(serializer)
        return cls(
            crawler,
            server,
            keys,
            dupefilter_cls.from_crawler(crawler, server=server, key=keys.seen),
            persist=settings.getbool("SCHEDULER_PERSIST"),
            flush_on_start=settings.getbool("SCHEDULER_FLUSH_ON_START"),
            lease_seconds=ours.getfloat("NEWSCRAWL_REDIS_LEASE"),
            poll_interval=ours.getfloat("NEWSCRAWL_REDIS_POLL_INTERVAL"),
            retry_interval=ours.getfloat("NEWSCRAWL_REDIS_RETRY_INTERVAL"),
            max_idle=ours.getfloat("MAX_IDLE_TIME_BEFORE_CLOSE"),
            lease_cap=lease_cap(rate, ours.getfloat("NEWSCRAWL_LEASE_AHEAD")) if rate > 0 else None,
            serializer=serializer,
        )

    # --- lifecycle -----------------------------------------------------------------------

    def open(self, spider):
        self.attach(spider, _EngineView(self.crawler.engine))
        self._loop = create_looping_call(self._tick)
        self._loop.start(self.poll_interval, now=False)

    def attach(self, spider, engine) -> None:
        """Everything ``open`` does but start the timer (tests drive ``_tick`` themselves)."""
        self.spider = spider
        self._engine = engine
        self.queue = LeasedQueue(
            self.server, spider, self.keys, self.worker, self.lease_ms, self.serializer
        )
        if self.flush_on_start:
            self.flush()
        self.queue.heartbeat()
        self._register_feeds()
        moved = self.queue.reap_dead()
        if moved:
            self.stats.inc_value(STATS + "requeued", moved)
        queued, leased = self.queue.counts()
        logger.info(
            "Worker %s joined crawl %r at %s: %d requests queued, %d leased by other workers",
            self.worker,
            self.keys.crawl,
            self.crawler.settings.get("NEWSCRAWL_REDIS_URL"),
            queued,
            leased,
        )
        self.stats.set_value(STATS + "worker", self.worker)

    def close(self, reason):
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._settle()
        if self._backlog or self._done:
            self.stats.set_value(STATS + "unqueued_at_close", len(self._backlog))
            logger.error(
                "Worker %s closes while Redis is unreachable: %d new requests could not be "
                "queued; its %d handled leases go back to the queue once they expire",
                self.worker,
                len(self._backlog),
                len(self._done),
            )
            return
        try:
            requeued = self.queue.retire()
            if not self.persist:
                self.flush()
        except UNAVAILABLE as exc:
            logger.error("Worker %s could not unregister from Redis: %s", self.worker, exc)
            return
        if requeued:
            logger.info("Worker %s left %d requests to the others", self.worker, requeued)

    def _register_feeds(self) -> None:
        """Note where this worker's feeds go, for ``merge --crawl``."""
        host = socket.gethostname()
        folders = set()
        for uri in self.crawler.settings.getdict("FEEDS"):
            path = local_path(str(uri))
            if path is not None:
                folders.add(f"{host}:{Path(path).resolve().parent}")
        if folders:
            self.server.sadd(self.keys.feeds, *sorted(folders))

    # --- Scrapy's scheduler interface ----------------------------------------------------

    def enqueue_request(self, request) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        entry = (self.queue.encode(request), -request.priority, fingerprint)
        if self._backlog or not self.health.usable():
            return self._keep(entry)
        try:
            added = self.queue.push_member(*entry)
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return self._keep(entry)
        self.health.ok()
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        self._settle()
        if not self.health.usable():
            return None
        if self.lease_cap is not None and len(self._unstarted) >= self.lease_cap:
            self._capped = True  # _on_started wakes the engine when one starts
            return None
        try:
            leased = self.queue.lease(1)
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return None
        self.health.ok()
        if not leased:
            return None
        member = leased[0][0]
        try:
            request = self.queue.decode(member)
        except Exception:
            # A request this code cannot rebuild (a callback renamed since it was queued)
            # would stay leased for ever and keep every worker from closing.
            logger.exception("Dropping a queued request that cannot be decoded")
            self.stats.inc_value(STATS + "undecodable")
            self._done.append(member)
            return None
        self._leases[request] = member
        if self.lease_cap is not None:
            self._unstarted.add(request)
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _on_started(self, request, spider=None) -> None:
        self._unstarted.discard(request)
        if self._capped and self._engine is not None:
            self._capped = False
            self._engine.wake()

    def has_pending_requests(self) -> bool:
        if self._backlog or not self.health.usable():
            return True  # requests not queued yet, or Redis away: never "nothing left"
        try:
            pending = len(self.queue) > 0
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return True
        self.health.ok()
        return pending

    # --- leases --------------------------------------------------------------------------

    def _keep(self, entry) -> bool:
        self._backlog.append(entry)
        self.stats.max_value(STATS + "backlog_max", len(self._backlog))
        return True

    def _settle(self) -> None:
        """Release what the engine has finished with; queue what Redis could not take."""
        if self._engine is not None:
            finished = [r for r in self._leases if not self._engine.in_progress(r)]
            for request in finished:
                self._done.append(self._leases.pop(request))
                self._unstarted.discard(request)  # dropped before the download
        if not (self._backlog or self._done) or not self.health.usable():
            return
        try:
            # Requests first: a lease is released only once what it produced is queued.
            while self._backlog:
                added = self.queue.push_member(*self._backlog[0])
                self._backlog.popleft()
                self.stats.inc_value("scheduler/enqueued/redis" if added else "dupefilter/filtered")
            if self._done:
                held = self.queue.release(self._done)
                self.stats.inc_value(STATS + "released", len(self._done))
                if held < len(self._done):
                    # Taken for dead while Redis was away: the others queued them again.
                    self.stats.inc_value(STATS + "lease_lost", len(self._done) - held)
                self._done.clear()
        except UNAVAILABLE as exc:
            self.health.failed(exc)
        else:
            self.health.ok()

    def _held(self) -> list[bytes]:
        """The members of our leased set we know of: in the engine, or awaiting release."""
        return [*self._leases.values(), *self._done]

    def _tick(self) -> None:
        """Every poll interval: heartbeat, requeue dead workers' leases, release, wake."""
        if not self.health.usable():
            return
        now = time.monotonic()
        if now >= self._next_beat or self.health.down or self.health.reconcile_due:
            try:
                self.health.reconcile_due = False
                orphans = self.queue.heartbeat(self._held())
                moved = self.queue.reap_dead()
            except UNAVAILABLE as exc:
                self.health.failed(exc)
                return
            self.health.ok()
            self._next_beat = now + self.beat_interval
            if orphans:
                self.stats.inc_value(STATS + "orphan_leases", orphans)
                logger.warning(
                    "Gave back %d leased requests whose lease reply never arrived", orphans
                )
            if moved:
                self.stats.inc_value(STATS + "requeued", moved)
                logger.warning("Queued again %d requests of workers whose lease expired", moved)
        self._settle()
        if not self._leases and self._engine is not None:
            self._engine.wake()

    def _on_idle(self, spider) -> None:
        """Close only when nobody has anything left, for MAX_IDLE_TIME_BEFORE_CLOSE seconds."""
        self._settle()
        if self._backlog or self._done or not self.health.usable():
            raise DontCloseSpider
        try:
            queued, leased = self.queue.counts()
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            raise DontCloseSpider from exc
        self.health.ok()
        now = time.monotonic()
        if queued or leased:
            self._idle_since = None
            raise DontCloseSpider
        if self._idle_since is None:
            self._idle_since = now
        if self.max_idle <= 0 or now - self._idle_since < self.max_idle:
            raise DontCloseSpider
        logger.info(
            "Crawl %r: frontier empty for %.1f s, worker %s closes",
            self.keys.crawl,
            now - self._idle_since,
            self.worker,
        )
