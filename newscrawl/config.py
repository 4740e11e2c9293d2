"""Every setting and spider argument, checked in one place before anything is opened.

``SETTINGS`` and ``ARGUMENTS`` are the table: a name -> its parser and the form a message
asks for (the parsers: ``newscrawl.config_values``). ``ConfigAddon`` (first in
``ADDONS``) checks every setting of the table before the run lock is taken, the run folder
made or the state opened; the spider reads its
arguments through ``spider_arguments``. A value the table refuses is a ``ConfigError``:
``scrapy crawl`` (``newscrawl.commands.crawl``) prints its one line and exits 2. Components
built afterwards read values that already passed (the few parsed ones, ``since`` say,
through this module).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newscrawl import defaults
from newscrawl.config_values import (
    _BOOL,
    _COUNT,
    _DURATION,
    _HOSTS,
    _INTERVAL,
    _POSITIVE,
    _SECONDS,
    _SHARE,
    LOG_LEVELS,
    Refused,
    Rule,
    _auto_or,
    _choice,
    _coverage,
    _encoding,
    _existing_paths,
    _folder,
    _list,
    _log_level,
    _number,
    _optional,
    _redis_url,
    _share,
    _store_url,
    _webhook,
    _writable,
)
from newscrawl.feeds.exporters import CSV_STYLES
from newscrawl.incremental.revisit import SINCE_FORMS, parse_refresh, parse_since
from newscrawl.incremental.state import STATE_FILE
from newscrawl.monitors.records import COVERAGE_FIELDS


class ConfigError(ValueError):
    """A setting or argument with a value the crawl cannot use; the message is one line."""


# Scrapy's own settings that a newscrawl user sets on the command line, and every setting of
# newscrawl/settings.py (a test checks that none is missing).
SETTINGS: dict[str, Rule] = {
    "DEPTH_LIMIT": Rule(_number(int, 0), "a whole number of article hops, 0 or more"),
    "DOWNLOAD_DELAY": _SECONDS,
    "DOWNLOAD_TIMEOUT": _INTERVAL,
    "DOWNLOAD_MAXSIZE": Rule(_number(int, 0), "a number of bytes, 0 or more (0 = no limit)"),
    "DOWNLOAD_WARNSIZE": Rule(_number(int, 0), "a number of bytes, 0 or more (0 = no warning)"),
    "DOWNLOAD_FAIL_ON_DATALOSS": _BOOL,
    "CONCURRENT_REQUESTS": _POSITIVE,
    "CONCURRENT_REQUESTS_PER_DOMAIN": _POSITIVE,
    "RETRY_ENABLED": _BOOL,
    "RETRY_TIMES": _COUNT,
    "ROBOTSTXT_OBEY": _BOOL,
    "AUTOTHROTTLE_ENABLED": _BOOL,
    "CLOSESPIDER_ITEMCOUNT": _COUNT,
    "CLOSESPIDER_PAGECOUNT": _COUNT,
    "CLOSESPIDER_TIMEOUT": _SECONDS,
    "CLOSESPIDER_ERRORCOUNT": _COUNT,
    "MAX_IDLE_TIME_BEFORE_CLOSE": _SECONDS,
    "SCHEDULER_PERSIST": _BOOL,
    "REDIRECT_ENABLED": _BOOL,
    "REDIRECT_MAX_TIMES": _COUNT,
    "LOG_LEVEL": Rule(_log_level, " or ".join(LOG_LEVELS)),
    "FEED_EXPORT_ENCODING": Rule(_encoding, "a text encoding Python knows, e.g. utf-8"),
    "JOBDIR": Rule(
        _optional(lambda v: str(_folder(v)) if v else v), "a folder for the paused crawl's queue"
    ),
    "NEWSCRAWL_CONTACT_URL": Rule(str, "a URL"),
    "NEWSCRAWL_MAX_PAGES": Rule(_number(int, 1), "a whole number of listing pages, 1 or more"),
    "NEWSCRAWL_EXTRACTION_WORKERS": Rule(
        _auto_or(_number(int, 0, 64)), "auto or a whole number of worker processes, 0 to 64"
    ),
    "NEWSCRAWL_SITE_HOSTS": _HOSTS,
    "NEWSCRAWL_ARCHIVE": Rule(lambda v: str(_folder(v)) if v else v, "a folder for WARC files"),
    "NEWSCRAWL_ARCHIVE_MAX_SIZE": Rule(_number(int, 1), "a number of bytes, 1 or more"),
    "NEWSCRAWL_ARCHIVE_PREFIX": Rule(str, "a file name prefix"),
    "NEWSCRAWL_REPLAY": Rule(_existing_paths, "existing WARC files or folders, comma-separated"),
    "NEWSCRAWL_REPLAY_PARTIAL": _BOOL,
    "NEWSCRAWL_FEEDS_ENABLED": _BOOL,
    "NEWSCRAWL_FEEDS_DIR": Rule(str, "a folder that can be written to"),
    "NEWSCRAWL_CSV_STYLE": Rule(_choice(*CSV_STYLES), " or ".join(CSV_STYLES)),
    "NEWSCRAWL_STATE_DIR": Rule(str, "a folder that can be written to"),
    "NEWSCRAWL_INCREMENTAL": _BOOL,
    "NEWSCRAWL_REVISIT_WINDOW": _DURATION,
    "NEWSCRAWL_REVISIT_EVERY": _DURATION,
    "NEWSCRAWL_STOP_TIMEOUT": Rule(_number(float, 0), "a number of seconds, 0 or more (0 = wait)"),
    "NEWSCRAWL_SSRF_GUARD": _BOOL,
    "NEWSCRAWL_ALLOWED_HOSTS": _HOSTS,
    "NEWSCRAWL_ALLOWED_SCHEMES": Rule(_list, "comma-separated URL schemes"),
    "NEWSCRAWL_ROBOTS_UNREACHABLE_ALLOW": _BOOL,
    "NEWSCRAWL_RETRY_BACKOFF_BASE": _SECONDS,
    "NEWSCRAWL_RETRY_BACKOFF_MAX": _SECONDS,
    "NEWSCRAWL_RETRY_AFTER_MAX": _SECONDS,
    "NEWSCRAWL_MAX_REQUESTS": Rule(_number(int, 0), "a whole number, 0 or more (0 = no cap)"),
    "NEWSCRAWL_CHARSET_REPAIR": _BOOL,
    "NEWSCRAWL_REDIS_URL": Rule(_redis_url, "redis://host:port/db (or rediss://, unix://)"),
    "NEWSCRAWL_REDIS_CRAWL": Rule(str, "a crawl id"),
    "NEWSCRAWL_REDIS_PREFIX": Rule(str, "a key prefix"),
    "NEWSCRAWL_REDIS_LEASE": _INTERVAL,
    "NEWSCRAWL_REDIS_POLL_INTERVAL": _INTERVAL,
    "NEWSCRAWL_REDIS_RETRY_INTERVAL": _INTERVAL,
    "NEWSCRAWL_REDIS_TIMEOUT": _INTERVAL,
    "NEWSCRAWL_REDIS_STATE_WAIT": _SECONDS,
    "NEWSCRAWL_HOST_RATE": Rule(
        _number(float, 0), "requests per second per host, 0 or more (0 = from DOWNLOAD_DELAY)"
    ),
    "NEWSCRAWL_LEASE_AHEAD": _INTERVAL,
    "NEWSCRAWL_MONITORS": _BOOL,
    "NEWSCRAWL_MONITOR_MIN_COVERAGE": Rule(_coverage, 'field: share as JSON, e.g. {"body": 0.9}'),
    # One field's minimum on a command line (NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY=0.8).
    **{
        f"NEWSCRAWL_MONITOR_MIN_COVERAGE_{field.upper()}": Rule(_optional(_share), _SHARE.expected)
        for field in COVERAGE_FIELDS
    },
    "NEWSCRAWL_MONITOR_MIN_COMMENTS_COVERAGE": _SHARE,
    "NEWSCRAWL_MONITOR_TOLERANCE": _COUNT,
    "NEWSCRAWL_MONITOR_MAX_UNPARSED_DATES": _SHARE,
    "NEWSCRAWL_MONITOR_MAX_UNKNOWN_OUTLETS": _SHARE,
    "NEWSCRAWL_MONITOR_MAX_INVALID_RECORDS": _SHARE,
    "NEWSCRAWL_MONITOR_MAX_FAILED_PAGES": _SHARE,
    "NEWSCRAWL_MONITOR_MAX_RETRIES": Rule(_number(float, 0), "retries per request, 0 or more"),
    "NEWSCRAWL_MONITOR_MAX_SPIDER_ERRORS": _COUNT,
    "NEWSCRAWL_MONITOR_FINISH_REASONS": Rule(_list, "comma-separated finish reasons"),
    "NEWSCRAWL_MONITOR_HISTORY_RUNS": _COUNT,
    "NEWSCRAWL_MONITOR_HISTORY_MIN_RUNS": _COUNT,
    "NEWSCRAWL_MONITOR_HISTORY_MIN_RATIO": _SHARE,
    "NEWSCRAWL_NOTIFY_WEBHOOK": Rule(_webhook, "an http:// or https:// URL"),
    "NEWSCRAWL_NOTIFY_EMAIL_TO": Rule(_list, "comma-separated e-mail addresses"),
    "NEWSCRAWL_NOTIFY_EMAIL_FROM": Rule(str, "an e-mail address"),
    "NEWSCRAWL_NOTIFY_SMTP_HOST": Rule(str, "a host name"),
    "NEWSCRAWL_NOTIFY_SMTP_PORT": Rule(_number(int, 1), "a port number"),
    "NEWSCRAWL_NOTIFY_SMTP_USER": Rule(str, "a user name"),
    "NEWSCRAWL_NOTIFY_SMTP_PASSWORD": Rule(str, "a password"),
    "NEWSCRAWL_NOTIFY_SMTP_STARTTLS": _BOOL,
    "NEWSCRAWL_NOTIFY_TIMEOUT": _INTERVAL,
    "NEWSCRAWL_STORE": Rule(
        _store_url, "a database URL: sqlite:///path, postgresql://user@host/db, or empty (off)"
    ),
}
# Read from the settings by Scrapy and the add-ons, not values a user types.
NOT_USER_VALUES = {"FEED_EXPORTERS"}
# "-s NAME=" means the default for these, as their components read them.
EMPTY_IS_DEFAULT = {"NEWSCRAWL_FEEDS_DIR", "NEWSCRAWL_STATE_DIR"}


def _start_urls(value: Any) -> list[str] | None:
    if value is None:
        return None  # not given: the site's default listings
    urls = _list(value)
    if not urls:
        raise Refused("it is empty")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https"):
            raise Refused(f"{url[:80]!r} is refused: only http:// and https:// URLs are crawled")
        if not parts.hostname:
            raise Refused(f"{url[:80]!r} has no host")
    return urls


def _max_pages(value: Any) -> int | None:
    return None if value is None else _number(int, 1)(value)


def _since(value: Any) -> datetime | None:
    return parse_since(value)


ARGUMENTS: dict[str, Rule] = {
    "start_urls": Rule(_start_urls, "listing or article URLs, comma-separated, http(s) only"),
    "max_pages": Rule(_max_pages, "a whole number of listing pages, 1 or more"),
    "since": Rule(_since, SINCE_FORMS),
    "refresh": Rule(parse_refresh, "all"),
}


# --- checking ------------------------------------------------------------------------------


def _refuse(label: str, value: Any, rule: Rule, exc: Exception) -> ConfigError:
    why = f" ({exc})" if isinstance(exc, Refused) else ""
    return ConfigError(f"{label}={value!r}{why}: expected {rule.expected}")


def parse_setting(settings: Any, name: str) -> Any:
    """The value of setting ``name``, checked against its rule."""
    if name in defaults.defaults():
        value = defaults.project_settings(settings).get(
            name, empty_is_default=name in EMPTY_IS_DEFAULT
        )
    else:
        value = settings.get(name)
    rule = SETTINGS[name]
    try:
        return rule.parse(value)
    except (ValueError, TypeError) as exc:
        raise _refuse(f"-s {name}", value, rule, exc) from None


def check_values(settings: Any) -> None:
    """Every setting of the table against its rule, nothing opened or made: what
    ``scrapy crawl`` checks before Scrapy itself reads any (its log level, the DNS
    resolver) as the crawler process starts."""
    for name in SETTINGS:
        parse_setting(settings, name)


def spider_arguments(given: Mapping[str, Any]) -> dict[str, Any]:
    """The spider's arguments parsed; an unknown name is refused (a typo would be ignored)."""
    unknown = sorted(
        name for name in given if name not in ARGUMENTS and not name.startswith("_")
    )  # scrapyd adds -a _job=...
    if unknown:
        raise ConfigError(
            f"-a {unknown[0]}: unknown argument; expected one of {', '.join(ARGUMENTS)}"
        )
    parsed = {}
    for name, rule in ARGUMENTS.items():
        value = given.get(name)
        try:
            parsed[name] = rule.parse(value)
        except (ValueError, TypeError) as exc:
            raise _refuse(f"-a {name}", value, rule, exc) from None
    return parsed


