"""Item pipelines: one job each, thin wrappers over the pure normalisers.

Every problem is logged and counted under ``newscrawl/...`` in the crawl stats; an item is
only ever dropped when it cannot be written at all (no URL) or is a duplicate, and both
drops are counted with their reason.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from newscrawl.items import Article
from newscrawl.normalize.article import (
    Problem,
    clean_article_text,
    normalize_attributions,
    normalize_dates,
)

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("url", "article_id", "title")


class _StatsPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def _report(self, item: Article, problems: list[Problem], level: int) -> None:
        for problem in problems:
            self.stats.inc_value(f"newscrawl/{problem.kind}")
            logger.log(
                level,
                "%s: %s=%r on %s",
                problem.kind,
                problem.field,
                problem.value,
                item.url,
            )


class TextCleanupPipeline:
    """Whitespace, nbsp and entities, for every string of the record."""

    def process_item(self, item):
        if isinstance(item, Article):
            clean_article_text(item)
        return item


class DatesPipeline(_StatsPipeline):
    """Raw French dates to ISO 8601 with the Paris offset; unreadable ones stay null."""

    def process_item(self, item):
        if isinstance(item, Article):
            self._report(item, normalize_dates(item), logging.WARNING)
        return item


class AttributionPipeline(_StatsPipeline):
    """Outlets (alias table), photo credits, bylines and datelines."""

    def process_item(self, item):
        if isinstance(item, Article):
            # An unknown outlet is not an error: it is counted so the alias table can grow.
            self._report(item, normalize_attributions(item), logging.INFO)
        return item


class ValidationPipeline(_StatsPipeline):
    """Flag records that miss a required field; keep every one that can still be written."""

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        missing = [name for name in REQUIRED_FIELDS if not getattr(item, name)]
        for name in missing:
            self.stats.inc_value(f"newscrawl/invalid/missing_{name}")
        if not missing:
            return item
        self.stats.inc_value("newscrawl/invalid")
        if item.url is None:
            raise DropItem(f"invalid record without url: missing {', '.join(missing)}")
        logger.warning("Record %s is missing %s; written anyway", item.url, ", ".join(missing))
        return item


class DeduplicationPipeline(_StatsPipeline):
    """One record per article id (or URL when the page has no id) and version in a crawl."""

    def __init__(self, stats):
        super().__init__(stats)
        self.seen: set[tuple[str, int]] = set()

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        key = (item.article_id or item.url, item.version)
        if key in self.seen:
            self.stats.inc_value("newscrawl/duplicates")
            raise DropItem(f"duplicate article {key[0]} (version {key[1]})")
        self.seen.add(key)
        return item
