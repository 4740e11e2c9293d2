"""The corpus store on both databases: schema, errors, runs, versions, crashes, concurrency."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Text, cast, func, inspect, select, update

from newscrawl.corpus import CorpusError, CorpusStore
from newscrawl.corpus import schema as s
from newscrawl.corpus.records import as_record, record_hash
from newscrawl.incremental.revisit import fingerprint
from newscrawl.jsonbytes import compact_text
from tests.support.corpus_items import fixture_articles, synthetic_article
from tests.support.postgres import postgres_server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'corpus.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def store(store_url):
    opened = CorpusStore.open(store_url)
    yield opened
    opened.close()


def _commit(store: CorpusStore, run_id: str, articles) -> int:
    store.begin_run(run_id)
    for article in articles:
        store.add(run_id, article)
    return store.commit_run(run_id).added


def _versions(store: CorpusStore) -> list[tuple]:
    v = s.article_versions.c
    return [
        tuple(row)
        for row in store.execute(
            select(v.article_key, v.version, v.title).order_by(v.article_key, v.version)
        )
    ]


# --- opening -----------------------------------------------------------------------------


def test_open_creates_the_schema_and_views(store_url):
    with CorpusStore.open(store_url) as store:
        assert store.schema_version() == s.SCHEMA_VERSION
        with store.transaction(write=False) as connection:
            inspector = inspect(connection)
            tables = set(inspector.get_table_names())
            views = set(inspector.get_view_names())
    assert {
        "runs",
        "articles",
        "article_versions",
        "comments",
        "images",
        "related_links",
        "staged_versions",
        "corpus_meta",
    } <= tables
    assert {"latest_articles", "comments_latest"} <= views
    with CorpusStore.open(store_url) as again:  # a second open migrates nothing
        assert again.schema_version() == s.SCHEMA_VERSION


def test_a_newer_schema_is_refused_in_one_line(store_url):
    with CorpusStore.open(store_url) as store, store.transaction() as connection:
        connection.execute(update(s.corpus_meta).values(value=str(s.SCHEMA_VERSION + 1)))
    with pytest.raises(CorpusError) as caught:
        CorpusStore.open(store_url)
    message = str(caught.value)
    assert "newer" in message and str(s.SCHEMA_VERSION + 1) in message and "\n" not in message


def test_a_corrupt_sqlite_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "corpus.sqlite3"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(CorpusError, match="not a database") as caught:
        CorpusStore.open(f"sqlite:///{path}")
    assert "\n" not in str(caught.value)


def test_a_database_of_something_else_is_refused(tmp_path):
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE frontier (article_id TEXT)")
    with pytest.raises(CorpusError, match="not a newscrawl corpus"):
        CorpusStore.open(f"sqlite:///{path}")


@pytest.mark.parametrize(
    "url, says",
    [
        ("not a url", "not a store URL"),
        ("mysql://localhost/corpus", "unsupported store"),
        ("sqlite:////dev/null/corpus.sqlite3", "cannot create"),
    ],
)
def test_urls_that_cannot_be_opened(url, says):
    with pytest.raises(CorpusError, match=says) as caught:
        CorpusStore.open(url)
    assert "\n" not in str(caught.value)


def test_postgresql_down_is_a_one_line_error():
    from tests.site.server import free_port

    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/corpus"
    with pytest.raises(CorpusError) as caught:
        CorpusStore.open(url)
    message = str(caught.value)
    assert "Connection refused" in message and "\n" not in message
    assert "secret" not in message  # the password is never shown


# --- runs and versions -------------------------------------------------------------------


def test_versions_are_added_only_when_the_record_changes(store):
    first = [synthetic_article(n) for n in range(3)]
    assert _commit(store, "run-1", first) == 3
    assert _commit(store, "run-2", [synthetic_article(n) for n in range(3)]) == 0
    changed = synthetic_article(1, title="Titre corrigé", version=2)
    assert _commit(store, "run-3", [changed, synthetic_article(2)]) == 1
    keys = [a.article_id for a in first]
    assert _versions(store) == [
        (keys[0], 1, first[0].title),
        (keys[1], 1, first[1].title),
        (keys[1], 2, "Titre corrigé"),
        (keys[2], 1, first[2].title),
    ]
    a = s.articles.c
    rows = store.execute(select(a.id, a.current_version).order_by(a.id))
    assert [tuple(r) for r in rows] == [(keys[0], 1), (keys[1], 2), (keys[2], 1)]
    # Committing version 1 again after version 2 exists adds nothing either.
    assert _commit(store, "run-4", [synthetic_article(1)]) == 0
    assert store.counts()["versions"] == 4


def test_a_version_keeps_every_field_and_both_hashes(store):
    articles = fixture_articles()
    assert _commit(store, "run", articles) == len(articles)
    v = s.article_versions.c
    stored = {
        row.article_key: row
        for row in store.execute(
            select(v.article_key, v.content_hash, v.record_hash, v.comment_count)
        )
    }
    for article in articles:
        row = stored[article.article_id or article.url]
        assert row.content_hash == fingerprint(article)
        assert row.record_hash == record_hash(as_record(article))
        assert row.comment_count == article.comment_count


def test_a_committed_run_cannot_be_committed_or_begun_again(store):
    _commit(store, "run-1", [synthetic_article(1)])
    with pytest.raises(CorpusError, match="committed"):
        store.begin_run("run-1")


def test_nothing_is_visible_before_the_commit(store):
    store.begin_run("run-1")
    for n in range(450):  # more than a staging batch
        store.add("run-1", synthetic_article(n))
    store.flush("run-1")
    counts = store.counts()
    assert counts["staged"] == 450 and counts["versions"] == 0 and counts["articles"] == 0
    assert store.commit_run("run-1").added == 450
    assert store.counts() == {"articles": 450, "versions": 450, "staged": 0, "runs": 1}


def test_a_discarded_run_leaves_nothing(store):
    store.begin_run("run-1")
    store.add("run-1", synthetic_article(1))
    store.flush("run-1")
    store.discard_run("run-1")
    assert store.counts() == {"articles": 0, "versions": 0, "staged": 0, "runs": 1}


def _writer(url: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.corpus_writer", url, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_a_killed_run_shows_nothing_and_the_next_open_cleans_it(store_url):
    writer = _writer(store_url, "killed-run", "stage-and-hang")
    try:
        assert writer.stdout.readline().strip() == "staged"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    # Looked at without opening (an open cleans up): staged, not visible.
    peek = CorpusStore.open(store_url, discard_stale=False)
    counts = peek.counts()
    assert counts["staged"] == 120 and counts["versions"] == 0 and counts["articles"] == 0
    peek.close()
    # PostgreSQL notices the dead client's connection (and frees its lock) asynchronously.
    deadline = time.monotonic() + 20
    while True:
        with CorpusStore.open(store_url) as store:
            counts = store.counts()
            status = store.execute(select(s.runs.c.status))[0][0]
        if counts["staged"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert counts == {"articles": 0, "versions": 0, "staged": 0, "runs": 1}
    assert status == "discarded"
    with CorpusStore.open(store_url) as store:  # and the next run fills the corpus
        assert _commit(store, "next-run", [synthetic_article(n) for n in range(120)]) == 120


@pytest.mark.parametrize("feed", ["complete", "missing", "from an earlier run"])
def test_a_killed_crawl_is_committed_next_open_only_if_its_feeds_are_complete(
    store_url, tmp_path, feed
):
    # The crawl state's rule (newscrawl.incremental.commit): killed after its feeds reached
    # their final names, the run's articles are done and are not fetched again. A file that
    # was there before the run (an earlier run's "-O articles.jsonl") is not its feed.
    path = tmp_path / "articles.jsonl"
    if feed == "from an earlier run":
        path.write_text("{}\n")
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    writer = _writer(store_url, "killed-crawl", "stage-feeds-and-hang", str(path))
    try:
        assert writer.stdout.readline().strip() == "staged"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    feed_complete = feed == "complete"
    if feed_complete:
        path.write_text("{}\n")
    deadline = time.monotonic() + 20
    while True:
        with CorpusStore.open(store_url) as store:
            counts = store.counts()
            recovered = store.recovered
        if counts["staged"] == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert counts["staged"] == 0
    assert counts["versions"] == (120 if feed_complete else 0)
    assert recovered == (["killed-crawl"] if feed_complete else [])
    with CorpusStore.open(store_url) as store:  # the next run adds each version once
        again = _commit(store, "next-run", [synthetic_article(n) for n in range(120)])
    assert again == (0 if feed_complete else 120)


def test_a_live_run_of_another_store_is_not_cleaned(store_url):
    with CorpusStore.open(store_url) as first:
        first.begin_run("live")
        first.add("live", synthetic_article(1))
        first.flush("live")
        with CorpusStore.open(store_url) as second:
            assert second.counts()["staged"] == 1
        assert first.commit_run("live").added == 1


def test_two_concurrent_writers_give_no_duplicate_and_no_lost_version(store_url, tmp_path):
    go = tmp_path / "go"
    CorpusStore.open(store_url).close()  # created once, so both writers only migrate-check
    writers = [
        _writer(store_url, f"worker-{name}", "concurrent", name, str(go)) for name in ("a", "b")
    ]
    time.sleep(1.0)
    go.touch()
    added = []
    for writer in writers:
        out, _ = writer.communicate(timeout=240)
        assert writer.returncode == 0
        added.append(int(out.strip()))
    assert sum(added) == 500
    with CorpusStore.open(store_url) as store:
        assert store.counts() == {"articles": 400, "versions": 500, "staged": 0, "runs": 2}
        v = s.article_versions.c
        per_article = dict(
            store.execute(select(v.article_key, func.count()).group_by(v.article_key))
        )
        distinct = store.execute(
            select(func.count()).select_from(
                select(v.article_key, v.record_hash).distinct().subquery()
            )
        )[0][0]
        titles = {
            row[0] for row in store.execute(select(v.title).where(v.article_key == f"{0:032x}"))
        }
    assert distinct == 500  # no record stored twice
    assert all(per_article[f"{n:032x}"] == 3 for n in range(50))
    assert all(per_article[f"{n:032x}"] == 1 for n in range(50, 200))
    assert {"changé par a", "changé par b"} <= titles  # neither change lost
    with CorpusStore.open(store_url) as store:
        numbers = store.execute(select(v.version).where(v.article_key == f"{7:032x}"))
    assert sorted(n for (n,) in numbers) == [1, 2, 3]


def test_a_version_1_store_gains_the_staged_key_index(store_url):
    """Stores made before the index are migrated; the commit's chunked reads then use it."""
    with CorpusStore.open(store_url) as store, store.transaction() as connection:
        s.staged_by_key.drop(connection)
        connection.execute(update(s.corpus_meta).values(value="1"))
    with CorpusStore.open(store_url) as store:
        assert store.schema_version() == s.SCHEMA_VERSION
        with store.transaction(write=False) as connection:
            indexes = {ix["name"] for ix in inspect(connection).get_indexes("staged_versions")}
    assert s.staged_by_key.name in indexes


