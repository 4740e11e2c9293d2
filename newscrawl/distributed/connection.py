"""The Redis client of a worker: short timeouts, no retry loop inside a call.

Every Redis call of the scheduler runs in the reactor thread, so a call must fail fast when
Redis is away: the scheduler notices the error, keeps working from memory and tries again
later (``scheduler.RedisHealth``). redis-py's default retry policy would sleep with backoff
inside the call and freeze the whole worker.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from newscrawl.defaults import project_settings

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
