"""One benchmark crawl in this process: its stats, wall and CPU time and peak RSS, as JSON.

    python -m benchmarks.crawl_process OUT.json --spider NAME [-a NAME=VALUE]... [-s NAME=VALUE]...

Unlike the test suite's crawl runner it keeps no item in memory (that would cost the full
spider CPU and memory the link-only one does not pay). The clock and the CPU count start
when the spider opens (interpreter start-up and imports are not crawling) and stop once
the crawl has closed (the feeds stored and the state committed). CPU time includes any
extraction worker processes, counted once they have exited.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from tests.support.crawl_runner import peak_rss_kb


def _pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--spider", required=True)
    parser.add_argument("-a", dest="spider_args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    options = parser.parse_args(argv)

    settings = get_project_settings()
    settings.setdict(_pairs(options.settings), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    started: dict[str, float] = {}

    def opened(spider) -> None:
        started.update(
            wall=time.perf_counter(),
            cpu=_cpu_seconds(),
            workers_cpu=_cpu_seconds(resource.RUSAGE_CHILDREN),
        )

    crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)
    process.crawl(crawler, **_pairs(options.spider_args))
    process.start()
    result = {
        "stats": crawler.stats.get_stats(),
        "seconds": time.perf_counter() - started["wall"],
        "cpu_seconds": _cpu_seconds() - started["cpu"],
        "workers_cpu_seconds": _cpu_seconds(resource.RUSAGE_CHILDREN) - started["workers_cpu"],
        "peak_rss_kb": peak_rss_kb(),
    }
    with open(options.out, "w", encoding="utf-8") as out:
        json.dump(result, out, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
