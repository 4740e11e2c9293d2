"""Corpus store figures: write throughput, size on disk, export time (SQLite); and, with
``--crawl``, the store's cost to a full crawl and ``reparse`` against a replayed crawl.

    python -m benchmarks.corpus [--articles 2000] [--export-articles 10000]
    python -m benchmarks.corpus --crawl [--crawl-articles 600] [--rounds 3]

Writes synthetic articles (a ~2.5 KB body, 3 comments, 2 related entries, 1 image each)
through the store's crawl path (begin_run, add per item, commit_run) into a fresh SQLite
file, and prints items/s, the file size per 1,000 articles and the time of a JSON Lines,
CSV and Parquet export of --export-articles articles. Numbers vary with the machine's load.

``--crawl`` serves benchmarks' generated site (``build_bench_site``: ~80 KB article pages)
on 127.0.0.1 and, in one run, crawls it with the store off and on (pages/s of each, and
the cost), captures it once to a WARC archive, then times a replay crawl of that archive
(store off) against ``reparse`` of the same archive into an empty store (articles/s, one
worker process per core). Compare the ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.common import unthrottled
from newscrawl.cli import project_settings
from newscrawl.corpus import CorpusStore
from newscrawl.corpus.export import Selection, export
from tests.support.corpus_items import synthetic_article


def write(url: str, first: int, count: int) -> float:
    articles = [synthetic_article(n) for n in range(first, first + count)]
    started = time.perf_counter()
    with CorpusStore.open(url) as store:
        run_id = f"bench-{first}"
        store.begin_run(run_id)
        for article in articles:
            store.add(run_id, article)
        store.commit_run(run_id)
    return time.perf_counter() - started


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _crawl(start: str, max_pages: int, workdir: Path, **settings: str) -> tuple[dict, float]:
    from tests.support.crawl_runner import crawl_in_subprocess

    fast = {**unthrottled(16), "NEWSCRAWL_INCREMENTAL": "False"}
    workdir.mkdir(parents=True, exist_ok=True)
    args = {"start_urls": start, "max_pages": str(max_pages)}
    started = time.perf_counter()
    result = crawl_in_subprocess(workdir, args, {**fast, **settings}, timeout=3600)
    return result, time.perf_counter() - started


def crawl_figures(articles: int, rounds: int) -> None:
    import io

    from newscrawl.corpus.reparse import reparse
    from tests.site.model import build_bench_site
    from tests.site.server import SiteServer

    site = build_bench_site(articles)
    root = next(iter(site.listings))
    max_pages = len(site.listing_pages(root))
    with SiteServer(site) as server, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        start = server.url(root)
        rates: dict[str, float] = {}
        # Alternated rounds, best of each: the machine's load moves between crawls.
        for round_number in range(rounds):
            for label in ("off", "on") if round_number % 2 == 0 else ("on", "off"):
                store = f"sqlite:///{tmp / f'{label}-{round_number}.sqlite3'}"
                result, elapsed = _crawl(
                    start,
                    max_pages,
                    tmp / f"{label}-{round_number}",
                    NEWSCRAWL_STORE="" if label == "off" else store,
                )
                pages = result["stats"].get("response_received_count", 0)
                rates[label] = max(rates.get(label, 0), pages / elapsed)
                print(
                    f"crawl, store {label}: {pages} pages, {len(result['items'])} articles in "
                    f"{elapsed:.1f} s = {pages / elapsed:.1f} pages/s"
                )
        print(
            f"store cost: {100 * (1 - rates['on'] / rates['off']):.1f} % of crawl pages/s "
            f"(best of {rounds} alternated rounds each)"
        )

        archive = tmp / "warc"
        _crawl(
            start, max_pages, tmp / "capture", NEWSCRAWL_STORE="", NEWSCRAWL_ARCHIVE=str(archive)
        )
        replay, replay_s = _crawl(
            start, max_pages, tmp / "replay", NEWSCRAWL_STORE="", NEWSCRAWL_REPLAY=str(archive)
        )
        replay_rate = len(replay["items"]) / replay_s
        print(
            f"replay crawl: {len(replay['items'])} articles in {replay_s:.1f} s = "
            f"{replay_rate:.1f} articles/s"
        )
        started = time.perf_counter()
        with CorpusStore.open(f"sqlite:///{tmp / 'reparsed.sqlite3'}") as store:
            result = reparse(store, [str(archive)], progress=io.StringIO())
        reparse_s = time.perf_counter() - started
        reparse_rate = result.responses / reparse_s
        print(
            f"reparse: {result.responses} articles in {reparse_s:.1f} s = "
            f"{reparse_rate:.1f} articles/s ({reparse_rate / replay_rate:.2f} x the replay "
            f"crawl; {result.commit.added} versions, {result.failed} failed)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--export-articles", type=int, default=10_000)
    parser.add_argument("--crawl", action="store_true", help="the crawl figures instead")
    parser.add_argument("--crawl-articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args(argv)
    if options.crawl:
        crawl_figures(options.crawl_articles, options.rounds)
        return
    settings = project_settings()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "corpus.sqlite3"
        url = f"sqlite:///{path}"
        elapsed = write(url, 0, options.articles)
        with sqlite3.connect(path, isolation_level=None) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = size_of(path)
        print(
            f"write: {options.articles} articles in {elapsed:.2f} s = "
            f"{options.articles / elapsed:.0f} items/s (SQLite, one run)"
        )
        with sqlite3.connect(path, isolation_level=None) as connection:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vacuumed = size_of(path)
        # The run's staged rows are deleted at commit; their pages stay free in the file
        # for the next run to reuse until a VACUUM returns them.
        print(
            f"size: {size / options.articles * 1000 / 1e6:.2f} MB per 1,000 articles "
            f"({vacuumed / options.articles * 1000 / 1e6:.2f} MB after VACUUM)"
        )
        missing = options.export_articles - options.articles
        if missing > 0:
            write(url, options.articles, missing)
        with CorpusStore.open(url) as store:
            for fmt, name in (
                ("jsonl", "articles.jsonl"),
                ("csv", "tables"),
                ("parquet", "parquet"),
            ):
                started = time.perf_counter()
                export(store, fmt, Path(folder) / "out" / name, Selection(), settings)
                print(
                    f"export {fmt}: {max(options.export_articles, options.articles)} "
                    f"articles in {time.perf_counter() - started:.2f} s"
                )


if __name__ == "__main__":
    main()
