"""Export, stats, reparse and the ``newscrawl`` command, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import gzip
import io
import json
import os
import socket
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy.settings import Settings

from newscrawl import settings as project_settings_module
from newscrawl import sites
from newscrawl.corpus import CorpusStore
from newscrawl.corpus import export as export_module
from newscrawl.corpus import reparse as reparse_module
from newscrawl.corpus.export import Selection, export, iter_records, parse_bound
from newscrawl.corpus.records import as_record
from newscrawl.corpus.stats import corpus_stats
from newscrawl.feeds.exporters import (
    ArticlesCsvExporter,
    CommentsCsvExporter,
    JsonLinesExporter,
    LinksCsvExporter,
)
from tests.support.corpus_items import fixture_articles, synthetic_article
from tests.support.postgres import postgres_server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def settings():
    loaded = Settings()
    loaded.setmodule(project_settings_module)
    return loaded


def _fill(url: str, runs: list[list]) -> None:
    with CorpusStore.open(url) as store:
        for number, articles in enumerate(runs):
            store.begin_run(f"run-{number}")
            for article in articles:
                store.add(f"run-{number}", article)
            store.commit_run(f"run-{number}")


def _feed(cls, articles, **kwargs) -> bytes:
    out = io.BytesIO()
    exporter = cls(out, **kwargs)
    exporter.start_exporting()
    for article in articles:
        exporter.export_item(article)
    exporter.finish_exporting()
    return out.getvalue()


def test_jsonl_and_csv_equal_the_crawl_exporters_output(store_url, tmp_path, settings):
    articles = fixture_articles()
    _fill(store_url, [articles])
    # A run's versions are stored, and exported, in article-key order.
    articles.sort(key=lambda a: a.article_id or a.url)
    with CorpusStore.open(store_url) as store:
        export(store, "jsonl", tmp_path / "out" / "articles.jsonl", Selection(), settings)
        export(store, "csv", tmp_path / "tables", Selection(), settings)
    assert (tmp_path / "out" / "articles.jsonl").read_bytes() == _feed(
        JsonLinesExporter, articles, encoding="utf-8"
    )
    for name, cls in (
        ("articles.csv", ArticlesCsvExporter),
        ("comments.csv", CommentsCsvExporter),
        ("links.csv", LinksCsvExporter),
    ):
        assert (tmp_path / "tables" / name).read_bytes() == _feed(cls, articles), name
    assert not list(tmp_path.rglob("*.part"))


def test_latest_by_default_all_versions_on_request_and_filters(store_url, tmp_path, settings):
    first = [
        synthetic_article(1, outlet="AFP", day=1),
        synthetic_article(2, outlet="Reuters", day=15),
        synthetic_article(3, outlet="AFP", month=11, day=2),
    ]
    changed = synthetic_article(1, outlet="AFP", day=1, title="Nouveau titre", version=2)
    _fill(store_url, [first, [changed]])
    with CorpusStore.open(store_url) as store:
        latest = list(iter_records(store))
        every = list(iter_records(store, Selection(all_versions=True)))
        afp = list(iter_records(store, Selection(outlet="AFP")))
        october = list(
            iter_records(
                store,
                Selection(
                    since=parse_bound("2024-10-01", end=False),
                    until=parse_bound("2024-10-31", end=True),
                ),
            )
        )
        section = list(iter_records(store, Selection(section=first[1].section)))
    assert sorted((r["article_id"], r["version"]) for r in latest) == [
        (first[0].article_id, 2),
        (first[1].article_id, 1),
        (first[2].article_id, 1),
    ]
    assert len(every) == 4 and {r["title"] for r in every} >= {"Nouveau titre", first[0].title}
    assert {r["article_id"] for r in afp} == {first[0].article_id, first[2].article_id}
    assert {r["article_id"] for r in october} == {first[0].article_id, first[1].article_id}
    assert [r["article_id"] for r in section] == [first[1].article_id]
    assert as_record(changed) == next(r for r in latest if r["article_id"] == changed.article_id)


def test_parquet_tables_read_back_with_their_types(store_url, tmp_path, settings):
    articles = fixture_articles()
    _fill(store_url, [articles])
    with CorpusStore.open(store_url) as store:
        counts = export(store, "parquet", tmp_path / "pq", Selection(), settings)
    tables = {
        name: pq.read_table(tmp_path / "pq" / f"{name}.parquet")
        for name in ("articles", "comments", "links")
    }
    assert tables["articles"].num_rows == len(articles)
    assert tables["comments"].num_rows == sum(len(a.comments) for a in articles)
    assert tables["links"].num_rows == sum(len(a.related) for a in articles)
    assert counts["articles.parquet"] == len(articles)
    schema = tables["articles"].schema
    assert pa.types.is_timestamp(schema.field("published").type)
    assert schema.field("published").type.tz == "Europe/Paris"
    assert schema.field("fetched_at").type.tz == "UTC"
    assert schema.field("comment_count").type == pa.int32()
    assert schema.field("authors").type == pa.list_(pa.string())
    assert pa.types.is_struct(schema.field("images").type.value_type)
    assert tables["comments"].schema.field("position").type == pa.int32()
    assert tables["links"].schema.field("published").type.tz == "Europe/Paris"
    seed = next(a for a in articles if a.published)
    row = next(r for r in tables["articles"].to_pylist() if r["article_id"] == seed.article_id)
    assert row["published"].isoformat() == seed.published
    assert row["authors"] == seed.authors


def test_a_failed_export_leaves_no_file(tmp_path, settings, monkeypatch):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    _fill(url, [[synthetic_article(n) for n in range(5)]])
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n")
    calls = {"n": 0}
    original = export_module.rec.from_record

    def failing(record):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return original(record)

    monkeypatch.setattr(export_module.rec, "from_record", failing)
    with CorpusStore.open(url) as store, pytest.raises(RuntimeError):
        export(store, "jsonl", target, Selection(), settings)
    assert target.read_text() == "previous\n"
    assert not [
        p.name
        for p in tmp_path.iterdir()
        if not p.name.startswith("c.sqlite3") and p.name != "out.jsonl"
    ]


def test_an_export_reads_one_snapshot_while_a_run_commits(store_url, monkeypatch):
    monkeypatch.setattr(export_module, "PAGE", 2)
    articles = [synthetic_article(n) for n in range(6)]
    _fill(store_url, [articles])
    with CorpusStore.open(store_url) as reader:
        records = iter_records(reader)
        seen = [next(records)]  # the first page is read: the snapshot is taken
        changed = [dataclasses.replace(a, title=a.title + " (mis à jour)") for a in articles]
        with CorpusStore.open(store_url) as writer:  # every article gets a version 2
            writer.begin_run("changes")
            for article in changed:
                writer.add("changes", article)
            writer.commit_run("changes")
        seen.extend(records)
    # Once each, as they were when the export began: not the old page then the new one.
    assert sorted(r["article_id"] for r in seen) == sorted(a.article_id for a in articles)
    assert {r["title"] for r in seen} == {a.title for a in articles}


def test_two_exports_to_one_file_each_write_a_whole_one(tmp_path):
    target = tmp_path / "same.jsonl"
    first, second = export_module.AtomicOutputs(), export_module.AtomicOutputs()
    one, two = first.file(target), second.file(target)
    one.write(b"first\n" * 3)
    two.write(b"second\n" * 2)
    first.commit()
    assert target.read_bytes() == b"first\n" * 3
    second.commit()
    assert target.read_bytes() == b"second\n" * 2
    assert [p.name for p in tmp_path.iterdir()] == ["same.jsonl"]


def test_an_abort_removes_the_part_file_even_when_its_close_fails(tmp_path):
    outputs = export_module.AtomicOutputs()
    handle = outputs.file(tmp_path / "out.jsonl")
    handle.write(b"row\n")

    real_close = handle.close

    def full_disk():
        real_close()
        raise OSError(28, "No space left on device")

    handle.close = full_disk
    outputs.abort()
    assert list(tmp_path.iterdir()) == []


def test_stats_per_outlet_and_month(store_url):
    _fill(
        store_url,
        [
            [synthetic_article(1, outlet="AFP"), synthetic_article(2, outlet="AOF", month=11)],
            [synthetic_article(1, outlet="AFP", title="x", version=2)],
        ],
    )
    with CorpusStore.open(store_url) as store:
        stats = corpus_stats(store)
    assert (stats["articles"], stats["versions"], stats["comments"]) == (2, 3, 6)
    assert stats["per_outlet"] == [
        {"outlet": "AFP", "articles": 1, "versions": 2, "comments": 3},
        {"outlet": "AOF", "articles": 1, "versions": 1, "comments": 3},
    ]
    assert stats["per_month"] == [
        {"month": "2024-10", "articles": 1, "versions": 2},
        {"month": "2024-11", "articles": 1, "versions": 1},
    ]
    assert stats["runs"] == {"committed": 2}


# --- reparse -----------------------------------------------------------------------------


def test_reparse_equals_the_replay_crawl_and_adds_nothing_twice(store_url, run_crawl):
    start = (SAMPLE / "start_urls.txt").read_text("utf-8").strip()
    crawl = run_crawl(
        {"start_urls": start}, {"NEWSCRAWL_REPLAY": str(SAMPLE), "NEWSCRAWL_INCREMENTAL": "False"}
    )
    crawled = {item["article_id"]: item for item in crawl["items"]}
    assert len(crawled) >= 20
    with CorpusStore.open(store_url) as store:
        progress = io.StringIO()
        result = reparse_module.reparse(store, [str(SAMPLE)], workers=2, progress=progress)
        assert result.failed == 0 and result.commit.added == len(crawled)
        assert "100%" in progress.getvalue()
        stored = {r["article_id"]: r for r in iter_records(store)}
        again = reparse_module.reparse(store, [str(SAMPLE)], workers=2, progress=io.StringIO())
        assert again.commit.added == 0
    assert stored == crawled


def test_reparse_with_a_parser_change_adds_versions_only_where_output_changed(
    tmp_path, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    with CorpusStore.open(url) as store:
        first = reparse_module.reparse(store, [str(SAMPLE)], workers=2, progress=io.StringIO())
        target = sorted(r["article_id"] for r in iter_records(store))[0]
        registered = sites.get

        def fixed_parser(page, url):
            article = registered("boursorama").parse_article(page, url)
            if article.article_id == target:
                article.authors = ["Auteur Corrigé"]  # outside the crawl's fingerprint
            return article

        def fixed_site(name):
            return dataclasses.replace(registered(name), parse_article=fixed_parser)

        # Workers are forked, so they run the patched parser too.
        monkeypatch.setattr(sites, "get", fixed_site)
        second = reparse_module.reparse(store, [str(SAMPLE)], workers=2, progress=io.StringIO())
        latest = {r["article_id"]: r for r in iter_records(store)}
    assert first.commit.added >= 20 and second.commit.added == 1
    assert latest[target]["version"] == 2 and latest[target]["authors"] == ["Auteur Corrigé"]


def test_reparse_decodes_content_codings_like_the_downloader(tmp_path):
    from newscrawl.archive.writer import HttpExchange, RotatingWarcWriter, http_block

    case = ROOT / "tests/fixtures/boursorama/articles/seed_ukraine_otan"
    page = (case / "page.html").read_bytes()
    meta = json.loads((case / "meta.json").read_text())
    for folder, coding in (("plain", None), ("gzip", b"gzip")):
        writer = RotatingWarcWriter(tmp_path / folder, "t", 10**9, {"software": "test"})
        headers = [(b"Content-Type", b"text/html; charset=utf-8")]
        body = page
        if coding:
            headers.append((b"Content-Encoding", coding))
            body = gzip.compress(page)
        writer.write(
            HttpExchange(
                url=meta["url"],
                request_block=http_block("GET / HTTP/1.1", [(b"Host", b"x")]),
                request_body=b"",
                response_block=http_block("HTTP/1.1 200 OK", headers),
                response_body=body,
                warc_date="2025-08-17T06:12:00Z",
            )
        )
        writer.close()
    files = [next((tmp_path / folder).glob("*.warc.gz")) for folder in ("plain", "gzip")]
    responses = reparse_module.article_responses(files, [])
    plain, zipped = (reparse_module.extract(r)[1] for r in responses)
    assert plain["title"] and plain["body"]
    assert zipped == plain


# --- the command line --------------------------------------------------------------------


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "xml", "--output", "x"],
        ["export", "--format", "jsonl"],
        ["export", "--format", "csv", "--output", "x", "--since", "yesterday"],
        ["frobnicate"],
        [],
        ["reparse", "/no/such/archive.warc.gz"],
        ["export", "--format", "jsonl", "--output", "."],
        ["export", "--format", "jsonl", "--output", "x.jsonl", "--until", "9999-12-31"],
        ["export", "--format", "jsonl", "--output", "x.jsonl", "--since", "0001-01-01"],
        ["--store", "postgresql://u@127.0.0.1:abc/db", "stats"],
        ["--store", "postgresql://u@[::1/db", "stats"],
        ["--store", "mysql://u@host/db", "stats"],
        ["--store", "not a url", "stats"],
        ["export", "--format", "csv", "--output", "out.jsonl"],
        ["export", "--format", "parquet", "--output", "out.csv"],
        ["export", "--format", "jsonl", "--output", "out.csv"],
        ["export", "--format", "jsonl", "--output", "-"],
        ["reparse", "{tmp}"],  # a folder without a WARC file
    ],
)
def test_bad_command_lines_exit_2_in_one_line(args, tmp_path):
    args = [arg.format(tmp=tmp_path) for arg in args]
    done = _cli("--store", f"sqlite:///{tmp_path / 'c.sqlite3'}", *args)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("command", [["stats"], ["export", "--format", "jsonl", "--output"]])
def test_reading_a_store_that_does_not_exist_makes_none(command, tmp_path):
    typo = tmp_path / "typo" / "corpus.sqlite3"
    if command[-1] == "--output":
        command = [*command, str(tmp_path / "out.jsonl")]
    done = _cli("--store", f"sqlite:///{typo}", *command)
    assert done.returncode == 1
    assert "no corpus store at" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_reading_a_store_takes_no_write_lock(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    _fill(url, [[synthetic_article(n) for n in range(3)]])
    import sqlite3

    with CorpusStore.open(url) as store:  # a dead run too: a reader leaves it to a writer
        store.begin_run("dead")
        store.add("dead", synthetic_article(9))
        store.flush("dead")
        store._runs.clear()
    with closing(sqlite3.connect(tmp_path / "c.sqlite3")) as db, db:
        dead = f"{socket.gethostname()}:999999999"  # this host, a pid that is not running
        db.execute("UPDATE runs SET owner = ? WHERE run_id = 'dead'", (dead,))
    writer = sqlite3.connect(tmp_path / "c.sqlite3", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a run's commit in progress
    try:
        done = _cli("--store", url, "stats", "--json")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["articles"] == 3


@pytest.mark.parametrize(
    ("fmt", "name", "kind"),
    [("csv", "OUT.CSV", "file"), ("parquet", "x.PARQUET", "file"), ("csv", "tables.2024", "dir")],
)
def test_an_output_s_suffix_is_read_in_any_case_and_a_dotted_folder_is_a_folder(
    fmt, name, kind, tmp_path
):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    _fill(url, [[synthetic_article(1)]])
    done = _cli("--store", url, "export", "--format", fmt, "--output", str(tmp_path / name))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / name).is_file() if kind == "file" else (tmp_path / name).is_dir()


@pytest.mark.parametrize("url", ["postgresql://u@127.0.0.1:{port}/x", "sqlite:///{garbage}", ""])
def test_a_store_that_cannot_be_opened_is_one_line_and_exit_1(url, tmp_path):
    from tests.site.server import free_port

    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(os.urandom(2048))
    done = _cli("--store", url.format(port=free_port(), garbage=garbage), "stats")
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_the_command_reads_the_store_from_the_project_settings(tmp_path, store_url):
    _fill(store_url, [[synthetic_article(1), synthetic_article(2)]])
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = mysettings\n")
    (tmp_path / "mysettings.py").write_text(
        f"from newscrawl.settings import *\nNEWSCRAWL_STORE = {store_url!r}\n"
    )
    env_path = f"{ROOT}{os.pathsep}{tmp_path}"
    done = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "stats", "--json"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": env_path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["articles"] == 2
    out = tmp_path / "export" / "articles.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newscrawl.cli",
            "export",
            "--format",
            "jsonl",
            "--output",
            str(out),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": env_path},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == _feed(
        JsonLinesExporter, [synthetic_article(1), synthetic_article(2)], encoding="utf-8"
    )


@pytest.mark.parametrize(
    "text, end, expected",
    [
        ("2024-10-19", False, "2024-10-19T00:00:00+02:00"),
        ("2024-10-19", True, "2024-10-20T00:00:00+02:00"),  # a day: included
        ("20241019", True, "2024-10-20T00:00:00+02:00"),  # its basic ISO form too
        ("2024-10-19T14:30", True, "2024-10-19T14:30:00+02:00"),
        ("2024-10-19T14:30:00Z", False, "2024-10-19T14:30:00+00:00"),
        ("2024-03-31", True, "2024-04-01T00:00:00+02:00"),  # the day of the spring change
    ],
)
def test_parse_bound(text, end, expected):
    assert parse_bound(text, end=end).isoformat() == expected