def test_the_commit_reads_staged_rows_through_the_key_index(tmp_path):
    with CorpusStore.open(f"sqlite:///{tmp_path / 'corpus.sqlite3'}") as store:
        staged = s.staged_versions.c
        query = (
            select(s.staged_versions)
            .where(staged.run_id == "r", staged.article_key.in_(["a", "b"]))
            .order_by(staged.article_key, staged.seq)
        )
        with store.transaction(write=False) as connection:
            compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
    assert s.staged_by_key.name in plan, plan


def _staged_rows(store: CorpusStore, run_id: str) -> int:
    staged = s.staged_versions.c
    return store.execute(select(func.count()).where(staged.run_id == run_id))[0][0]


def test_staged_records_wait_in_memory_up_to_a_size_not_only_a_count(store):
    from newscrawl.corpus.store import BATCH_CHARS

    store.begin_run("big")
    big = []
    for n in range(6):
        article = synthetic_article(n)
        article.body = f"Corps {n}. " + "é" * (BATCH_CHARS // 3)
        big.append(article)
    for count, article in enumerate(big, start=1):
        store.add("big", article)
        # Written by the third, and again by the sixth: three records pass the bound,
        # far below the 200 records of a batch.
        assert _staged_rows(store, "big") == (count // 3) * 3
    assert store.commit_run("big").added == 6
    v = s.article_versions.c
    bodies = dict(tuple(row) for row in store.execute(select(v.article_key, v.body)))
    assert sorted(bodies.values()) == sorted(article.body for article in big)


def test_a_staged_record_is_read_back_as_it_was_added(store):
    article = next(iter(fixture_articles()))
    store.begin_run("one")
    store.add("one", article)
    store.flush("one")
    staged = s.staged_versions.c
    [(record, text)] = store.execute(select(staged.record, cast(staged.record, Text)))
    assert record == as_record(article)
    # The very text the JSON column wrote before it was made ahead of the insert.
    assert text == compact_text(as_record(article))
