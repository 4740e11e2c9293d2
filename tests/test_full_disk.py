"""A full disk fails the run, leaves no incomplete file under a final name, costs nothing next.

Each test mounts its own small tmpfs (root only; skipped with the reason otherwise), fills
it during a crawl of the local site, then gives it room and runs again: the two runs'
published feeds must hold every article exactly once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from newscrawl.incremental.outcome import EXIT_FAILED
from newscrawl.incremental.state import open_state
from tests.support.runs import Crawls, listing_urls
from tests.test_feeds import parse_feed
from tests.test_publication import CUT


@contextlib.contextmanager
def tmpfs(where: Path, size: str):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    where.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def grow(where: Path, size: str = "50m") -> None:
    """Give the file system room again, as a user freeing space would."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(where)], check=True)


def assert_every_article_once(crawls: Crawls, expected: set[str]) -> None:
    versions = Counter((item["article_id"], item["version"]) for item in crawls.all_items())
    doubled = [key for key, n in versions.items() if n > 1]
    assert doubled == [], f"{len(doubled)} records emitted twice"
    assert {article_id for article_id, _ in versions} == expected


def final_named_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".part")]


def test_feeds_on_a_full_disk_fail_the_run_and_leave_no_incomplete_file(site_server, tmp_path):
    expected = site_server.expectations.crawled_ids
    with tmpfs(tmp_path / "disk", "120k") as disk:
        crawls = Crawls(tmp_path, listing_urls(site_server))
        crawls.feeds = disk / "feeds"
        full = crawls.run()
        assert full.returncode == EXIT_FAILED, full.tail
        assert full.summary["status"] == "failed"
        assert "No space left on device" in full.log
        assert full.folders == []
        # Any file with a final name (inside the hidden folder only) is complete.
        for path in final_named_files(crawls.feeds):
            parse_feed(path)
        assert open_state(crawls.state).count() == 0

        grow(disk)
        again = crawls.run()
        assert again.returncode == 0, again.tail
        assert_every_article_once(crawls, expected)


def test_a_state_disk_filling_during_the_run_fails_it_and_nothing_is_emitted_twice(
    site_server, tmp_path
):
    # The state writes its staged visits in batches: the disk fills just before the first.
    expected = site_server.expectations.crawled_ids
    with tmpfs(tmp_path / "disk", "2m") as disk:
        crawls = Crawls(tmp_path, listing_urls(site_server))
        crawls.state = disk / "state"
        full = crawls.run(settings={**CUT, "CUTPOINT": f"fill_at_flush:{disk}"})
        assert full.returncode == EXIT_FAILED, full.tail
        assert full.summary["status"] == "failed"
        assert "crawl state" in full.summary["problems"]
        assert "database or disk is full" in full.log
        assert full.folders == []

        (disk / "filler").unlink()
        again = crawls.run()
        assert again.returncode == 0, again.tail
        assert_every_article_once(crawls, expected)


def test_a_state_disk_full_at_the_commit_fails_the_run_and_the_next_run_settles_it(
    site_server, tmp_path
):
    expected = site_server.expectations.crawled_ids
    with tmpfs(tmp_path / "disk", "2m") as disk:
        crawls = Crawls(tmp_path, listing_urls(site_server))
        crawls.state = disk / "state"
        full = crawls.run(settings={**CUT, "CUTPOINT": f"fill:{disk}"})
        assert full.returncode == EXIT_FAILED, full.tail
        assert "crawl state not committed" in full.summary["problems"]
        # The feeds were published before the commit: they hold the run's articles.
        (folder,) = full.folders
        assert len(parse_feed(folder / "articles.jsonl")) == len(expected)

        (disk / "filler").unlink()
        again = crawls.run()
        assert again.returncode == 0, again.tail
        assert again.items == []
        assert "its feeds are complete" in again.log
        assert_every_article_once(crawls, expected)
