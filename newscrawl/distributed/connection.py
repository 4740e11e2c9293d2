"""The Redis client of a worker: short timeouts, no retry loop inside a call; and
``RedisHealth``, the scheduler's view of whether Redis answers.

Every Redis call of the scheduler runs in the reactor thread, so a call must fail fast when
Redis is away: the scheduler notices the error, keeps working from memory and tries again
later (``scheduler.RedisHealth``). redis-py's default retry policy would sleep with backoff
inside the call and freeze the whole worker.
"""

from __future__ import annotations

import logging
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from newscrawl.defaults import project_settings

logger = logging.getLogger("newscrawl.distributed.scheduler")  # where the outage was logged

STATS = "newscrawl/distributed/"

# What "Redis is unreachable right now" looks like (BusyLoadingError, raised while a restarted
# server reloads its data, is a ConnectionError).
UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def client_from_settings(settings) -> redis.Redis:
    url = settings.get("NEWSCRAWL_REDIS_URL")
    if not url:
        raise ValueError("NEWSCRAWL_REDIS_URL is not set")
    timeout = project_settings(settings).getfloat("NEWSCRAWL_REDIS_TIMEOUT")
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        # One immediate retry, on a connection error only: the first command on a pooled
        # connection to a restarted server fails once, and the reconnect that follows
        # succeeds. Not on a timeout (redis-py's default): the timed-out command may have run,
        # and a lease script sent twice leases twice. (A lease whose reply is lost anyway is
        # given back by the next heartbeat: ``frontier``.)
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        health_check_interval=30,
    )


class RedisHealth:
    """Whether to try Redis now; logs each outage once, and its end."""

    def __init__(self, retry_interval: float, stats):
        self.retry_interval = retry_interval
        self.stats = stats
        self.down_since: float | None = None
        # After an error, a call may have run without its reply reaching us: the next
        # heartbeat reconciles the leases, whenever it comes.
        self.reconcile_due = False
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def usable(self) -> bool:
        return self.down_since is None or time.monotonic() >= self._retry_at

    def failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self.stats.inc_value(STATS + "redis_errors")
        self.reconcile_due = True
        if self.down_since is None:
            self.down_since = now
            self.stats.inc_value(STATS + "redis_outages")
            logger.warning(
                "Redis unreachable (%s): finishing the requests in hand and keeping new ones "
                "in memory; retrying every %.1f s",
                exc,
                self.retry_interval,
            )
        self._retry_at = now + self.retry_interval

    def ok(self) -> None:
        if self.down_since is not None:
            logger.warning("Redis is back after %.1f s", time.monotonic() - self.down_since)
            self.down_since = None
