"""Versioning: number each emitted article's version, drop re-visits that changed nothing.

Every visit is staged in the state under the run's id (``newscrawl.incremental.state``);
``RunCommit`` applies them only once the feeds are in place.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from newscrawl.incremental.revisit import RevisitPolicy, fingerprint, parse_iso
from newscrawl.incremental.state import CrawlState, Visit
from newscrawl.items import Article, article_key
from newscrawl.normalize.clock import utc_iso, utc_now


class Versioner:
    def __init__(self, stats: Any, store: CrawlState | None, run_id: str):
        self.stats = stats
        self.store = store
        self.run_id = run_id
        self.counts = {"new": 0, "changed": 0, "unchanged": 0}

    def version_item(self, item: Article, policy: RevisitPolicy) -> Article:
        """Number the item's version; raise DropItem when it should not be emitted."""
        if policy.since is not None:
            published = parse_iso(item.published)
            if published is not None and published < policy.since:
                self.stats.inc_value("newscrawl/incremental/dropped/before_since")
                raise DropItem(f"{item.url} published before since", log_level="DEBUG")
        if self.store is None:
            return item
        known = self.store.get(article_key(item.article_id, item.url))
        if known is None:
            item.version = 1
            return item
        if known.fingerprint == fingerprint(item):
            self.counts["unchanged"] += 1
            self.store.stage(self.run_id, self._visit(item, known.version, emitted=False))
            self.stats.inc_value("newscrawl/incremental/unchanged")
            raise DropItem(f"{item.url} unchanged since version {known.version}", "DEBUG")
        item.version = known.version + 1
        return item

    def count_emitted(self, item: Article) -> None:
        self.counts["new" if item.version <= 1 else "changed"] += 1

    def stage_emitted(self, item: Article) -> None:
        # Durable before the feeds are renamed into place at the end of the run.
        self.store.stage(self.run_id, self._visit(item, item.version, emitted=True))

    def _visit(self, item: Article, version: int, *, emitted: bool) -> Visit:
        return Visit(
            article_id=article_key(item.article_id, item.url),
            url=item.url,
            published=item.published,
            fetched=utc_iso(utc_now()),
            fingerprint=fingerprint(item),
            comment_count=item.comment_count,
            version=version,
            emitted=emitted,
        )
