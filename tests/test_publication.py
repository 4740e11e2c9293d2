"""A run's feeds are published in one step; a kill at any step loses nothing, doubles nothing.

The cut points are the steps of the end of a run, in order: each feed file's rename inside
the hidden run folder, the folder's rename (the publication), the crawl state's commit.
A SIGKILL lands just before each (``tests.support.cutpoint``); the next run must then emit
exactly what the killed one did not publish.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest

from newscrawl.incremental.outcome import EXIT_LOCKED
from newscrawl.incremental.runlock import LOCK_FILE
from newscrawl.incremental.state import open_state
from tests.support.runs import Crawls, listing_urls, read_jsonl

CUT = {"EXTENSIONS": json.dumps({"tests.support.cutpoint.CutPoint": 0})}

# (cut point, whether the killed run's folder is published when it dies)
CUT_POINTS = [
    ("rename:1", False),  # before the first feed file's rename
    ("rename:2", False),  # after the first file, before the second
    ("rename:3", False),
    ("rename:4", False),  # after the third, before the last
    ("rename:5", False),  # every file complete, before the folder's rename
    ("before_commit", True),  # after the folder's rename, before the state commit
    ("after_commit", True),  # after the state commit
]


def unpublished(crawls: Crawls) -> list:
    root = crawls.feeds / "boursorama"
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".")) if root.exists() else []


@pytest.mark.parametrize(("point", "published"), CUT_POINTS)
def test_a_kill_at_any_step_of_publication_emits_every_article_once(
    site_server, tmp_path, point, published
):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    expected = site_server.expectations.crawled_ids

    killed = crawls.run(settings={**CUT, "CUTPOINT": point})
    assert killed.returncode == -signal.SIGKILL, killed.tail
    killed_items = [item for folder in killed.folders for item in crawls_items(folder)]
    after = crawls.run()
    assert after.returncode == 0, after.tail

    # What users have: the feeds of published run folders, over both runs.
    versions = Counter((item["article_id"], item["version"]) for item in crawls.all_items())
    doubled = [key for key, n in versions.items() if n > 1]
    assert doubled == [], f"{point}: {len(doubled)} records emitted twice"
    lost = expected - {article_id for article_id, _ in versions}
    assert lost == set(), f"{point}: {len(lost)} articles lost"
    state = open_state(crawls.state)
    assert state.unfinished_runs() == [] and state.count() == len(expected)

    # The killed run published all of its feeds or none of them.
    assert (len(killed.folders) == 1) is published, (point, killed.folders, unpublished(crawls))
    if published:
        (folder,) = killed.folders
        assert sorted(p.name for p in folder.iterdir()) == [
            "articles.csv",
            "articles.jsonl",
            "comments.csv",
            "links.csv",
        ]
        assert {item["article_id"] for item in killed_items} == expected
        assert after.items == []  # the next run settled the killed one as done
    else:
        assert len(unpublished(crawls)) == 1
        assert {item["article_id"] for item in after.items} == expected


def crawls_items(folder):
    return read_jsonl(folder / "articles.jsonl")


def test_a_deleted_run_lock_still_keeps_a_second_run_out(site_server, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    # Slow enough that the first run is still going when the second one starts.
    first, log = crawls.popen(settings={"DOWNLOAD_DELAY": "0.2"})
    try:
        lock = crawls.state / LOCK_FILE
        deadline = 600
        while not (log.exists() and "Feeds of this run go to" in log.read_text()) and deadline:
            first.poll()
            assert first.returncode is None, first.communicate()
            deadline -= 1
            time.sleep(0.1)  # a bound on the wait, not a timing assertion
        assert lock.exists()
        lock.unlink()  # a cleanup job, a user
        second = crawls.run()
        assert second.returncode == EXIT_LOCKED, second.tail
        assert "another newscrawl run is using" in second.stderr
        assert second.folders == [] and len(unpublished(crawls)) == 1
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0
    assert {item["article_id"] for item in crawls.all_items()} == (
        site_server.expectations.crawled_ids
    )


@pytest.mark.parametrize(
    ("ages", "complete"),
    [
        ([10, 10], True),  # both written after the run began (10 s before now; it began 60 s ago)
        ([10, 3600], False),  # one was there before: an earlier run's -O file
        ([10, None], False),  # one never reached its name
        ([], False),  # no feed recorded: nothing tells the run complete
    ],
)
def test_a_killed_run_is_complete_when_every_feed_was_published_since_it_began(
    tmp_path, ages, complete
):
    import os
    import time
    from datetime import UTC, datetime, timedelta

    from newscrawl.feeds.publish import feeds_published_since

    paths = []
    for n, age in enumerate(ages):
        path = tmp_path / f"feed-{n}.jsonl"
        if age is not None:
            path.write_text("{}\n")
            os.utime(path, (time.time() - age, time.time() - age))
        paths.append(str(path))
    began = datetime.now(UTC) - timedelta(seconds=60)
    assert feeds_published_since(paths, began.isoformat()) is complete
    assert feeds_published_since(paths, began) is complete
