"""Run one crawl in this process and write its items and stats as JSON.

Tests start it in a subprocess (Twisted's reactor cannot be restarted inside pytest)
through ``crawl_in_subprocess``, or by hand with
``python -m tests.support.crawl_runner OUT.json [--spider NAME] [-a NAME=VALUE]...
[-s NAME=VALUE]...``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings


def _pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


ROOT = Path(__file__).resolve().parents[2]


def crawl_command(
    out: Path,
    log: Path,
    workdir: Path,
    spider_args: dict[str, str],
    settings: dict[str, str],
    spider: str = "boursorama",
) -> list[str]:
    """The command line of one crawl, for tests that start (or kill) it themselves.

    Feeds, crawl state and corpus store go under ``workdir`` unless ``settings`` says
    otherwise.
    """
    merged = {
        "NEWSCRAWL_FEEDS_DIR": str(workdir / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(workdir / "state"),
        "NEWSCRAWL_STORE": f"sqlite:///{workdir / 'corpus.sqlite3'}",
        "LOG_FILE": str(log),
        **settings,
    }
    command = [sys.executable, "-m", "tests.support.crawl_runner", str(out), "--spider", spider]
    for name, value in spider_args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return command


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def crawl_in_subprocess(
    workdir: Path,
    spider_args: dict[str, str],
    settings: dict[str, str],
    spider: str = "boursorama",
    timeout: float = 300,
) -> dict:
    """Crawl in a fresh interpreter; {"items", "stats", "peak_rss_kb", "log"}.

    Feeds and crawl state go under ``workdir`` unless ``settings`` says otherwise; a
    non-zero exit fails the calling test with the end of stderr and of the log.
    """
    number = len(list(workdir.glob("crawl-*.json")))
    out = workdir / f"crawl-{number}.json"
    log = workdir / f"crawl-{number}.log"
    command = crawl_command(out, log, workdir, spider_args, settings, spider)
    completed = subprocess.run(
        command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout
    )
    log_text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert completed.returncode == 0, completed.stderr[-3000:] + log_text[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    result["log"] = log_text
    return result


def peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM): ``ru_maxrss`` would carry over the peak of the
    process that forked it (Linux keeps it across exec), so a crawl started late in a long
    pytest session would report pytest's size instead of its own.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def crawl_from_command_line(
    argv: list[str] | None, before_start: Callable[[Any], None], *, spider: str | None
) -> tuple[argparse.Namespace, Any]:
    """Crawl in this process as ``OUT [--spider NAME] [-a NAME=VALUE]... [-s NAME=VALUE]...``
    says (``spider``: the default name; None makes --spider required), with the project's
    settings; ``before_start(crawler)`` connects its signals. Returns the options and the
    finished crawler."""
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--spider", default=spider, required=spider is None)
    parser.add_argument("-a", dest="spider_args", action="append", default=[])
    parser.add_argument("-s", dest="settings", action="append", default=[])
    options = parser.parse_args(argv)

    settings = get_project_settings()
    settings.setdict(_pairs(options.settings), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(options.spider)
    before_start(crawler)
    process.crawl(crawler, **_pairs(options.spider_args))
    process.start()
    return options, crawler


def main(argv: list[str] | None = None) -> int:
    items: list[dict] = []

    def collect_items(crawler: Any) -> None:
        crawler.signals.connect(
            lambda item, **_: items.append(ItemAdapter(item).asdict()),
            signal=signals.item_scraped,
            weak=False,  # a lambda has no other reference: a weak one is collected at once
        )

    options, crawler = crawl_from_command_line(argv, collect_items, spider="boursorama")
    result = {
        "items": items,
        "stats": crawler.stats.get_stats(),
        "peak_rss_kb": peak_rss_kb(),
    }
    with open(options.out, "w", encoding="utf-8") as out:
        json.dump(result, out, default=str, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
