"""One request budget per host, shared by every worker of a crawl, and a shared pause.

Per-process politeness (``DOWNLOAD_DELAY``, AutoThrottle) multiplies with the number of
workers. Here a worker starts a request to a host only once Redis grants it, so the site sees
the budget (``NEWSCRAWL_HOST_RATE`` requests/s, or one per ``DOWNLOAD_DELAY``) whatever the
number of workers.

Why a Lua script of our own and not ``limits``' Redis storage: the grant must also honour the
host's shared pause (a 429/503 seen by any worker) in the same atomic step, and a refused
worker needs to know *when* to ask again, to sleep exactly that long instead of polling.
GCRA (the generic cell rate algorithm) gives both with one key per host holding a single
number (the theoretical arrival time), using Redis's clock so that workers on hosts with
skewed clocks agree. ``limits``' moving window keeps one list entry per request and answers
only yes/no.

Keys, under the crawl's base: ``budget:<host>`` (the arrival time, ms) and ``pause:<host>``
(exists while the host is paused; its TTL is the pause).
"""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from newscrawl.distributed.keys import CrawlKeys

logger = logging.getLogger(__name__)

# KEYS: budget, pause. ARGV: interval ms. -> 0 = go now, else ms to wait before asking again.
_ACQUIRE = """
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
    return paused
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local interval = tonumber(ARGV[1])
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due > now then
    return due - now
end
redis.call('SET', KEYS[1], now + interval, 'PX', interval + 60000)
return 0
"""

# KEYS: pause. ARGV: ms. Lengthens a pause, never shortens one.
_PAUSE = """
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
    return 1
end
return 0
"""


def host_rate(rate: float, download_delay: float) -> float:
    """Requests per second per host: ``NEWSCRAWL_HOST_RATE``, else one per DOWNLOAD_DELAY;
    0 = no shared budget."""
    if rate > 0:
        return rate
    return 1.0 / download_delay if download_delay > 0 else 0.0


def lease_cap(rate: float, ahead_seconds: float) -> int:
    """How many leased requests a worker may hold before they start: what the budget lets
    it start within ``ahead_seconds``, and never less than one."""
    return max(1, math.ceil(rate * ahead_seconds))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class HostBudget:
    """The shared budget of one crawl, on the crawl's Redis client."""

    def __init__(self, server, keys: CrawlKeys, rate: float):
        self.server = server
        self.keys = keys
        self.interval_ms = max(1, round(1000 / rate))
        self._acquire = server.register_script(_ACQUIRE)
        self._pause = server.register_script(_PAUSE)

    def budget_key(self, host: str) -> str:
        return self.keys.base + "budget:" + host

    def pause_key(self, host: str) -> str:
        return self.keys.base + "pause:" + host

    def acquire(self, host: str) -> float:
        """0 when a request to ``host`` may start now (and is counted), else seconds to wait."""
        keys = [self.budget_key(host), self.pause_key(host)]
        return int(self._acquire(keys=keys, args=[self.interval_ms])) / 1000

    def pause(self, host: str, seconds: float) -> bool:
        """Pause ``host`` for every worker (unless it is paused for longer already)."""
        return bool(self._pause(keys=[self.pause_key(host)], args=[max(1, round(seconds * 1000))]))
