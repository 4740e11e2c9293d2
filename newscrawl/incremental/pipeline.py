"""``VersionPipeline``: the item-pipeline end of versioning (``newscrawl.incremental.versions``)."""

from __future__ import annotations

from typing import Any

from newscrawl.incremental.extension import IncrementalExtension
from newscrawl.items import Article


class VersionPipeline:
    """Sets ``version`` from the state and drops re-visits that changed nothing."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> VersionPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        extension = self.crawler.get_extension(IncrementalExtension)
        if extension is None or not isinstance(item, Article):
            return item
        return extension.version_item(item)
