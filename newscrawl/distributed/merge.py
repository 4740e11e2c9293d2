"""Merge the feeds of a distributed crawl's workers into one set of feeds.

    python -m newscrawl.distributed.merge OUT_DIR FOLDER_OR_FILE... [--csv-style excel-fr]
    python -m newscrawl.distributed.merge OUT_DIR --redis-url redis://host:6379/0 --crawl ID

Every worker writes its own feeds. This reads their JSON Lines feeds (``*.jsonl``, and the
``*.jsonl.part`` a killed worker leaves, whose last line may be cut), keeps one record per
(article_id, version), and writes ``articles.jsonl``, ``articles.csv``, ``comments.csv`` and
``links.csv`` to OUT_DIR with the crawl's own exporters and atomic file storage. The CSV
tables are rebuilt from the JSON records, which carry everything, rather than merged.

With ``--crawl`` it also reads the folders the crawl's workers on this host registered in
Redis. Of two records of one article version (a page crawled again after its worker was
taken for dead), the one in a published run folder is kept (``newscrawl.feeds.publish``:
the run that recovery counts as done), then the one fetched first. A killed worker's
unpublished folder still counts: its requests were released once its records were
written, so they are in no other feed. Exit status 1 when no feed was found, 2 for a bad
command line or a Redis that cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newscrawl.feeds.exporters import (
    CSV_STYLES,
    ArticlesCsvExporter,
    CommentsCsvExporter,
    JsonLinesExporter,
    LinksCsvExporter,
)
from newscrawl.feeds.publish import is_unpublished, published_folder
from newscrawl.feeds.storage import PART_SUFFIX, AtomicFileFeedStorage

logger = logging.getLogger(__name__)

OUTPUTS = {
    "articles.jsonl": JsonLinesExporter,
    "articles.csv": ArticlesCsvExporter,
    "comments.csv": CommentsCsvExporter,
    "links.csv": LinksCsvExporter,
}


@dataclass
class MergeReport:
    files: list[Path] = field(default_factory=list)
    read: int = 0
    duplicates: int = 0
    unreadable: int = 0
    written: int = 0


def feed_files(sources: Iterable[Path], exclude: Path | None = None) -> list[Path]:
    """JSON Lines feeds named directly, or found anywhere under the folders named."""
    found: set[Path] = set()
    for source in sources:
        if source.is_file():
            found.add(source.resolve())
            continue
        for pattern in ("*.jsonl", "*.jsonl" + PART_SUFFIX):
            found.update(p.resolve() for p in source.rglob(pattern) if p.is_file())
    if exclude is not None:
        found = {p for p in found if exclude not in p.parents}
    return sorted(found)


def read_records(path: Path, report: MergeReport) -> Iterator[dict]:
    with path.open("rb") as feed:
        for number, raw in enumerate(feed, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except ValueError:
                # A worker killed mid-write leaves a cut last line in its .part file; the
                # request behind it was leased, so another worker wrote the record again.
                report.unreadable += 1
                logger.warning("%s:%d: not a complete JSON record, skipped", path, number)
                continue
            if isinstance(record, dict):
                report.read += 1
                yield record


def _key(record: dict) -> tuple[str, int]:
    return (str(record.get("article_id") or record.get("url")), int(record.get("version") or 1))


def published(path: Path) -> bool:
    """A complete feed of a published run: not a ``.part`` file, not in a ``.part`` folder."""
    return not path.name.endswith(PART_SUFFIX) and not any(map(is_unpublished, path.parents))


def merge_records(files: Iterable[Path], report: MergeReport) -> list[dict]:
    kept: dict[tuple[str, int], tuple[bool, str, dict]] = {}
    for path in files:
        # Sorts first: a record of a published run, then the earlier fetch.
        rank = not published(path)
        for record in read_records(path, report):
            key = _key(record)
            candidate = (rank, record.get("fetched_at") or "", record)
            other = kept.get(key)
            if other is None:
                kept[key] = candidate
                continue
            report.duplicates += 1
            if candidate[:2] < other[:2]:
                kept[key] = candidate
    return [kept[key][2] for key in sorted(kept)]


def write_feeds(records: list[dict], out_dir: Path, csv_style: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, exporter_cls in OUTPUTS.items():
        storage = AtomicFileFeedStorage(str(out_dir / name), feed_options={"overwrite": True})
        file = storage.open(None)
        if exporter_cls is JsonLinesExporter:
            exporter = exporter_cls(file, encoding="utf-8")
        else:
            exporter = exporter_cls(file, csv_style=csv_style)
        exporter.start_exporting()
        for record in records:
            exporter.export_item(record)
        exporter.finish_exporting()
        storage.store(file)


def registered_folders(redis_url: str, crawl: str, prefix: str = "newscrawl") -> list[Path]:
    """The feed folders the crawl's workers on this host noted in Redis."""
    import redis

    from newscrawl.distributed.keys import CrawlKeys

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=10, socket_timeout=30)
    host = socket.gethostname()
    folders = []
    for entry in sorted(client.smembers(CrawlKeys(crawl=crawl, prefix=prefix).feeds)):
        entry_host, _, folder = entry.decode().partition(":")
        if entry_host == host:
            # Workers register the folder they write in; a finished one renamed it.
            path = Path(folder)
            if not path.exists() and published_folder(path).exists():
                path = published_folder(path)
            folders.append(path)
    return folders


