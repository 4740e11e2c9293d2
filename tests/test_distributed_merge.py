"""The merge command: the workers' JSON Lines feeds into one set, one record per version."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.distributed.merge import main, merge, registered_folders
from tests.support.distributed_support import feed_records

ROOT = Path(__file__).resolve().parents[1]


def record(article_id: str, version: int = 1, fetched_at: str = "2024-10-21T16:00:00+00:00"):
    return {
        "url": f"https://www.boursorama.com/bourse/actualites/t-{article_id}",
        "article_id": article_id,
        "title": f"=titre {article_id} v{version}",
        "version": version,
        "fetched_at": fetched_at,
        "comments": [{"position": 1, "author": "a", "text": "ok"}],
        "related": [],
    }


def write(path, records, tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(lines + tail, encoding="utf-8")


def test_merge_keeps_one_record_per_article_version(tmp_path):
    feeds = tmp_path / "feeds"
    write(feeds / "w1" / "articles.jsonl", [record("a" * 32), record("b" * 32)])
    # A killed worker's feed: a page crawled again elsewhere, a new version, a cut last line.
    late = record("b" * 32, fetched_at="2024-10-21T17:00:00+00:00")
    write(
        feeds / "w2" / "articles.jsonl.part",
        [late, record("c" * 32), record("a" * 32, version=2)],
        tail='{"article_id": "dd',
    )

    report = merge([feeds], tmp_path / "out")

    assert (report.read, report.duplicates, report.unreadable) == (5, 1, 1)
    merged = feed_records(tmp_path / "out")
    keys = [(r["article_id"][0], r["version"]) for r in merged]
    assert keys == [("a", 1), ("a", 2), ("b", 1), ("c", 1)]
    kept_b = next(r for r in merged if r["article_id"] == "b" * 32)
    assert kept_b["fetched_at"] == "2024-10-21T16:00:00+00:00"  # the first fetch wins

    with (tmp_path / "out" / "articles.csv").open(encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    assert [row["article_id"] for row in rows] == [r["article_id"] for r in merged]
    assert rows[0]["title"].startswith("'=")  # the contract's spreadsheet-safe cells
    with (tmp_path / "out" / "comments.csv").open(encoding="utf-8", newline="") as table:
        assert len(list(csv.DictReader(table))) == 4
    assert not list((tmp_path / "out").glob("*.part"))


def test_merge_ignores_its_own_output_below_a_source(tmp_path):
    write(tmp_path / "w1" / "articles.jsonl", [record("a" * 32)])
    assert main([str(tmp_path / "merged"), str(tmp_path)]) == 0
    assert main([str(tmp_path / "merged"), str(tmp_path)]) == 0
    assert [r["article_id"] for r in feed_records(tmp_path / "merged")] == ["a" * 32]


def test_merge_without_any_feed_fails(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "out"), str(tmp_path / "empty")]) == 1
    assert "no JSON Lines feed" in capsys.readouterr().err


def test_merge_of_a_source_that_does_not_exist_is_a_bad_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:
        main([str(tmp_path / "out"), str(tmp_path / "no-such-feeds")])
    assert refused.value.code == 2
    assert "no such feed file or folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_merge_with_redis_down_is_one_line_and_exit_2(tmp_path):
    # Nothing listens on the port: what a stopped Redis looks like.
    url = f"redis://127.0.0.1:{free_port()}/0"
    done = subprocess.run(
        [sys.executable, "-m", "newscrawl.distributed.merge", str(tmp_path / "out")]
        + ["--redis-url", url, "--crawl", "c1"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"newscrawl merge: cannot read the crawl's folders from Redis at {url}")
    assert not (tmp_path / "out").exists()


def test_a_published_record_wins_over_an_unpublished_one(tmp_path):
    # A run killed before it published its folder, and the run that fetched it again.
    killed = tmp_path / "feeds" / "boursorama" / ".2024-10-21T10-00-00Z.part"
    write(killed / "articles.jsonl", [record("a" * 32, fetched_at="2024-10-21T10:00:00+00:00")])
    write(
        tmp_path / "feeds" / "boursorama" / "2024-10-21T11-00-00Z" / "articles.jsonl",
        [record("a" * 32, fetched_at="2024-10-21T11:00:00+00:00"), record("b" * 32)],
    )
    report = merge([tmp_path / "feeds"], tmp_path / "out")
    assert (report.read, report.duplicates, report.written) == (3, 1, 2)
    kept = {r["article_id"][0]: r["fetched_at"] for r in feed_records(tmp_path / "out")}
    assert kept["a"] == "2024-10-21T11:00:00+00:00"


def test_a_registered_folder_is_found_after_its_worker_published_it(tmp_path, redis_server):
    from newscrawl.distributed.keys import CrawlKeys

    published = tmp_path / "feeds" / "boursorama" / "2024-10-21T10-00-00Z"
    write(published / "articles.jsonl", [record("a" * 32)])
    # What the worker noted in Redis when it started: the folder it was writing in.
    hidden = published.with_name(f".{published.name}.part")
    redis_server.client().sadd(
        CrawlKeys(crawl="pub", prefix="newscrawl").feeds, f"{socket.gethostname()}:{hidden}"
    )
    assert registered_folders(redis_server.url, "pub") == [published]
    assert main([str(tmp_path / "out"), "--redis-url", redis_server.url, "--crawl", "pub"]) == 0
    assert [r["article_id"] for r in feed_records(tmp_path / "out")] == ["a" * 32]
