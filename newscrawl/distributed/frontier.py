"""The shared frontier in Redis: a priority queue whose pops are leases, not deletions.

scrapy-redis deletes a request from the queue when a worker pops it, so a worker killed with
SIGKILL loses its in-flight requests for good while their fingerprints stay in the seen set.
Here a pop moves the request, in the same Lua script, into the worker's *leased* set; the
worker removes it from there only once it has handled the request completely (its items
written, its links queued). Each worker refreshes a heartbeat key that expires after the
lease time; any worker finding a registered worker without a heartbeat moves that worker's
leased requests back into the queue. Every step is one atomic script, so a kill at any
instant leaves each request either queued, or leased by a worker that is alive or will be
found dead.

A request whose worker dies after handling it but before releasing it is crawled twice;
that costs a fetch, never a record, and the merge command drops the duplicate.

A worker never holds a lease it does not know about. A lease script can run on Redis and
its reply never reach the worker (Redis stalled past the client timeout, a reset connection,
a client that re-sent the call): the member sits in the worker's leased set, its heartbeat
keeps it there, and no worker would ever fetch it or close. So each heartbeat is one script
that also *reconciles*: every member of the worker's leased set that is not among the
members the worker says it holds goes back to the queue.

Members are ``<8 random bytes><serialized request>``: the prefix keeps two identical
requests (a retry of the same page, say) from collapsing into one member of a sorted set.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from scrapy_redis.queue import Base

from newscrawl.distributed.keys import CrawlKeys

TOKEN_BYTES = 8

# KEYS: seen bucket, queue, seen count. ARGV: field in the bucket ("" = do not filter),
# score, member.
_PUSH = """
if ARGV[1] ~= '' then
    if redis.call('HSETNX', KEYS[1], ARGV[1], '') == 0 then
        return 0
    end
    redis.call('INCR', KEYS[3])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, leased, alive, workers. ARGV: count, lease ms, worker id.
# Leasing also renews the worker's heartbeat and registration: a worker that the others took
# for dead (its key expired while Redis was away, say) is visible again before it holds any
# new lease.
_LEASE = """
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
local popped = redis.call('ZPOPMIN', KEYS[1], ARGV[1])
for i = 1, #popped, 2 do
    redis.call('ZADD', KEYS[2], popped[i + 1], popped[i])
end
return popped
"""

# KEYS: alive, workers, leased, queue. ARGV: lease ms, worker id, then the SHA-1 (hex) of
# each member the worker holds. The heartbeat, and the reconciliation (see the module doc):
# whatever else the leased set holds goes back to the queue. -> how many went back.
_BEAT = """
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local known = {}
for i = 3, #ARGV do
    known[ARGV[i]] = true
end
local held = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local back = 0
for i = 1, #held, 2 do
    if not known[redis.sha1hex(held[i])] then
        redis.call('ZREM', KEYS[3], held[i])
        redis.call('ZADD', KEYS[4], held[i + 1], held[i])
        back = back + 1
    end
end
return back
"""

# KEYS: workers, queue. ARGV: key base ("<prefix>:<crawl>:").
_REAP = """
local moved = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('EXISTS', ARGV[1] .. 'alive:' .. worker) == 0 then
        local leased = ARGV[1] .. 'leased:' .. worker
        local held = redis.call('ZRANGE', leased, 0, -1, 'WITHSCORES')
        for i = 1, #held, 2 do
            redis.call('ZADD', KEYS[2], held[i + 1], held[i])
        end
        moved = moved + #held / 2
        redis.call('DEL', leased)
        redis.call('SREM', KEYS[1], worker)
    end
end
return moved
"""

# KEYS: leased, queue, alive, workers. ARGV: worker id. A worker leaving for good.
_RETIRE = """
local held = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #held, 2 do
    redis.call('ZADD', KEYS[2], held[i + 1], held[i])
end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
return #held / 2
"""

