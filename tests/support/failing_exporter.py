"""An articles.csv exporter that cannot write one record, like a bug or a bad byte would.

-s FEED_EXPORTERS={"articles_csv": "tests.support.failing_exporter.FailOnOneRecord"}
-s FAIL_ON_POSITION=N   (the N-th record it is given, from 1)
"""

from __future__ import annotations

from typing import Any

from newscrawl.feeds.exporters import ArticlesCsvExporter


class FailOnOneRecord(ArticlesCsvExporter):
    fail_on = 1

    @classmethod
    def from_crawler(cls, crawler: Any, file, **kwargs: Any) -> Any:
        exporter = super().from_crawler(crawler, file, **kwargs)
        exporter.fail_on = crawler.settings.getint("FAIL_ON_POSITION", 1)
        exporter.seen = 0
        return exporter

    def export_item(self, item: Any) -> None:
        self.seen += 1
        if self.seen == self.fail_on:
            raise ValueError(f"cannot write record {self.seen} (test)")
        super().export_item(item)


class CannotStart(ArticlesCsvExporter):
    """An exporter that fails as soon as it is built, as a bad option would make it."""

    def __init__(self, file, **kwargs: Any):
        raise ValueError("cannot start (test)")
