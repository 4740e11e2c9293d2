"""The crawl writes the corpus store: real ``scrapy crawl`` runs against the local site, on
SQLite and on a real PostgreSQL, killed, distributed, reparsed, and given bad stores."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from newscrawl.corpus import CorpusStore
from newscrawl.corpus import reparse as reparse_module
from newscrawl.corpus import schema as s
from newscrawl.corpus.export import Selection, iter_records
from newscrawl.incremental.state import open_state
from tests.site.model import SiteComment
from tests.site.server import free_port
from tests.support.postgres import postgres_server  # noqa: F401 (a fixture)
from tests.support.runs import Crawls, listing_urls, read_jsonl
from tests.test_distributed_crawl import Workers

ROOT = Path(__file__).resolve().parent.parent
MARCHES = "/bourse/actualites/marches/"
PACED = {"DOWNLOAD_DELAY": "0.05"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'corpus.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def stored_versions(url: str) -> Counter:
    v = s.article_versions.c
    with CorpusStore.open(url) as store:
        return Counter(tuple(row) for row in store.execute(select(v.article_id, v.version)))


def latest_of(items: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for item in items:
        if item["version"] >= latest.get(item["article_id"], {"version": 0})["version"]:
            latest[item["article_id"]] = item
    return latest


def exported(url: str, tmp_path: Path) -> dict[str, dict]:
    out = tmp_path / f"export-{time.monotonic_ns()}.jsonl"
    done = cli("--store", url, "export", "--format", "jsonl", "--output", str(out))
    assert done.returncode == 0, done.stderr
    return {record["article_id"]: record for record in read_jsonl(out)}


# --- where a run's feeds are ------------------------------------------------------------


def test_the_store_and_the_state_know_a_run_s_feeds_by_their_published_names(site_server, tmp_path):
    # A run killed after its feeds were published and before the store's commit is
    # committed at the next open when these exist; the hidden .part folder they were
    # written in is gone by then (and the state would commit the run, the store not).
    url = f"sqlite:///{tmp_path / 'corpus.sqlite3'}"
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    run = crawls.run(settings={"NEWSCRAWL_STORE": url})
    assert run.returncode == 0, run.tail
    with CorpusStore.open(url) as store:
        [(store_feeds,)] = store.execute(select(s.runs.c.info["feeds"]))
    with closing(sqlite3.connect(crawls.state / "state.sqlite3")) as state:
        [(state_feeds,)] = state.execute("SELECT feeds FROM runs").fetchall()
    assert store_feeds == json.loads(state_feeds)
    folder = crawls.feeds / "boursorama"
    published = sorted(str(path) for path in folder.glob("*/*") if path.suffix != ".html")
    published = [path for path in published if not path.endswith("report.json")]
    assert sorted(store_feeds) == published and len(published) == 4


# --- three runs ----------------------------------------------------------------------------


def test_three_runs_store_each_article_once_and_the_changed_one_twice(
    store_url, site_server, tmp_path
):
    site, expected = site_server.site, site_server.expectations
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    settings = {"NEWSCRAWL_STORE": store_url}
    for number in (1, 2, 3):
        if number == 3:
            commented = site.articles[site.listings[MARCHES][3]]
            commented.comments.append(
                SiteComment("lecteur_3", site.now - timedelta(minutes=5), "Un avis de plus.")
            )
            site_server.refresh()
        run = crawls.run(settings=settings)
        assert run.returncode == 0, run.tail
        assert "Corpus store: committed run" in run.log

    versions = stored_versions(store_url)
    assert [key for key, n in versions.items() if n > 1] == []
    per_article = Counter(article_id for article_id, _ in versions)
    assert set(per_article) == expected.crawled_ids
    assert {a for a, n in per_article.items() if n > 1} == {commented.article_id}
    assert {v for a, v in versions if a == commented.article_id} == {1, 2}
    # Field by field, the export is the union of the runs' feeds, latest versions.
    feeds = crawls.all_items()
    assert Counter((i["article_id"], i["version"]) for i in feeds) == versions
    assert exported(store_url, tmp_path) == latest_of(feeds)


def refusing_store(tmp_path: Path, table: str) -> tuple[Path, str]:
    """A SQLite store whose ``table`` refuses every insert (a trigger), as a full disk would."""
    path = tmp_path / "corpus.sqlite3"
    url = f"sqlite:///{path}"
    CorpusStore.open(url).close()
    with sqlite3.connect(path) as db:
        db.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    return path, url


def assert_failed_and_nothing_kept(run, problem: str, crawls, url: str, site_server) -> None:
    """The run failed for ``problem``, and neither the state nor the store kept an article."""
    assert run.returncode == 1, run.tail
    assert run.summary["status"] == "failed"
    assert problem in run.summary["problems"]
    assert "disk says no" in run.log
    state = open_state(crawls.state)
    assert all(state.get(i) is None for i in site_server.expectations.crawled_ids)
    state.close()
    assert sum(stored_versions(url).values()) == 0


def test_the_store_commits_before_the_state_and_a_failed_commit_fails_the_run(
    site_server, tmp_path
):
    # A real database refusal at commit time.
    path, url = refusing_store(tmp_path, "article_versions")
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    failed = crawls.run(settings={"NEWSCRAWL_STORE": url})
    assert_failed_and_nothing_kept(failed, "corpus store commit failed", crawls, url, site_server)

    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER refuse")
    again = crawls.run(settings={"NEWSCRAWL_STORE": url})
    assert again.returncode == 0, again.tail
    # Everything is emitted again and stored now; the store committed first.
    assert {i["article_id"] for i in again.items} == site_server.expectations.crawled_ids
    assert len(stored_versions(url)) == len(site_server.expectations.crawled_ids)
    log = again.log
    assert log.index("Corpus store: committed run") < log.index("Crawl state: committed")
    assert log.index("Stored jsonlines feed") < log.index("Corpus store: committed run")


@pytest.mark.parametrize("feeds", ["True", "False"])
def test_a_record_the_store_cannot_stage_fails_the_run_with_or_without_feeds(
    feeds, site_server, tmp_path
):
    # A real refusal while the crawl stages its records, the feeds themselves being fine.
    _, url = refusing_store(tmp_path, "staged_versions")
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    failed = crawls.run(settings={"NEWSCRAWL_STORE": url, "NEWSCRAWL_FEEDS_ENABLED": feeds})
    problem = "corpus store could not stage records"
    assert_failed_and_nothing_kept(failed, problem, crawls, url, site_server)
    assert "could not stage" in failed.log
    assert crawls.folders() == []  # no feed published that the corpus would miss
    with CorpusStore.open(url) as store:
        runs = store.execute(select(s.runs.c.status))
    assert [status for (status,) in runs] == ["discarded"]


# --- killed runs ---------------------------------------------------------------------------


def test_sigkill_at_several_points_leaves_no_partial_or_duplicate_version(
    store_url, site_server, tmp_path
):
    site, expected = site_server.site, site_server.expectations
    urls = listing_urls(site_server)
    settings = {**PACED, "NEWSCRAWL_STORE": store_url}
    probe = Crawls(tmp_path / "probe", urls)
    began = time.monotonic()
    assert probe.run(settings={**PACED, "NEWSCRAWL_STORE": ""}).returncode == 0
    duration = time.monotonic() - began

    crawls = Crawls(tmp_path / "killed", urls)
    rng = random.Random(1221)
    page_one = site.listings[MARCHES][:8]
    for point in range(5):
        if point % 2 == 1:
            article = site.articles[page_one[point]]
            article.comments.append(
                SiteComment(f"tueur_{point}", site.now - timedelta(minutes=point), "Encore.")
            )
            site_server.refresh()
        process, _ = crawls.popen(args={"refresh": "all"}, settings=settings)
        # From the start (store opened, nothing staged) to the very end (feeds renamed).
        time.sleep(rng.uniform(0.1, duration * 1.1))
        process.kill()
        process.communicate()
        # No partial version: whatever a killed run staged is invisible.
        versions = stored_versions(store_url)
        assert [key for key, n in versions.items() if n > 1] == []

    final = crawls.run(settings=settings)
    assert final.returncode == 0, final.tail
    feeds = crawls.all_items()
    versions = stored_versions(store_url)
    assert [key for key, n in versions.items() if n > 1] == []
    assert {a for a, _ in versions} == expected.crawled_ids
    # The corpus holds exactly the versions of the completed feeds: none lost, none twice.
    assert Counter((i["article_id"], i["version"]) for i in feeds) == versions
    assert exported(store_url, tmp_path) == latest_of(feeds)
    with CorpusStore.open(store_url) as store:
        assert store.counts()["staged"] == 0


# --- distributed workers -------------------------------------------------------------------


def test_two_distributed_workers_write_one_postgresql_store(
    postgres_server,  # noqa: F811
    gated_site,
    redis_server,
    tmp_path,
):
    url = postgres_server.new_database()
    workers = Workers(tmp_path, gated_site, redis_server, 2, NEWSCRAWL_STORE=url)
    workers.wait_registered(gated_site)
    workers.finish()
    versions = stored_versions(url)
    assert [key for key, n in versions.items() if n > 1] == []
    ids = Counter(a for a, _ in versions)
    assert set(ids) == gated_site.expectations.crawled_ids
    assert set(ids.values()) == {1}
    with CorpusStore.open(url) as store:
        runs = store.execute(select(s.runs.c.status, s.runs.c.added))
    assert len(runs) == 2 and {status for status, _ in runs} == {"committed"}
    assert all(added > 0 for _, added in runs)  # both took part


# --- reparse of a live capture -------------------------------------------------------------


def test_reparse_of_a_live_capture_gives_the_live_records(site_server, tmp_path):
    live_url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    archive = tmp_path / "warc"
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    live = crawls.run(settings={"NEWSCRAWL_STORE": live_url, "NEWSCRAWL_ARCHIVE": str(archive)})
    assert live.returncode == 0, live.tail

    empty = f"sqlite:///{tmp_path / 'reparsed.sqlite3'}"
    done = cli("--store", empty, "reparse", str(archive), "--workers", "2")
    assert done.returncode == 0, done.stderr
    v = s.article_versions.c
    location = select(v.article_id, v.warc_file, v.warc_offset)
    with CorpusStore.open(live_url) as store:
        live_records = {r["article_id"]: r for r in iter_records(store, Selection())}
        live_locations = set(store.execute(location))
    with CorpusStore.open(empty) as store:
        reparsed = {r["article_id"]: r for r in iter_records(store, Selection())}
        reparsed_locations = set(store.execute(location))
    assert reparsed == live_records == {i["article_id"]: i for i in live.items}
    # The crawl noted where each version's response sits; reparse read it from there.
    assert all(name and offset is not None for _, name, offset in live_locations)
    assert reparsed_locations == live_locations


# --- bad stores ----------------------------------------------------------------------------


def _newer_schema(path: Path) -> None:
    CorpusStore.open(f"sqlite:///{path}").close()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE corpus_meta SET value = '99' WHERE key = 'schema'")


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database at all " * 200)


def _truncated(path: Path) -> None:
    CorpusStore.open(f"sqlite:///{path}").close()
    data = path.read_bytes()
    path.write_bytes(data[:100] + os.urandom(len(data) - 100))


BAD_STORES = {
    "newer schema": (_newer_schema, "sqlite", "newer than this newscrawl"),
    "garbage file": (_garbage, "sqlite", "not a SQLite database"),
    "damaged file": (_truncated, "sqlite", "damaged"),
    "a folder": (lambda path: path.mkdir(), "sqlite", "is a folder"),
    "postgresql down": (None, "postgresql://u@127.0.0.1:{port}/x", "cannot use"),
    "unknown scheme": (None, "mysql://u@127.0.0.1/x", "unsupported store"),
    "not a url": (None, "corpus.db", "not a store URL"),
    "sqlite when distributed": (None, "distributed", "needs a PostgreSQL store"),
}


@pytest.mark.parametrize("case", list(BAD_STORES))
def test_a_bad_store_is_one_line_exit_2_before_anything_is_fetched(case, site_server, tmp_path):
    make, kind, says = BAD_STORES[case]
    path = tmp_path / "corpus.sqlite3"
    settings = {}
    if make is not None:
        make(path)
        url = f"sqlite:///{path}"
    elif kind == "distributed":
        url = f"sqlite:///{path}"
        settings["NEWSCRAWL_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    else:
        url = kind.format(port=free_port())
    before = path.read_bytes() if path.is_file() else None
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    run = crawls.run(settings={**settings, "NEWSCRAWL_STORE": url})
    assert run.returncode == 2, run.tail
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in run.stderr, lines
    assert site_server.requests == Counter()  # nothing fetched
    assert crawls.folders() == [] and not crawls.state.exists()
    after = path.read_bytes() if path.is_file() else None
    assert after == before  # the store was not touched
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["runs", *(["corpus.sqlite3"] if path.exists() else [])]
    )


def test_the_store_is_off_when_empty(site_server, tmp_path):
    crawls = Crawls(tmp_path / "runs", listing_urls(site_server))
    run = crawls.run(settings={"NEWSCRAWL_STORE": ""})
    assert run.returncode == 0, run.tail
    assert "Corpus store" not in run.log
    assert not list((tmp_path / "runs").glob("*.sqlite3*"))


def test_merge_and_recover_are_newscrawl_commands():
    for name, says in (("merge", "out_dir"), ("recover", "warc.gz.open")):
        done = cli(name, "--help")
        assert done.returncode == 0 and says in done.stdout, done.stderr
    done = cli("recover", "/no/such.warc.gz.open")
    assert done.returncode == 2 and done.stderr.startswith("newscrawl recover: ")


def test_reparse_picks_the_site_from_the_registry():
    url = "https://www.boursorama.com/bourse/actualites/titre-" + "a" * 32
    assert reparse_module.site_of(url).name == "boursorama"
    local = "http://127.0.0.1:8080/bourse/actualites/titre-" + "b" * 32
    assert reparse_module.site_of(local).name == "boursorama"
    assert reparse_module.site_of("https://www.boursorama.com/bourse/") is None
    done = cli("--store", "sqlite:////tmp/x.sqlite3", "reparse", str(ROOT), "--site", "nope")
    assert done.returncode == 2 and "no site named 'nope'" in done.stderr
