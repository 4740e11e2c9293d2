"""Corpus store figures: write throughput, size on disk, export time (SQLite).

    python -m benchmarks.corpus [--articles 2000] [--export-articles 10000]

Writes synthetic articles (a ~2.5 KB body, 3 comments, 2 related entries, 1 image each)
through the store's crawl path (begin_run, add per item, commit_run) into a fresh SQLite
file, and prints items/s, the file size per 1,000 articles and the time of a JSON Lines,
CSV and Parquet export of --export-articles articles. Numbers vary with the machine's load.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--export-articles", type=int, default=10_000)
    options = parser.parse_args(argv)
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
