"""Crawl throughput: the full boursorama spider against a link-only baseline, in one run.

    python -m benchmarks.crawl [--kinds heavy,light] [--articles heavy=2000,light=4000]
                               [--runs 1] [--spiders linkonly,boursorama]

For each page kind of the generated site (tests/site: ``heavy`` ~80 KB pages with 10
comments, ``light`` ~18 KB with 3, both with 4 "A lire aussi" entries), the articles are
spread over the five news listings and served by nginx (``apt-get install nginx-light``;
without it the test suite's Python server, which competes for the CPU, and the output says
so). Each spider crawls the whole site in its own process with the same settings: the
link-only spider follows the same listings and "A lire aussi" links and extracts nothing;
the full one runs with every default output on (the four feeds, the incremental state,
the corpus store and the monitors).

Printed per spider: pages, items, seconds, pages/s, CPU ms per page (its process and any
extraction workers) and peak RSS of the crawl's own process (the server is not counted).
Then, per kind, the ratio full/link-only of the page rates and of the CPU per page. The
machine's load changes the rates: compare ratios measured in the same run, and prefer the
CPU ratio on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import unthrottled
from benchmarks.distributed import NginxSite
from tests.site.model import SAMPLE_LISTINGS, build_bench_site
from tests.site.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ARTICLES = {"heavy": 2000, "light": 4000}
SPIDERS = ("linkonly", "boursorama")


def bench_site(kind: str, articles: int):
    """The benchmark site of one page kind, its articles dealt over the five listings."""
    return build_bench_site(articles, kind=kind, listings=SAMPLE_LISTINGS)


def settings_for(work: Path, concurrency: int, extra: dict[str, str]) -> dict[str, str]:
    """The same settings for both spiders; the project's defaults for everything else."""
    return {
        **unthrottled(concurrency),
        "SPIDER_MODULES": "newscrawl.spiders,benchmarks.spiders",
        "NEWSCRAWL_MAX_REQUESTS": "0",
        "NEWSCRAWL_FEEDS_DIR": str(work / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(work / "state"),
        # The corpus store is on by default: in the run's folder, not the project's data/.
        "NEWSCRAWL_STORE": f"sqlite:///{work / 'corpus.sqlite3'}",
        "LOG_FILE": str(work / "crawl.log"),
        **extra,
    }


def crawl(spider: str, start_urls: list[str], max_pages: int, settings: dict, work: Path) -> dict:
    out = work / "result.json"
    command = [sys.executable, "-m", "benchmarks.crawl_process", str(out), "--spider", spider]
    command += ["-a", "start_urls=" + ",".join(start_urls), "-a", f"max_pages={max_pages}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        log = (work / "crawl.log").read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"{spider} crawl failed:\n{completed.stderr[-3000:]}{log[-3000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    stats = result["stats"]
    pages = stats.get("response_received_count", 0)
    if stats.get("downloader/response_status_count/200", 0) != pages:
        raise RuntimeError(f"{spider}: not every page answered 200 (see {work / 'crawl.log'})")
    return {
        "pages": pages,
        "items": stats.get("item_scraped_count", 0),
        "seconds": result["seconds"],
        "pages_per_s": pages / result["seconds"],
        "cpu_ms_per_page": (result["cpu_seconds"] + result["workers_cpu_seconds"])
        * 1000
        / max(pages, 1),
        "main_cpu_ms_per_page": result["cpu_seconds"] * 1000 / max(pages, 1),
        "peak_rss_mb": result["peak_rss_kb"] / 1024,
    }


def run_kind(kind: str, articles: int, options, tmp: Path) -> list[dict[str, dict]]:
    site = bench_site(kind, articles)
    max_pages = max(len(site.listing_pages(root)) for root in site.listings)
    routes = site.routes()
    sizes = [len(body) for path, (_, _, body) in routes.items() if "-" in path.rsplit("/", 1)[-1]]
    print(
        f"\n{kind}: {articles} articles of ~{sum(sizes) / len(sizes) / 1024:.0f} KB, "
        f"{len(site.listings)} listings of up to {max_pages} pages"
    )
    serve = tmp / f"site-{kind}"
    serve.mkdir(mode=0o755)
    if shutil.which("nginx"):
        server = NginxSite(site, serve)
        print("server: nginx (static files, 1 worker process)")
    else:
        server = SiteServer(site)
        print("server: nginx not found, Python ThreadingHTTPServer (competes for the CPU)")
    extra = dict(pair.split("=", 1) for pair in options.setting)
    runs = []
    with server:
        start_urls = [server.url(root) for root in site.listings]
        for number in range(options.runs):
            results = {}
            # Alternate the order, so that a drift of the machine's load favours neither.
            order = options.spiders if number % 2 == 0 else options.spiders[::-1]
            for spider in order:
                work = Path(tempfile.mkdtemp(dir=tmp))
                settings = settings_for(work, options.concurrency, extra)
                r = results[spider] = crawl(spider, start_urls, max_pages, settings, work)
                print(
                    f"  {spider:>10}: {r['pages']} pages, {r['items']} items in "
                    f"{r['seconds']:.1f} s = {r['pages_per_s']:.0f} pages/s, "
                    f"CPU {r['cpu_ms_per_page']:.2f} ms/page"
                    + (
                        f" ({r['main_cpu_ms_per_page']:.2f} in the engine's process)"
                        if r["cpu_ms_per_page"] > r["main_cpu_ms_per_page"] + 0.01
                        else ""
                    )
                    + f", peak RSS {r['peak_rss_mb']:.0f} MB"
                )
                shutil.rmtree(work)
            if set(SPIDERS) <= set(results):
                full, base = results["boursorama"], results["linkonly"]
                print(
                    f"  ratio full/link-only ({kind}, run {number + 1}): "
                    f"{full['pages_per_s'] / base['pages_per_s']:.2f} pages/s, "
                    f"{base['cpu_ms_per_page'] / full['cpu_ms_per_page']:.2f} CPU per page"
                )
            runs.append(results)
    return runs


def _articles(value: str) -> dict[str, int]:
    counts = dict(DEFAULT_ARTICLES)
    for pair in filter(None, value.split(",")):
        kind, _, number = pair.partition("=")
        counts[kind] = int(number)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="heavy,light")
    parser.add_argument("--articles", type=_articles, default=dict(DEFAULT_ARTICLES))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--spiders", type=lambda v: v.split(","), default=list(SPIDERS))
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "-s", dest="setting", action="append", default=[], help="NAME=VALUE for both spiders"
    )
    options = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp).chmod(0o755)  # nginx's unprivileged workers read the pages below it
        for kind in options.kinds.split(","):
            run_kind(kind, options.articles[kind], options, Path(tmp))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
