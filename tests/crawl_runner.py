"""Run one crawl in this process and write its items and stats as JSON.

Tests start it in a subprocess (Twisted's reactor cannot be restarted inside pytest) with
``python -m tests.crawl_runner OUT.json [-a NAME=VALUE]... [-s NAME=VALUE]...``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def _pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--spider", default="boursorama")
    parser.add_argument("-a", dest="spider_args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    options = parser.parse_args(argv)

    settings = get_project_settings()
    settings.setdict(_pairs(options.settings), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    items: list[dict] = []
    crawler.signals.connect(
        lambda item, **_: items.append(ItemAdapter(item).asdict()),
        signal=signals.item_scraped,
        weak=False,  # a lambda has no other reference: a weak one is collected at once
    )
    process.crawl(crawler, **_pairs(options.spider_args))
    process.start()
    result = {
        "items": items,
        "stats": crawler.stats.get_stats(),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    with open(options.out, "w", encoding="utf-8") as out:
        json.dump(result, out, default=str, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
