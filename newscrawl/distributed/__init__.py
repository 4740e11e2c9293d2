"""Distributed crawls: N workers share one frontier in Redis (``-s NEWSCRAWL_REDIS_URL=...``).

- ``addon``: the switch. With ``NEWSCRAWL_REDIS_URL`` set it installs the components below;
  without it the crawl is the ordinary single-process one.
- ``frontier``: the Redis side (Lua scripts): one queue, one seen set, and per worker a
  leased set plus a heartbeat key. A request popped by a worker stays in its leased set until
  the worker has handled it completely; a worker whose heartbeat expires has its leased
  requests put back in the queue by the others.
- ``scheduler``: scrapy-redis's scheduler made to fit Scrapy 2.19 and the leases; it keeps
  requests in memory while Redis is unreachable and closes a worker only once the whole
  frontier has been empty for ``MAX_IDLE_TIME_BEFORE_CLOSE`` seconds.
- ``dupefilter``: the seen set, shared by every worker, keyed with the project's one
  fingerprint per article id (``newscrawl/fingerprint.py``), stored compactly (``keys``).
- ``budget`` and ``politeness``: one request budget per host shared by every worker (a GCRA
  script in Redis), the downloader middleware that waits for it, and the shared pause after
  a 429/503.
- ``state``: the incremental crawl state in Redis.
- ``merge``: ``python -m newscrawl.distributed.merge`` turns the workers' feeds into one set.
"""
