"""Each default is written once, in newscrawl/settings.py, and reaches every component."""

from __future__ import annotations

import re
from pathlib import Path

from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl import defaults
from newscrawl import settings as project
from newscrawl.incremental.watchdog import StopWatchdog
from newscrawl.middlewares.retry import BackoffRetryMiddleware

PACKAGE = Path(__file__).resolve().parents[1] / "newscrawl"
# settings.get*("NEWSCRAWL_...", <a default>): the default written a second time.
SECOND_DEFAULT = re.compile(
    r"""\.get\w*\(\s*["'](NEWSCRAWL_\w+)["']\s*,\s*(?!empty_is_default=)[^)\s]"""
)
EMPTY_FALLBACK = re.compile(r"""\.get\w*\(\s*["'](NEWSCRAWL_\w+)["']\s*\)\s*or\s+["'0-9\[]""")


def test_no_component_writes_a_newscrawl_default_a_second_time():
    repeated = [
        f"{path.relative_to(PACKAGE.parent)}: {match.group(1)}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for pattern in (SECOND_DEFAULT, EMPTY_FALLBACK)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert repeated == []


def test_the_defaults_are_the_names_settings_py_adds_to_scrapy():
    table = defaults.defaults()
    assert table["NEWSCRAWL_RETRY_BACKOFF_BASE"] == project.NEWSCRAWL_RETRY_BACKOFF_BASE
    assert table["MAX_IDLE_TIME_BEFORE_CLOSE"] == project.MAX_IDLE_TIME_BEFORE_CLOSE
    assert "DOWNLOAD_DELAY" not in table  # Scrapy's own: Scrapy has its default
    assert not any(name.startswith("_") for name in table)


def test_a_component_without_the_project_settings_gets_the_settings_py_default():
    bare = BackoffRetryMiddleware(Settings())
    assert bare.backoff_base == project.NEWSCRAWL_RETRY_BACKOFF_BASE
    assert bare.retry_after_max == project.NEWSCRAWL_RETRY_AFTER_MAX
    watchdog = StopWatchdog.from_crawler(get_crawler())
    assert watchdog.timeout == project.NEWSCRAWL_STOP_TIMEOUT


def test_a_command_line_value_wins_over_the_default():
    given = Settings({"NEWSCRAWL_RETRY_BACKOFF_BASE": "0.5"}, priority="cmdline")
    assert BackoffRetryMiddleware(given).backoff_base == 0.5
    defaults.apply(given)
    assert given.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE") == 0.5
    assert given.getpriority("NEWSCRAWL_RETRY_BACKOFF_BASE") == 40  # still "cmdline"


def test_the_add_ons_give_a_bare_crawl_every_default_below_any_other_value():
    bare = Settings()
    defaults.apply(bare)
    assert bare.get("NEWSCRAWL_FEEDS_DIR") == project.NEWSCRAWL_FEEDS_DIR
    assert bare.getpriority("NEWSCRAWL_FEEDS_DIR") == 0  # "default": anything else wins
    bare.set("NEWSCRAWL_FEEDS_DIR", "elsewhere", priority="project")
    assert bare.get("NEWSCRAWL_FEEDS_DIR") == "elsewhere"


def test_an_empty_value_means_the_default_where_empty_cannot_be_meant():
    given = Settings({"NEWSCRAWL_STATE_DIR": ""})
    ours = defaults.project_settings(given)
    assert ours.get("NEWSCRAWL_STATE_DIR") == ""
    assert ours.get("NEWSCRAWL_STATE_DIR", empty_is_default=True) == project.NEWSCRAWL_STATE_DIR


def test_settings_module_assigns_each_setting_once():
    # A second "EXTENSIONS = {...}" further down silently dropped the first block's
    # extension (the corpus store was off in every crawl): extend, never reassign.
    import ast
    from collections import Counter

    import newscrawl.settings

    tree = ast.parse(Path(newscrawl.settings.__file__).read_text(encoding="utf-8"))
    names = Counter(
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    )
    assert [name for name, count in names.items() if count > 1] == []