def check_settings(settings: Any, *, uses_state: bool, uses_store: bool = False) -> None:
    """Every setting of the table, then the folders, crawl state and corpus store the run
    would use (the store last: it is the one check that may connect to a server)."""
    value = {name: parse_setting(settings, name) for name in SETTINGS}
    if not settings.getdict("FEEDS") and value["NEWSCRAWL_FEEDS_ENABLED"]:
        _usable_folder("NEWSCRAWL_FEEDS_DIR", value["NEWSCRAWL_FEEDS_DIR"])
    # A shared store (distributed mode) has no local state folder and no run lock.
    if uses_state and not value["NEWSCRAWL_REDIS_URL"]:
        state_dir = _usable_folder("NEWSCRAWL_STATE_DIR", value["NEWSCRAWL_STATE_DIR"])
        if value["NEWSCRAWL_INCREMENTAL"]:  # else the state is left alone
            check_state(state_dir / STATE_FILE)
    if uses_store and value["NEWSCRAWL_STORE"]:
        from newscrawl.corpus.check import check_store
        from newscrawl.corpus.engine import CorpusError

        try:
            check_store(value["NEWSCRAWL_STORE"], distributed=bool(value["NEWSCRAWL_REDIS_URL"]))
        except CorpusError as exc:
            raise ConfigError(f"-s NEWSCRAWL_STORE: {exc}") from None


