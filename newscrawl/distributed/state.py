"""The incremental crawl state in Redis, shared by every worker.

It implements ``newscrawl.incremental.state.CrawlState``.

In distributed mode the add-on names ``redis_state`` in ``NEWSCRAWL_STATE_STORE``; the
incremental extension then keeps its state here instead of a SQLite file under the run lock,
so what one worker emitted is known to all, in this crawl and the next. The keys live under
``<prefix>:state:<spider>:`` (not under the crawl id: the state spans crawls):

- ``articles``: hash, article id -> ArticleState as JSON;
- ``runs``: hash, run id -> run record as JSON; each worker is one run;
- ``staged:<run>``: hash, article id -> Visit as JSON, applied by ``commit_run``;
- ``history``: list, capped at ``HISTORY_CAP``, of the committed runs' figures (run id,
  items, pages) oldest first, for the history monitor; appended in the commit itself;
- ``run-alive:<run>``: exists while the run's worker is alive. ``unfinished_runs`` lists only
  runs whose worker is gone, so a worker starting up never settles a run still going on.

Differences from the SQLite store, on purpose:

- ``frontier``/``replace_frontier``: the requests a stopped crawl never answered stay in the
  crawl's Redis queue (``SCHEDULER_PERSIST``); workers started again under the same crawl id
  take them up, so the store keeps no second list (and one worker's list of unanswered
  requests is wrong anyway: other workers answered them).
- Redis away: a call waits and retries (``NEWSCRAWL_REDIS_STATE_WAIT`` seconds at most)
  instead of failing, because a failed call would fail the item it is about.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import TypeVar

import redis

from newscrawl.defaults import project_settings
from newscrawl.distributed.connection import UNAVAILABLE, client_from_settings
from newscrawl.incremental.state import (
    ABORTED,
    COMMITTED,
    RECOVERED,
    RUNNING,
    ArticleState,
    RunFigures,
    RunRecord,
    Visit,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# More than any NEWSCRAWL_MONITOR_HISTORY_RUNS one would use; the list never grows past it.
HISTORY_CAP = 200


def redis_state(crawler) -> RedisState:
    """The ``NEWSCRAWL_STATE_STORE`` factory of distributed mode."""
    settings = crawler.settings
    ours = project_settings(settings)
    prefix = ours.get("NEWSCRAWL_REDIS_PREFIX", empty_is_default=True)
    lease = ours.getfloat("NEWSCRAWL_REDIS_LEASE")
    return RedisState(
        client_from_settings(settings),
        f"{prefix}:state:{crawler.spidercls.name}:",
        # Ten leases: a worker that waits for a dead one's lease to expire makes no state
        # call for a while, and must not look dead itself.
        run_lease_seconds=10 * lease,
        wait_seconds=ours.getfloat("NEWSCRAWL_REDIS_STATE_WAIT"),
        retry_interval=ours.getfloat("NEWSCRAWL_REDIS_RETRY_INTERVAL"),
    )


class RedisState:
    def __init__(
        self,
        client: redis.Redis,
        base: str,
        *,
        run_lease_seconds: float = 600.0,
        wait_seconds: float = 300.0,
        retry_interval: float = 1.0,
    ):
        self.client = client
        self.base = base
        self.run_lease_ms = int(run_lease_seconds * 1000)
        self.wait_seconds = wait_seconds
        self.retry_interval = retry_interval
        self._touched: dict[str, float] = {}

    # --- keys ----------------------------------------------------------------------------

    @property
    def _articles(self) -> str:
        return self.base + "articles"

    @property
    def _runs(self) -> str:
        return self.base + "runs"

    @property
    def _history(self) -> str:
        return self.base + "history"

    def _staged(self, run_id: str) -> str:
        return self.base + "staged:" + run_id

    def _alive(self, run_id: str) -> str:
        return self.base + "run-alive:" + run_id

    # --- reads ---------------------------------------------------------------------------

    def get(self, article_id: str) -> ArticleState | None:
        raw = self._call(lambda: self.client.hget(self._articles, article_id))
        return ArticleState(**json.loads(raw)) if raw else None

    def unfinished_runs(self) -> list[RunRecord]:
        def read() -> list[RunRecord]:
            found = []
            for raw in self.client.hvals(self._runs):
                run = json.loads(raw)
                if run["status"] != RUNNING or self.client.exists(self._alive(run["run_id"])):
                    continue
                staged = self.client.hlen(self._staged(run["run_id"]))
                found.append(_record(run, staged))
            return sorted(found, key=lambda r: r.started)

        return self._call(read)

    def last_run_reason(self) -> str | None:
        runs = [json.loads(raw) for raw in self._call(lambda: self.client.hvals(self._runs))]
        done = [r for r in runs if r["status"] in (COMMITTED, RECOVERED)]
        return max(done, key=lambda r: r["started"]).get("reason") if done else None

    def frontier(self) -> list[tuple[str, str, int]]:
        return []  # unanswered requests stay in the crawl's Redis queue (see module doc)

    def run_history(self, limit: int, exclude: str | None = None) -> list[RunFigures]:
        """The last ``limit`` committed runs of this spider's state, oldest first."""
        if limit <= 0:
            return []
        # One more than asked, in case the excluded run is among the last.
        raws = self._call(lambda: self.client.lrange(self._history, -(limit + 1), -1))
        runs = [RunFigures(**json.loads(raw)) for raw in raws]
        return [run for run in runs if run.run_id != exclude][-limit:]

    # --- writes --------------------------------------------------------------------------

    def begin_run(self, run_id: str, started: str) -> None:
        run = {"run_id": run_id, "started": started, "finished": None, "status": RUNNING}
        run.update(feeds=[], reason=None)

        def write() -> None:
            with self.client.pipeline() as pipe:
                pipe.hset(self._runs, run_id, json.dumps(run))
                pipe.set(self._alive(run_id), b"1", px=self.run_lease_ms)
                pipe.execute()

        self._call(write)
        self._touched[run_id] = time.monotonic()

    def set_run_feeds(self, run_id: str, feeds: Iterable[str]) -> None:
        self._update_run(run_id, feeds=list(feeds))

    def set_run_reason(self, run_id: str, reason: str) -> None:
        self._update_run(run_id, reason=reason)

    def set_run_figures(self, run_id: str, items: int, pages: int) -> None:
        self._update_run(run_id, items=items, pages=pages)

    def replace_frontier(self, run_id: str, pending: dict[str, tuple[str, int]]) -> None:
        return None  # see frontier()

    def stage(self, run_id: str, visit: Visit) -> None:
        self._call(lambda: self.client.hset(self._staged(run_id), visit.article_id, _dump(visit)))
        self._touch(run_id)

    def flush(self) -> None:
        return None  # each stage() is already one HSET, acknowledged by the server

    def commit_run(self, run_id: str, finished: str, status: str = COMMITTED) -> int:
        """Apply the run's staged visits to the articles, atomically; returns how many."""
        return self._call(lambda: self._commit(run_id, finished, status))

    def discard_run(self, run_id: str, finished: str, status: str = ABORTED) -> int:
        def discard() -> int:
            count = self.client.hlen(self._staged(run_id))
            self.client.delete(self._staged(run_id), self._alive(run_id))
            return count

        count = self._call(discard)
        self._update_run(run_id, finished=finished, status=status)
        return count

    def close(self) -> None:
        self.client.close()

    # --- helpers -------------------------------------------------------------------------

    def _commit(self, run_id: str, finished: str, status: str) -> int:
        staged_key = self._staged(run_id)
        with self.client.pipeline() as pipe:
            while True:
                try:
                    # Another worker committing at the same time restarts this one.
                    pipe.watch(self._articles, staged_key, self._runs)
                    visits = [Visit(**json.loads(v)) for v in pipe.hvals(staged_key)]
                    ids = [v.article_id for v in visits]
                    known = pipe.hmget(self._articles, ids) if ids else []
                    run = json.loads(pipe.hget(self._runs, run_id) or "{}")
                    run.update(run_id=run_id, finished=finished, status=status)
                    pipe.multi()
                    if visits:
                        merged = {
                            v.article_id: _dump(_apply(v, raw, run_id))
                            for v, raw in zip(visits, known, strict=True)
                        }
                        pipe.hset(self._articles, mapping=merged)
                    pipe.delete(staged_key, self._alive(run_id))
                    pipe.hset(self._runs, run_id, json.dumps(run))
                    if run.get("items") is not None and run.get("pages") is not None:
                        figures = RunFigures(run_id, run["items"], run["pages"])
                        pipe.rpush(self._history, _dump(figures))
                        pipe.ltrim(self._history, -HISTORY_CAP, -1)
                    pipe.execute()
                    return len(visits)
                except redis.WatchError:
                    continue

    def _update_run(self, run_id: str, **changes) -> None:
        def update() -> None:
            run = json.loads(self.client.hget(self._runs, run_id) or "{}")
            run.update(changes)
            self.client.hset(self._runs, run_id, json.dumps(run))

        self._call(update)

    def _touch(self, run_id: str) -> None:
        """Keep the run's alive key, at most a few times per lease."""
        now = time.monotonic()
        if now - self._touched.get(run_id, 0.0) < self.run_lease_ms / 10_000:
            return
        self._call(lambda: self.client.set(self._alive(run_id), b"1", px=self.run_lease_ms))
        self._touched[run_id] = now

    def _call(self, operation: Callable[[], T]) -> T:
        """Run one store operation, waiting for Redis to come back if it is away."""
        deadline = time.monotonic() + self.wait_seconds
        warned = False
        while True:
            try:
                result = operation()
            except UNAVAILABLE as exc:
                if time.monotonic() >= deadline:
                    raise
                if not warned:
                    logger.warning("Crawl state: Redis unreachable (%s), waiting for it", exc)
                    warned = True
                time.sleep(self.retry_interval)
                continue
            if warned:
                logger.warning("Crawl state: Redis is back")
            return result


def _apply(visit: Visit, known_raw: bytes | None, run_id: str) -> ArticleState:
    """The SQLite store's merge: first_seen kept, url/published/emitted_run only overwritten
    by a value."""
    known = ArticleState(**json.loads(known_raw)) if known_raw else None
    emitted_run = run_id if visit.emitted else None
    return ArticleState(
        article_id=visit.article_id,
        url=visit.url or (known.url if known else None),
        published=visit.published or (known.published if known else None),
        first_seen=known.first_seen if known else visit.fetched,
        last_fetched=visit.fetched,
        fingerprint=visit.fingerprint,
        comment_count=visit.comment_count,
        version=visit.version,
        emitted_run=emitted_run or (known.emitted_run if known else None),
    )


def _dump(value) -> str:
    return json.dumps(asdict(value), ensure_ascii=False)


def _record(run: dict, staged: int) -> RunRecord:
    return RunRecord(
        run_id=run["run_id"],
        started=run["started"],
        finished=run.get("finished"),
        status=run["status"],
        feeds=list(run.get("feeds") or []),
        staged=staged,
    )
