"""Feeds end to end: default per-run folders, command-line outputs, refusals, and crashes.

Crawls are real ``scrapy crawl`` subprocesses of the network-free ``tests.support.feeds_spider``,
run from a temporary working directory so nothing lands in the repository's data/.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from itemadapter import ItemAdapter
from scrapy.settings import Settings
from scrapy.utils.spider import DefaultSpider

from newscrawl.feeds.addon import (
    FeedConfigError,
    FeedsAddon,
    check_feeds,
    reserve_run_dir,
    run_stamp,
)
from newscrawl.feeds.exporters import ARTICLE_COLUMNS, COMMENT_COLUMNS, LINK_COLUMNS
from newscrawl.feeds.storage import AtomicFileFeedStorage
from tests.support.feeds_spider import FeedTestSpider, make_article

ROOT = Path(__file__).resolve().parent.parent
FEED_NAMES = {"articles.jsonl", "articles.csv", "comments.csv", "links.csv"}
# A site crawl's folder also holds its monitors' report (newscrawl/monitors/).
REPORT_NAMES = {"report.html", "report.json"}
COLUMNS = {
    "articles.csv": ARTICLE_COLUMNS,
    "comments.csv": COMMENT_COLUMNS,
    "links.csv": LINK_COLUMNS,
}
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ(-\d+)?$")


def crawl_command(*args: str, count: int = 5, delay: float = 0) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "feedtest",
        "-a",
        f"count={count}",
        "-a",
        f"delay={delay}",
        "-s",
        "SPIDER_MODULES=tests.support.feeds_spider",
        "-s",
        "TELNETCONSOLE_ENABLED=False",
        *args,
    ]


def crawl_env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCRAPY_SETTINGS_MODULE": "newscrawl.settings",
    }


def crawl(cwd: Path, *args: str, count: int = 5, check: bool = True):
    completed = subprocess.run(
        crawl_command(*args, count=count),
        cwd=cwd,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    if check:
        assert completed.returncode == 0, completed.stderr[-4000:]
    return completed


def run_folders(base: Path) -> list[Path]:
    spider_dir = base / "feedtest"
    return sorted(spider_dir.iterdir()) if spider_dir.exists() else []


def parse_feed(path: Path) -> list:
    """The records of a complete feed file; fails on anything a reader would choke on."""
    data = path.read_bytes()
    if path.suffix == ".json":
        records = json.loads(data)
        assert isinstance(records, list)
        return records
    if path.suffix == ".jsonl":
        assert data == b"" or data.endswith(b"\n"), f"{path} ends mid-line"
        return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]
    assert data.endswith(b"\r\n"), f"{path} ends mid-row"
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(header) in COLUMNS.values(), header
    assert all(len(row) == len(header) for row in rows), path
    return rows


def complete_lines(path: Path) -> list[dict]:
    """A growing JSON Lines file, read up to its last complete line."""
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    return [json.loads(line) for line in complete.decode("utf-8").split("\n")[:-1]]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wait_until(predicate, what: str, limit: float = 90.0) -> None:
    # A guard against hanging forever, not a timing assertion.
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


# --- the storage, the guard and the folders on their own -------------------------------


def test_storage_shows_a_file_under_its_name_only_once_complete(tmp_path):
    final = tmp_path / "sub" / "articles.jsonl"
    storage = AtomicFileFeedStorage(str(final), feed_options={"overwrite": True})
    file = storage.open(spider=None)
    file.write(b'{"a": 1}\n')
    assert not final.exists()
    assert (tmp_path / "sub" / "articles.jsonl.part").exists()
    storage.store(file)
    assert final.read_bytes() == b'{"a": 1}\n'
    assert sorted(p.name for p in final.parent.iterdir()) == ["articles.jsonl"]


def test_storage_keeps_the_previous_file_until_the_new_one_is_complete(tmp_path):
    final = tmp_path / "out.json"
    final.write_bytes(b"[1]")
    storage = AtomicFileFeedStorage(f"file://{final}", feed_options={"overwrite": True})
    file = storage.open(spider=None)
    file.write(b"[2")
    assert final.read_bytes() == b"[1]"
    file.write(b"]")
    storage.store(file)
    assert final.read_bytes() == b"[2]"


def test_storage_append_copies_the_previous_file_and_ends_its_last_line(tmp_path):
    final = tmp_path / "out.jsonl"
    final.write_bytes(b'{"a": 1}')
    storage = AtomicFileFeedStorage(str(final), feed_options={"overwrite": False})
    file = storage.open(spider=None)
    file.write(b'{"a": 2}\n')
    assert final.read_bytes() == b'{"a": 1}'
    storage.store(file)
    assert final.read_bytes() == b'{"a": 1}\n{"a": 2}\n'


@pytest.mark.parametrize(
    "feeds",
    [
        {"x.json": {"format": "json"}},
        {"x.json": {}},
        {"file:///tmp/x.json": {"format": "json", "overwrite": False}},
        {"x.jsonl": {"format": "json"}},
    ],
)
def test_appending_to_a_json_array_is_refused(feeds):
    with pytest.raises(FeedConfigError) as refused:
        check_feeds(feeds)
    assert "-O" in str(refused.value.code) and ".jsonl" in str(refused.value.code)


@pytest.mark.parametrize(
    "feeds",
    [
        {"x.json": {"format": "json", "overwrite": True}},
        {"x.jsonl": {"format": "jsonlines"}},
        {"x.csv": {"format": "csv"}},
        {"stdout:": {"format": "json"}},
        {"s3://bucket/x.json": {"format": "json"}},
    ],
)
def test_feeds_that_stay_valid_are_accepted(feeds):
    check_feeds(feeds)


def test_each_run_reserves_its_own_folder_even_within_one_second(tmp_path):
    now = datetime(2024, 10, 21, 10, 54, 3, tzinfo=UTC)
    first = reserve_run_dir(tmp_path, "bourso rama/../x", now)
    second = reserve_run_dir(tmp_path, "bourso rama/../x", now)
    assert first != second and first.temp.is_dir() and second.temp.is_dir()
    # Hidden until published: nothing appears under the run's name before it is complete.
    assert not first.final.exists() and not second.final.exists()
    assert first.final.name == run_stamp(now) == "2024-10-21T10-54-03Z"
    assert first.temp.name == ".2024-10-21T10-54-03Z.part"
    assert second.final.name == "2024-10-21T10-54-03Z-2"
    assert first.final.parent == second.final.parent
    assert first.final.parent.parent == tmp_path.resolve()
    # A published folder's name is taken too.
    first.publish()
    third = reserve_run_dir(tmp_path, "bourso rama/../x", now)
    assert third.final.name == "2024-10-21T10-54-03Z-3"


class SummaryStats:
    def __init__(self, values=None):
        self.values = {"newscrawl/feeds/jsonlines/rows": 7, **(values or {})}

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def set_value(self, key, value):
        self.values[key] = value

    def get_stats(self):
        return self.values


class SummaryCrawler:
    def __init__(self, values=None):
        self.stats = SummaryStats(values)

    def get_extension(self, cls):
        return None


def test_the_end_of_run_summary_names_the_folder_and_any_feed_not_written(tmp_path, caplog):
    addon = FeedsAddon(SummaryCrawler())
    addon.run = reserve_run_dir(tmp_path, "x", datetime(2024, 10, 21, tzinfo=UTC))
    (addon.run.temp / "articles.jsonl").write_text("", encoding="utf-8")
    (addon.run.temp / "articles.csv").write_text("", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="newscrawl.feeds"):
        assert addon.publish() is False
    (error,) = caplog.records
    assert error.levelno == logging.ERROR
    assert "feeds not written: comments.csv, links.csv" in error.getMessage()
    assert addon.run.temp.is_dir() and not addon.run.final.exists()


def test_a_complete_run_folder_is_published_in_one_rename(tmp_path, caplog):
    addon = FeedsAddon(SummaryCrawler())
    addon.run = reserve_run_dir(tmp_path, "x", datetime(2024, 10, 21, tzinfo=UTC))
    for name in FEED_NAMES:
        (addon.run.temp / name).write_text("", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="newscrawl.feeds"):
        assert addon.publish() is True
    assert (
        caplog.records[-1]
        .getMessage()
        .startswith(
            f"Feeds written to {addon.run.final}: articles.jsonl (7 rows), articles.csv (0 rows)"
        )
    )
    assert {p.name for p in addon.run.final.iterdir()} == FEED_NAMES
    assert not addon.run.temp.exists()


def test_a_failed_feed_or_state_write_vetoes_publication(tmp_path):
    for stat in ("feedexport/failed_count/X", "newscrawl/feeds/incomplete"):
        addon = FeedsAddon(SummaryCrawler({stat: 1}))
        addon.run = reserve_run_dir(tmp_path, stat.replace("/", "_"), datetime.now(UTC))
        for name in FEED_NAMES:
            (addon.run.temp / name).write_text("", encoding="utf-8")
        assert addon.publish() is False
        assert not addon.run.final.exists()
    addon = FeedsAddon(SummaryCrawler({"newscrawl/incremental/state_errors": 2}))
    addon.run = reserve_run_dir(tmp_path, "state", datetime.now(UTC))
    for name in FEED_NAMES:
        (addon.run.temp / name).write_text("", encoding="utf-8")
    assert addon.publish() is False
    assert addon.crawler.stats.values["newscrawl/feeds/unpublished"] == 1


class StubCrawler:
    def __init__(self, spidercls):
        self.spidercls = spidercls
        self.spider = None


def addon_settings(tmp_path, **overrides) -> Settings:
    settings = Settings({"NEWSCRAWL_FEEDS_DIR": str(tmp_path / "feeds")})
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    FeedsAddon(StubCrawler(FeedTestSpider)).update_settings(settings)
    return settings


def test_the_addon_sets_the_four_default_feeds_in_a_new_run_folder(tmp_path):
    settings = addon_settings(tmp_path)
    feeds = settings.getdict("FEEDS")
    (folder,) = run_folders(tmp_path / "feeds")
    assert feeds == {
        str(folder / "articles.jsonl"): {
            "format": "jsonlines",
            "overwrite": True,
            "store_empty": True,
        },
        str(folder / "articles.csv"): {
            "format": "articles_csv",
            "overwrite": True,
            "store_empty": True,
        },
        str(folder / "comments.csv"): {
            "format": "comments_csv",
            "overwrite": True,
            "store_empty": True,
        },
        str(folder / "links.csv"): {"format": "links_csv", "overwrite": True, "store_empty": True},
    }
    assert settings.getwithbase("FEED_STORAGES")["file"].endswith("AtomicFileFeedStorage")
    assert settings.getwithbase("FEED_EXPORTERS")["comments_csv"].endswith("CommentsCsvExporter")


def test_feeds_given_by_the_user_replace_the_defaults(tmp_path):
    given = {"out.csv": {"format": "csv", "overwrite": True}}
    settings = addon_settings(tmp_path, FEEDS=given)
    assert settings.getdict("FEEDS") == given
    assert not (tmp_path / "feeds").exists()


def test_a_bare_url_fetch_or_shell_is_not_a_crawl_run(tmp_path):
    settings = Settings({"NEWSCRAWL_FEEDS_DIR": str(tmp_path / "feeds")})
    FeedsAddon(StubCrawler(DefaultSpider)).update_settings(settings)
    assert settings.getdict("FEEDS") == {}
    assert not (tmp_path / "feeds").exists()


# --- real crawls ------------------------------------------------------------------------


def test_a_run_writes_the_four_default_feeds_and_counts_every_row(tmp_path):
    count = 11
    stats_out = tmp_path / "stats.json"
    completed = crawl(tmp_path, "-a", f"stats_out={stats_out}", count=count)

    # NEWSCRAWL_FEEDS_DIR's default is relative to the working directory.
    (folder,) = run_folders(tmp_path / "data" / "feeds")
    assert STAMP.match(folder.name)
    assert {p.name for p in folder.iterdir()} == FEED_NAMES
    stats = json.loads(stats_out.read_text(encoding="utf-8"))
    assert stats["newscrawl/feeds/dir"] == str(folder)
    assert f"Feeds written to {folder}" in completed.stderr

    records = parse_feed(folder / "articles.jsonl")
    expected = [json.loads(json.dumps(ItemAdapter(make_article(i)).asdict())) for i in range(count)]
    assert records == expected
    articles = parse_feed(folder / "articles.csv")
    comments = parse_feed(folder / "comments.csv")
    links = parse_feed(folder / "links.csv")

    assert stats["item_scraped_count"] == count
    assert stats["newscrawl/feeds/jsonlines/rows"] == len(records) == count
    assert stats["newscrawl/feeds/articles_csv/rows"] == len(articles) == count
    assert stats["newscrawl/feeds/comments_csv/rows"] == len(comments)
    assert len(comments) == sum(len(r["comments"]) for r in records) > 0
    assert stats["newscrawl/feeds/links_csv/rows"] == len(links)
    assert len(links) == sum(len(r["related"]) for r in records) > 0
    assert stats["feedexport/success_count/AtomicFileFeedStorage"] == 4


def test_reruns_get_their_own_folder_and_leave_earlier_feeds_alone(tmp_path):
    feeds_dir = tmp_path / "feeds"
    crawl(tmp_path, "-s", f"NEWSCRAWL_FEEDS_DIR={feeds_dir}", count=4)
    (first,) = run_folders(feeds_dir)
    before = {p.name: digest(p) for p in first.iterdir()}

    crawl(tmp_path, "-s", f"NEWSCRAWL_FEEDS_DIR={feeds_dir}", count=4)
    crawl(tmp_path, "-s", f"NEWSCRAWL_FEEDS_DIR={feeds_dir}", count=4)
    folders = run_folders(feeds_dir)
    assert len(folders) == 3
    assert {p.name: digest(p) for p in first.iterdir()} == before
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == FEED_NAMES
        assert len(parse_feed(folder / "articles.jsonl")) == 4
        assert len(parse_feed(folder / "articles.csv")) == 4


def test_appending_to_a_json_file_is_refused_with_a_clear_message(tmp_path):
    out = tmp_path / "out.json"
    crawl(tmp_path, "-O", str(out), count=2)
    before = digest(out)

    refused = crawl(tmp_path, "-o", str(out), count=2, check=False)
    assert refused.returncode != 0
    assert "-O" in refused.stderr and ".jsonl" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert digest(out) == before
    assert not (tmp_path / "data").exists()


def test_command_line_outputs_replace_the_defaults_and_rerun_cleanly(tmp_path):
    json_out, jsonl_out, csv_out = (tmp_path / f"out.{ext}" for ext in ("json", "jsonl", "csv"))
    links_out = tmp_path / "graph.csv"
    for _ in range(2):
        crawl(tmp_path, "-O", str(json_out), "-O", f"{links_out}:links_csv", count=3)
        crawl(tmp_path, "-o", str(jsonl_out), "-o", str(csv_out), count=3)

    assert not (tmp_path / "data").exists()
    assert [r["article_id"] for r in parse_feed(json_out)] == [f"{i:032x}" for i in range(3)]
    assert len(parse_feed(links_out)) == 0 + 1 + 2  # article i has i % 4 related entries
    assert len(parse_feed(jsonl_out)) == 6
    assert csv_out.read_bytes().startswith(",".join(ARTICLE_COLUMNS).encode() + b"\r\n")
    assert len(parse_feed(csv_out)) == 6
    assert not list(tmp_path.glob("*.part"))


def test_default_feeds_can_be_turned_off(tmp_path):
    crawl(tmp_path, "-s", "NEWSCRAWL_FEEDS_ENABLED=False", count=2)
    assert not (tmp_path / "data").exists()


def test_french_spreadsheet_option_applies_to_every_default_table(tmp_path):
    crawl(tmp_path, "-s", "NEWSCRAWL_CSV_STYLE=excel-fr", count=3)
    (folder,) = run_folders(tmp_path / "data" / "feeds")
    for name in ("articles.csv", "comments.csv", "links.csv"):
        data = (folder / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf" + COLUMNS[name][0].encode() + b";"), name
    assert (folder / "articles.jsonl").read_bytes().startswith(b'{"url"')


@pytest.mark.parametrize("kill_after", [1, 40])
def test_sigkill_mid_crawl_leaves_no_broken_file_under_a_final_name(tmp_path, kill_after):
    outputs = [tmp_path / f"out.{ext}" for ext in ("json", "jsonl", "csv")]
    previous_run = [arg for out in outputs for arg in ("-O", str(out))]
    crawl(tmp_path, *previous_run, count=3)
    before = {out: digest(out) for out in outputs}

    feeds_dir = tmp_path / "feeds"
    runs = [
        # The default feeds, and the same command-line outputs again.
        ["-s", f"NEWSCRAWL_FEEDS_DIR={feeds_dir}"],
        previous_run,
    ]
    for args in runs:
        process = subprocess.Popen(
            crawl_command(*args, count=100_000, delay=0.002),
            cwd=tmp_path,
            env=crawl_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if "-O" in args:
                growing = tmp_path / "out.jsonl.part"
            else:
                wait_until(lambda: run_folders(feeds_dir), "the run folder")
                growing = run_folders(feeds_dir)[0] / "articles.jsonl.part"
            # Readable while it grows: every complete line is a whole record.
            wait_until(
                lambda g=growing: g.exists() and len(complete_lines(g)) >= kill_after,
                f"{kill_after} records in {growing.name}",
            )
            seen = complete_lines(growing)
            assert [r["article_id"] for r in seen] == [f"{i:032x}" for i in range(len(seen))]
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        assert process.returncode == -signal.SIGKILL

    # Nothing under a final name is incomplete: earlier outputs are intact, the killed run's
    # default feeds exist only as .part files.
    assert {out: digest(out) for out in outputs} == before
    for out in outputs:
        assert len(parse_feed(out)) == 3
    (folder,) = run_folders(feeds_dir)
    finals = [p for p in folder.iterdir() if not p.name.endswith(".part")]
    for path in finals:
        parse_feed(path)
    assert finals == []
    assert {p.name for p in folder.iterdir()} == {f"{name}.part" for name in FEED_NAMES}


# --- the project spider against the local copy of the site ------------------------------


def site_crawl_command(server, feeds_dir: Path, *settings: str) -> list[str]:
    start_urls = ",".join(server.url(root) for root in server.site.listings)
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "boursorama",
        "-a",
        f"start_urls={start_urls}",
    ]
    for setting in (
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=False",
        "TELNETCONSOLE_ENABLED=False",
        f"NEWSCRAWL_FEEDS_DIR={feeds_dir}",
        *settings,
    ):
        command += ["-s", setting]
    return command


def test_a_site_crawl_gives_tables_that_join_and_counts_that_match(site_server, tmp_path):
    stats_log = tmp_path / "crawl.log"
    completed = subprocess.run(
        site_crawl_command(site_server, tmp_path / "feeds", f"LOG_FILE={stats_log}"),
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = stats_log.read_text(encoding="utf-8")
    assert completed.returncode == 0, completed.stderr[-3000:] + log[-3000:]
    (folder,) = sorted((tmp_path / "feeds" / "boursorama").iterdir())
    assert {p.name for p in folder.iterdir()} == FEED_NAMES | REPORT_NAMES

    records = parse_feed(folder / "articles.jsonl")
    articles = parse_feed(folder / "articles.csv")
    comments = parse_feed(folder / "comments.csv")
    links = parse_feed(folder / "links.csv")
    ids = [r["article_id"] for r in records]
    assert set(ids) == site_server.expectations.crawled_ids
    assert [row[ARTICLE_COLUMNS.index("article_id")] for row in articles] == ids
    assert len(comments) == sum(len(r["comments"]) for r in records) > 0
    assert len(links) == sum(len(r["related"]) for r in records) > 0
    assert {row[0] for row in comments} <= set(ids)
    assert {row[0] for row in links} <= set(ids)
    for name, count in (
        ("item_scraped_count", len(records)),
        ("newscrawl/feeds/jsonlines/rows", len(records)),
        ("newscrawl/feeds/articles_csv/rows", len(articles)),
        ("newscrawl/feeds/comments_csv/rows", len(comments)),
        ("newscrawl/feeds/links_csv/rows", len(links)),
    ):
        assert f"'{name}': {count}," in log, name
    assert f"Feeds written to {folder}" in log


def test_a_site_crawl_killed_mid_way_leaves_only_part_files(site_server, tmp_path):
    feeds_dir = tmp_path / "feeds"
    # Slow enough that the crawl is still running after its first few articles.
    command = site_crawl_command(site_server, feeds_dir, "DOWNLOAD_DELAY=0.2")
    process = subprocess.Popen(
        command, cwd=tmp_path, env=crawl_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    spider_dir = feeds_dir / "boursorama"
    try:
        wait_until(lambda: spider_dir.exists() and any(spider_dir.iterdir()), "the run folder")
        (folder,) = spider_dir.iterdir()
        growing = folder / "articles.jsonl.part"
        wait_until(lambda: growing.exists() and len(complete_lines(growing)) >= 3, "3 records")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert {p.name for p in folder.iterdir()} == {f"{name}.part" for name in FEED_NAMES}
    assert all(
        r["article_id"] in site_server.expectations.crawled_ids for r in complete_lines(growing)
    )
