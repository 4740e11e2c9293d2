"""Bad input: one line on stderr, exit 2, nothing left behind.

Each case is a real ``scrapy crawl boursorama`` subprocess. Nothing is fetched: the values
are refused before the run lock, the run folder or the state are touched, so the start URL
needs no server. The table of what is checked is ``newscrawl/config.py``.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newscrawl import config, defaults
from newscrawl.incremental.revisit import parse_since
from newscrawl.incremental.state import open_state
from newscrawl.normalize.clock import PARIS
from tests.support.runs import Crawls, env

NOWHERE = "http://127.0.0.1:9/actualites/"

# (name, spider arguments, settings, what the message must say was expected)
CASES = [
    ("since not a date", {"since": "2024-13-45"}, {}, "2024-10-01, yesterday (hier), 7d or 48h"),
    ("since a word", {"since": "lastweek"}, {}, "yesterday (hier)"),
    ("max_pages not a number", {"max_pages": "abc"}, {}, "1 or more"),
    ("max_pages zero", {"max_pages": "0"}, {}, "1 or more"),
    ("max_pages negative", {"max_pages": "-3"}, {}, "1 or more"),
    ("refresh typo", {"refresh": "bogus"}, {}, "expected all"),
    ("unknown argument", {"max_page": "5"}, {}, "unknown argument"),
    ("empty start_urls", {"start_urls": ""}, {}, "it is empty"),
    ("javascript start URL", {"start_urls": "javascript:alert(1)"}, {}, "is refused"),
    ("data start URL", {"start_urls": "data:text/html,<p>x</p>"}, {}, "is refused"),
    ("file start URL", {"start_urls": "file:///etc/passwd"}, {}, "is refused"),
    ("start URL without host", {"start_urls": "http:///actualites/"}, {}, "has no host"),
    ("DEPTH_LIMIT", {}, {"DEPTH_LIMIT": "abc"}, "a whole number of article hops"),
    ("NEWSCRAWL_MAX_PAGES", {}, {"NEWSCRAWL_MAX_PAGES": "abc"}, "1 or more"),
    ("NEWSCRAWL_MAX_PAGES zero", {}, {"NEWSCRAWL_MAX_PAGES": "0"}, "1 or more"),
    ("extraction workers negative", {}, {"NEWSCRAWL_EXTRACTION_WORKERS": "-1"}, "0 to 64"),
    ("extraction workers too many", {}, {"NEWSCRAWL_EXTRACTION_WORKERS": "1000"}, "0 to 64"),
    ("extraction workers a word", {}, {"NEWSCRAWL_EXTRACTION_WORKERS": "many"}, "auto or a"),
    ("NEWSCRAWL_REVISIT_WINDOW", {}, {"NEWSCRAWL_REVISIT_WINDOW": "abc"}, "48h, 30m or 2d"),
    ("NEWSCRAWL_CSV_STYLE", {}, {"NEWSCRAWL_CSV_STYLE": "bogus"}, "standard or excel-fr"),
    ("NEWSCRAWL_INCREMENTAL", {}, {"NEWSCRAWL_INCREMENTAL": "maybe"}, "True or False"),
    ("DOWNLOAD_DELAY", {}, {"DOWNLOAD_DELAY": "soon"}, "seconds"),
    ("NEWSCRAWL_REPLAY missing", {}, {"NEWSCRAWL_REPLAY": "{tmp}/no-such-archive"}, "exist"),
    ("NEWSCRAWL_REDIS_URL", {}, {"NEWSCRAWL_REDIS_URL": "localhost:6379"}, "redis://"),
    ("since too far back", {"since": "99999999d"}, {}, "7d or 48h"),
    # Read by Scrapy or the DNS resolver as the crawler process starts: before the add-ons.
    ("NEWSCRAWL_SSRF_GUARD", {}, {"NEWSCRAWL_SSRF_GUARD": "maybe"}, "True or False"),
    ("LOG_LEVEL", {}, {"LOG_LEVEL": "LOUD"}, "INFO or DEBUG"),
    ("REDIRECT_MAX_TIMES", {}, {"REDIRECT_MAX_TIMES": "abc"}, "a whole number"),
    ("FEED_EXPORT_ENCODING", {}, {"FEED_EXPORT_ENCODING": "bogus"}, "a text encoding"),
    ("JOBDIR unwritable", {}, {"JOBDIR": "/proc/nope"}, "/proc is read-only"),
    ("feeds folder in /proc", {}, {"NEWSCRAWL_FEEDS_DIR": "/proc/x"}, "/proc is read-only"),
    ("coverage of one field", {}, {"NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY": "abc"}, "between 0"),
    ("coverage above 1", {}, {"NEWSCRAWL_MONITOR_MIN_COVERAGE_TITLE": "2"}, "between 0 and 1"),
]


def files_under(*roots: Path) -> set[Path]:
    return {p for root in roots if root.exists() for p in root.rglob("*")}


def assert_refused(crawls: Crawls, args, settings, expected: str, before=frozenset()):
    run = crawls.run(args, {"NEWSCRAWL_STOP_TIMEOUT": "1", **settings}, timeout=60)
    lines = run.stderr.splitlines()
    assert run.returncode == 2, run.tail
    assert len(lines) == 1 and lines[0].startswith("newscrawl: "), run.stderr
    assert expected in lines[0], lines[0]
    assert "Traceback" not in run.stderr + run.log
    # No run folder, no lock, no state: the only files are those the test put there.
    assert files_under(crawls.feeds, crawls.state) == set(before)
    return lines[0]


@pytest.mark.parametrize(
    "args, settings, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_line_and_exit_2_with_nothing_left_behind(
    tmp_path, args, settings, expected
):
    crawls = Crawls(tmp_path, NOWHERE)
    settings = {k: v.format(tmp=tmp_path) for k, v in settings.items()}
    assert_refused(crawls, args, settings, expected)


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 10)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "spoil, expected",
    [(_garbage, "not a SQLite database"), (_empty, "is empty (0 bytes")],
    ids=["garbage", "zero-bytes"],
)
def test_a_spoilt_state_is_refused_and_left_as_it_was(tmp_path, spoil, expected):
    crawls = Crawls(tmp_path, NOWHERE)
    crawls.state.mkdir()
    state = crawls.state / "state.sqlite3"
    spoil(state)
    content = state.read_bytes()
    assert_refused(crawls, {}, {}, expected, before={state})
    assert state.read_bytes() == content


@pytest.fixture
def read_only_state(tmp_path):
    """A valid state in a folder the crawl cannot write to (a read-only mount under root)."""
    folder = tmp_path / "state"
    folder.mkdir()
    mounted = os.geteuid() == 0
    if mounted:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", folder], check=True)
    open_state(folder).close()
    with closing(sqlite3.connect(folder / "state.sqlite3")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    files = set(folder.rglob("*"))
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
    else:
        for path in files:
            path.chmod(0o444)
        folder.chmod(0o555)
    yield files
    if mounted:
        subprocess.run(["umount", folder], check=True)
    else:
        folder.chmod(0o755)


def test_a_read_only_state_is_refused(tmp_path, read_only_state):
    crawls = Crawls(tmp_path, NOWHERE)
    assert_refused(crawls, {}, {}, "is read-only", before=read_only_state)


def test_a_zero_byte_state_is_not_refused_when_the_state_is_not_used(tmp_path):
    # Control for the case above: NEWSCRAWL_INCREMENTAL=False leaves the state alone.
    crawls = Crawls(tmp_path, NOWHERE)
    crawls.state.mkdir()
    _empty(crawls.state / "state.sqlite3")
    run = crawls.run({}, {"NEWSCRAWL_INCREMENTAL": "False", "RETRY_TIMES": "0"}, timeout=120)
    assert run.returncode != 2, run.tail


# --- the table itself ----------------------------------------------------------------------


def test_every_project_setting_has_a_rule():
    missing = set(defaults.defaults()) - set(config.SETTINGS) - config.NOT_USER_VALUES
    assert not missing


def test_every_default_passes_its_rule():
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("newscrawl.settings")
    for name in config.SETTINGS:
        config.parse_setting(settings, name)


NOW = datetime(2025, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 in Paris, the night clocks go forward


@pytest.mark.parametrize(
    "given, expected",
    [
        ("2024-10-01", datetime(2024, 10, 1, tzinfo=PARIS)),
        ("2024-10-01T12:00:00+00:00", datetime(2024, 10, 1, 12, tzinfo=UTC)),
        ("yesterday", datetime(2025, 3, 29, tzinfo=PARIS)),
        ("hier", datetime(2025, 3, 29, tzinfo=PARIS)),
        ("Hier", datetime(2025, 3, 29, tzinfo=PARIS)),
        ("today", datetime(2025, 3, 30, tzinfo=PARIS)),
        ("7d", NOW - timedelta(days=7)),
        ("7j", NOW - timedelta(days=7)),
        ("48h", NOW - timedelta(hours=48)),
        (" 48h ", NOW - timedelta(hours=48)),
        (None, None),
        ("", None),
    ],
)
def test_since_takes_the_forms_users_type(given, expected):
    assert parse_since(given, now=NOW) == expected


@pytest.mark.parametrize("given", ["2024-13-45", "01/10/2024", "last week", "7", "h48", "-7d"])
def test_since_refuses_the_rest(given):
    with pytest.raises(ValueError, match="expected a date like 2024-10-01"):
        parse_since(given, now=NOW)


@pytest.mark.parametrize("module", ["newscrawl.archive.recover", "newscrawl.archive_recover"])
@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "gone.warc.gz.open",
            "no such file; expected a *.warc.gz.open file left by a killed crawl",
        ),
        ("finished.warc.gz", "not an unfinished capture; expected a *.warc.gz.open file"),
    ],
)
def test_recover_refuses_a_missing_or_wrong_file_with_one_line(tmp_path, module, name, expected):
    done = subprocess.run(
        [sys.executable, "-m", module, str(tmp_path / name)],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"newscrawl.archive.recover: {tmp_path / name}: {expected}"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_LEVEL", "WARN"),  # logging's own aliases and numbers
        ("LOG_LEVEL", "NOTSET"),
        ("LOG_LEVEL", 20),
        ("NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY", ""),  # "-s NAME=": the dict's minimum
        ("FEED_EXPORT_ENCODING", "latin-1"),
        ("JOBDIR", "crawls/job-1"),
    ],
)
def test_values_logging_and_scrapy_take_are_taken(name, value):
    from scrapy.settings import Settings

    config.parse_setting(Settings({name: value}), name)