# KEYS: queue, workers. ARGV: key base. -> {queued, leased by any registered worker}
_COUNTS = """
local leased = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    leased = leased + redis.call('ZCARD', ARGV[1] .. 'leased:' .. worker)
end
return {redis.call('ZCARD', KEYS[1]), leased}
"""


class LeasedQueue(Base):
    """scrapy-redis's queue interface (push/pop/len/clear) on top of leases."""

    def __init__(
        self, server, spider, keys: CrawlKeys, worker: str, lease_ms: int, serializer=None
    ):
        super().__init__(server, spider, keys.queue, serializer=serializer)
        self.keys = keys
        self.worker = worker
        self.lease_ms = lease_ms
        self._push = server.register_script(_PUSH)
        self._lease = server.register_script(_LEASE)
        self._reap = server.register_script(_REAP)
        self._beat = server.register_script(_BEAT)
        self._retire = server.register_script(_RETIRE)
        self._counts = server.register_script(_COUNTS)

    # --- encoding ------------------------------------------------------------------------

    def encode(self, request) -> bytes:
        return os.urandom(TOKEN_BYTES) + self._encode_request(request)

    def decode(self, member: bytes):
        return self._decode_request(member[TOKEN_BYTES:])

    # --- queue ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.server.zcard(self.keys.queue)

    def push(self, request) -> None:
        self.push_member(self.encode(request), -request.priority, fingerprint=None)

    def push_member(self, member: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue a member unless its fingerprint was seen; False when it was a duplicate."""
        keys = self.keys
        if fingerprint:
            bucket, field = keys.seen_slot(fingerprint)
        else:
            bucket, field = keys.seen_count, b""  # not filtered: the bucket is not read
        return bool(
            self._push(keys=[bucket, keys.queue, keys.seen_count], args=[field, score, member])
        )

    def lease(self, count: int = 1) -> list[tuple[bytes, float]]:
        """Pop up to ``count`` members into this worker's leased set."""
        keys = self.keys
        flat = self._lease(
            keys=[keys.queue, keys.leased(self.worker), keys.alive(self.worker), keys.workers],
            args=[count, self.lease_ms, self.worker],
        )
        return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]

    def pop(self, timeout: int = 0):
        """scrapy-redis's interface; the scheduler uses ``lease`` to keep the member."""
        leased = self.lease(1)
        return self.decode(leased[0][0]) if leased else None

    def release(self, members: list[bytes]) -> int:
        """The worker is done with these members; returns how many it still held."""
        if not members:
            return 0
        return self.server.zrem(self.keys.leased(self.worker), *members)

    def clear(self) -> None:
        self.server.delete(self.keys.queue)

    # --- workers -------------------------------------------------------------------------

    def heartbeat(self, held: Iterable[bytes] = ()) -> int:
        """Renew this worker's lease and give back every leased member not in ``held``
        (the members the worker really holds); returns how many went back."""
        keys = self.keys
        digests = [hashlib.sha1(member).hexdigest() for member in held]  # noqa: S324 (an id)
        return int(
            self._beat(
                keys=[keys.alive(self.worker), keys.workers, keys.leased(self.worker), keys.queue],
                args=[self.lease_ms, self.worker, *digests],
            )
        )

    def reap_dead(self) -> int:
        """Queue again what dead workers held; returns how many requests were moved."""
        return int(self._reap(keys=[self.keys.workers, self.keys.queue], args=[self.keys.base]))

    def retire(self) -> int:
        """Unregister this worker, queueing again anything it still holds."""
        keys = self.keys
        return int(
            self._retire(
                keys=[keys.leased(self.worker), keys.queue, keys.alive(self.worker), keys.workers],
                args=[self.worker],
            )
        )

    def counts(self) -> tuple[int, int]:
        """(requests queued, requests leased by any registered worker)."""
        queued, leased = self._counts(
            keys=[self.keys.queue, self.keys.workers], args=[self.keys.base]
        )
        return int(queued), int(leased)
