"""Names of the Redis keys of one distributed crawl.

Every key of a crawl starts with ``<prefix>:<crawl id>:`` so that crawls never share a
queue or a seen set, and ``redis-cli --scan --pattern 'newscrawl:<crawl>:*'`` shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from newscrawl.defaults import project_settings


@dataclass(frozen=True)
class CrawlKeys:
    crawl: str
    prefix: str = "newscrawl"

    @property
    def base(self) -> str:
        return f"{self.prefix}:{self.crawl}:"

    @property
    def queue(self) -> str:
        """Sorted set of serialized requests, scored by -priority."""
        return self.base + "requests"

    @property
    def seen(self) -> str:
        """Set of request fingerprints (the shared duplicate filter)."""
        return self.base + "seen"

    @property
    def workers(self) -> str:
        """Set of the ids of workers that may hold leases."""
        return self.base + "workers"

    @property
    def feeds(self) -> str:
        """Set of "host:folder" entries, where each worker writes its feeds."""
        return self.base + "feeds"

    def alive(self, worker: str) -> str:
        """The worker's heartbeat: exists while its lease is valid."""
        return self.base + "alive:" + worker

    def leased(self, worker: str) -> str:
        """Sorted set of the requests the worker is handling (same members as the queue)."""
        return self.base + "leased:" + worker


def crawl_keys(settings, spider_name: str) -> CrawlKeys:
    """The keys of this crawl: NEWSCRAWL_REDIS_CRAWL, else the spider's name."""
    crawl = settings.get("NEWSCRAWL_REDIS_CRAWL") or spider_name
    prefix = project_settings(settings).get("NEWSCRAWL_REDIS_PREFIX", empty_is_default=True)
    return CrawlKeys(crawl=crawl, prefix=prefix)
