"""Names of the Redis keys of one distributed crawl.

Every key of a crawl starts with ``<prefix>:<crawl id>:`` so that crawls never share a
queue or a seen set, and ``redis-cli --scan --pattern 'newscrawl:<crawl>:*'`` shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from newscrawl.defaults import project_settings

# 2**18 buckets: about 38 fingerprints each at 10 million, under Redis's default listpack
# limit for a hash (hash-max-listpack-entries 128) up to about 30 million.
SEEN_BUCKET_BITS = 18


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
        """The shared duplicate filter: ``seen:<bucket>`` hashes, see ``seen_slot``."""
        return self.base + "seen"

    @property
    def seen_count(self) -> str:
        """How many fingerprints the seen buckets hold (a counter the push script keeps)."""
        return self.base + "seen-count"

    def seen_slot(self, fingerprint: str, bits: int = SEEN_BUCKET_BITS) -> tuple[str, bytes]:
        """The bucket key and field of a request fingerprint (hex).

        Sized for 10 million articles (README, sizing): a fingerprint is kept as its first
        16 bytes (128 bits: a collision among 10**8 ids is a 1-in-10**22 chance), in one of
        2**SEEN_BUCKET_BITS small hashes, which Redis stores as compact listpacks (about 20
        bytes an entry, against about 90 in one set of hex strings).
        """
        digest = bytes.fromhex(fingerprint)[:16]
        bucket = int.from_bytes(digest[:3], "big") >> (24 - bits)
        return f"{self.seen}:{bucket:05x}", digest

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