def _usable_folder(name: str, value: str) -> Path:
    try:
        return Path(_folder(value))
    except ValueError as exc:
        raise _refuse(f"-s {name}", value, SETTINGS[name], exc) from None


SQLITE_MAGIC = b"SQLite format 3\x00"


def check_state(path: Path) -> None:
    """A state file the run can use: absent (a first run), or a writable SQLite database.

    A 0-byte file is refused, not taken as a fresh start: it is what a crashed or truncated
    copy leaves, and a fresh start would emit every article again.
    """
    label = f"-s NEWSCRAWL_STATE_DIR: {path}"
    if not path.exists():
        return
    if path.is_dir():
        raise ConfigError(f"{label} is a folder; expected the crawl state file")
    size = path.stat().st_size
    if size == 0:
        raise ConfigError(
            f"{label} is empty (0 bytes: a crashed or truncated copy?); expected a crawl "
            "state: restore it, or delete it to start afresh (every article is emitted again)"
        )
    with open(path, "rb") as stream:
        magic = stream.read(len(SQLITE_MAGIC))
    if magic != SQLITE_MAGIC:
        raise ConfigError(f"{label} is not a SQLite database; expected a crawl state file")
    if not _writable(path.parent) or not _file_writable(path):
        raise ConfigError(f"{label} is read-only; expected a state the crawl can update")
    if any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-journal")):
        # Pages still in a write-ahead log or a hot journal (a run killed or refused by a full
        # disk mid-write): the main file alone may look malformed until SQLite replays or
        # rolls them back, which the state's own read-write open does.
        return
    try:
        # immutable: a look that takes no lock and leaves no -wal/-shm file behind.
        uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise ConfigError(f"{label} is damaged ({exc}); expected a crawl state file") from None


def _file_writable(path: Path) -> bool:
    return _writable(path.parent) and os.access(path, os.W_OK)


class ConfigAddon:
    """First in ``ADDONS``: refuses a bad setting before any other add-on writes anything."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConfigAddon:
        return cls(crawler)

    def update_settings(self, settings: Any) -> None:
        spidercls = self.crawler.spidercls
        uses_state = bool(getattr(spidercls, "incremental_state", False))
        uses_store = bool(getattr(spidercls, "corpus_store", False))
        check_settings(settings, uses_state=uses_state, uses_store=uses_store)
