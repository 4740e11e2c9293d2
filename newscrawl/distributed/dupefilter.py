"""scrapy-redis's duplicate filter, fitted to Scrapy 2.19.

scrapy-redis 0.9.1 computes its own SHA1 of method, URL and body, so the project's
``REQUEST_FINGERPRINTER_CLASS`` (the article-id fingerprint, ``newscrawl/fingerprint.py``) would be
ignored; it builds itself from ``spider.settings`` rather than the crawler; and its
``close()`` deletes the seen set, which a crawl shared by several workers must keep. This
subclass takes the crawler's fingerprinter, is built with ``from_crawler``, and leaves
deleting to the scheduler (``SCHEDULER_PERSIST``).

The seen set is not one Redis set but buckets of 16-byte binary fingerprints
(``keys.CrawlKeys.seen_slot``), so ``request_seen`` and ``clear`` are ours too.

The scheduler does not call ``request_seen``: it tests and records the fingerprint in the
same Lua script that queues the request (``frontier``), so a worker killed between the two
cannot leave a fingerprint without its request.
"""

from __future__ import annotations

from scrapy_redis.dupefilter import RFPDupeFilter

from newscrawl.distributed.connection import client_from_settings
from newscrawl.distributed.keys import crawl_keys


class RedisDupeFilter(RFPDupeFilter):
    def __init__(self, server, key, debug=False, *, fingerprinter=None, stats=None, keys=None):
        super().__init__(server, key, debug=debug)
        self.fingerprinter = fingerprinter
        self.stats = stats
        self.keys = keys

    @classmethod
    def from_crawler(cls, crawler, server=None, key=None):
        settings = crawler.settings
        keys = crawl_keys(settings, crawler.spidercls.name)
        return cls(
            server if server is not None else client_from_settings(settings),
            keys.seen if key is None else key,
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            stats=crawler.stats,
            keys=keys,
        )

    @classmethod
    def from_settings(cls, settings):
        raise TypeError("RedisDupeFilter needs the crawler: build it with from_crawler")

    def request_fingerprint(self, request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def log(self, request, spider):
        if self.stats is not None:
            self.stats.inc_value("dupefilter/filtered")
        super().log(request, spider)

    def request_seen(self, request) -> bool:
        """The push script's test, for a caller other than the scheduler."""
        bucket, field = self.keys.seen_slot(self.request_fingerprint(request))
        if not self.server.hsetnx(bucket, field, b""):
            return True
        self.server.incr(self.keys.seen_count)
        return False

    def clear(self) -> None:
        """Delete the seen buckets (SCHEDULER_PERSIST off)."""
        doomed = [self.keys.seen_count]
        for key in self.server.scan_iter(match=self.keys.seen + ":*", count=1000):
            doomed.append(key)
            if len(doomed) >= 1000:
                self.server.delete(*doomed)
                doomed = []
        if doomed:
            self.server.delete(*doomed)

    def close(self, reason=""):
        # Keep the seen set: other workers still use it. The scheduler clears it when
        # SCHEDULER_PERSIST is off.
        pass