def merge(sources: list[Path], out_dir: Path, csv_style: str = "standard") -> MergeReport:
    report = MergeReport()
    report.files = feed_files(sources, exclude=out_dir.resolve())
    records = merge_records(report.files, report)
    if report.files:
        write_feeds(records, out_dir, csv_style)
    report.written = len(records)
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", type=Path, help="folder for the merged feeds")
    parser.add_argument("sources", type=Path, nargs="*", help="worker feed folders or files")
    parser.add_argument("--redis-url", help="with --crawl: read the folders from Redis")
    parser.add_argument("--crawl", help="the crawl id (NEWSCRAWL_REDIS_CRAWL, else spider name)")
    parser.add_argument("--prefix", default="newscrawl", help="NEWSCRAWL_REDIS_PREFIX")
    parser.add_argument("--csv-style", default="standard", choices=sorted(CSV_STYLES))


def run(options: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    sources = list(options.sources)
    missing = [str(path) for path in sources if not Path(path).exists()]
    if missing:  # a typo, not an empty merge
        parser.error(f"no such feed file or folder: {', '.join(missing)}")
    if options.crawl:
        if not options.redis_url:
            parser.error("--crawl needs --redis-url")
        import redis

        try:
            sources += registered_folders(options.redis_url, options.crawl, options.prefix)
        except (redis.exceptions.RedisError, ValueError) as exc:
            # ValueError: a URL redis-py cannot read ("redis//host").
            print(
                f"newscrawl merge: cannot read the crawl's folders from Redis at "
                f"{options.redis_url}: {exc}",
                file=sys.stderr,
            )
            return 2
    if not sources:
        parser.error("name feed folders or files, or --redis-url and --crawl")

    report = merge(sources, options.out_dir, options.csv_style)
    if not report.files:
        print("no JSON Lines feed found", file=sys.stderr)
        return 1
    print(
        f"merged {len(report.files)} feeds: {report.read} records read, "
        f"{report.duplicates} duplicates dropped, {report.unreadable} unreadable lines, "
        f"{report.written} articles written to {options.out_dir}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """The old form, ``python -m newscrawl.distributed.merge``; ``newscrawl merge`` is new."""
    parser = argparse.ArgumentParser(
        prog="python -m newscrawl.distributed.merge", description=__doc__.splitlines()[0]
    )
    add_arguments(parser)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    return run(options, parser)


if __name__ == "__main__":
    sys.exit(main())
