"""One benchmark crawl in this process: its stats, wall and CPU time and peak RSS, as JSON.

    python -m benchmarks.crawl_process OUT.json --spider NAME [-a NAME=VALUE]... [-s NAME=VALUE]...

Unlike the test suite's crawl runner it keeps no item in memory (that would cost the full
spider CPU and memory the link-only one does not pay). The clock and the CPU count start
when the spider opens (interpreter start-up and imports are not crawling) and stop once
the crawl has closed (the feeds stored and the state committed). CPU time includes any
extraction worker processes, counted once they have exited.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from scrapy import signals

from tests.support.crawl_runner import crawl_from_command_line, peak_rss_kb


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    started: dict[str, float] = {}

    def opened(spider) -> None:
        started.update(
            wall=time.perf_counter(),
            cpu=_cpu_seconds(),
            workers_cpu=_cpu_seconds(resource.RUSAGE_CHILDREN),
        )

    def start_clock_at_opening(crawler) -> None:
        crawler.signals.connect(opened, signal=signals.spider_opened, weak=False)

    options, crawler = crawl_from_command_line(argv, start_clock_at_opening, spider=None)
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
