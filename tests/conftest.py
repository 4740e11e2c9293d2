from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.site.model import build_site
from tests.site.server import SiteServer

ROOT = Path(__file__).resolve().parent.parent

# Crawls against the local site need no politeness delay and must not write into data/.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCRAWL_RETRY_BACKOFF_BASE": "0.05",
    "LOG_LEVEL": "INFO",
}


@pytest.fixture
def site_server():
    site, expectations = build_site()
    with SiteServer(site) as server:
        server.expectations = expectations
        yield server


@pytest.fixture
def run_crawl(tmp_path):
    """Crawl in a subprocess; returns {"items": [...], "stats": {...}, "log": str}."""
    counter = iter(range(1_000))

    def run(spider_args: dict[str, str], settings: dict[str, str] | None = None, timeout=300):
        number = next(counter)
        out = tmp_path / f"crawl-{number}.json"
        log = tmp_path / f"crawl-{number}.log"
        merged = {
            **TEST_SETTINGS,
            "NEWSCRAWL_FEEDS_DIR": str(tmp_path / "feeds"),
            "NEWSCRAWL_STATE_DIR": str(tmp_path / "state"),
            "LOG_FILE": str(log),
            **(settings or {}),
        }
        command = [sys.executable, "-m", "tests.crawl_runner", str(out)]
        for name, value in spider_args.items():
            command += ["-a", f"{name}={value}"]
        for name, value in merged.items():
            command += ["-s", f"{name}={value}"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        completed = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
        log_text = log.read_text(encoding="utf-8") if log.exists() else ""
        assert completed.returncode == 0, completed.stderr[-3000:] + log_text[-3000:]
        result = json.loads(out.read_text(encoding="utf-8"))
        result["log"] = log_text
        return result

    return run
