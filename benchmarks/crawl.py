"""Crawl throughput: the full boursorama spider against a link-only baseline, in one run.

    python -m benchmarks.crawl [--articles 2000]

Serves a generated site (~80 KB article pages, 10 comments and 4 related entries each) on
127.0.0.1, crawls it with each spider in its own subprocess, and prints pages/s, their
ratio and each crawl's peak memory. Numbers vary with the machine's load: compare the
ratio, measured in the same run, not absolute rates across runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tests.site.model import build_bench_site
from tests.site.server import SiteServer
from tests.support.crawl_runner import crawl_in_subprocess

ROOT = Path(__file__).resolve().parent.parent


def crawl(spider: str, start_url: str, max_pages: int, workdir: Path) -> dict:
    settings = {
        "SPIDER_MODULES": "newscrawl.spiders,benchmarks.spiders",
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "16",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
        "LOG_LEVEL": "WARNING",
    }
    spider_args = {"start_urls": start_url, "max_pages": str(max_pages)}
    started = time.perf_counter()
    result = crawl_in_subprocess(workdir, spider_args, settings, spider=spider, timeout=3600)
    elapsed = time.perf_counter() - started
    pages = result["stats"].get("response_received_count", 0)
    return {
        "pages": pages,
        "items": len(result["items"]),
        "seconds": elapsed,
        "pages_per_s": pages / elapsed,
        "peak_rss_mb": result["peak_rss_kb"] / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    options = parser.parse_args()
    site = build_bench_site(options.articles)
    root = next(iter(site.listings))
    max_pages = len(site.listing_pages(root))
    routes = site.routes()
    page_kb = sum(len(body) for _, _, body in routes.values()) / len(routes) / 1024
    print(f"site: {options.articles} articles, {max_pages} listing pages, ~{page_kb:.0f} KB/page")
    with SiteServer(site) as server, tempfile.TemporaryDirectory() as tmp:
        results = {}
        for spider in ("linkonly", "boursorama"):
            results[spider] = crawl(spider, server.url(root), max_pages, Path(tmp))
            r = results[spider]
            print(
                f"{spider:>10}: {r['pages']} pages, {r['items']} items in {r['seconds']:.1f} s"
                f" = {r['pages_per_s']:.1f} pages/s, peak RSS {r['peak_rss_mb']:.0f} MB"
            )
    ratio = results["boursorama"]["pages_per_s"] / results["linkonly"]["pages_per_s"]
    print(f"ratio full/link-only: {ratio:.2f}")


if __name__ == "__main__":
    main()
