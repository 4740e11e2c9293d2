"""Run ``scrapy crawl boursorama`` as cron or systemd would, and read back what it left.

The crawl goes through the project's ``crawl`` command (exit codes, summary line) in a
subprocess, with its feeds and state under the test's own folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"newscrawl run: (.*)$", re.MULTILINE)
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False", "LOG_LEVEL": "INFO"}


@dataclass
class Run:
    returncode: int
    log: str
    stderr: str
    folders: list[Path] = field(default_factory=list)
    """Feed folders this run created."""

    @property
    def summary(self) -> dict[str, str]:
        found = SUMMARY.findall(self.log)
        assert len(found) == 1, f"expected one summary line, got {found}\n{self.tail}"
        pairs = re.findall(r"(\w+)=(.*?)(?= \w+=|$)", found[0])
        return dict(pairs)

    def count(self, name: str) -> int:
        return int(self.summary[name])

    @property
    def items(self) -> list[dict]:
        [folder] = self.folders
        return read_jsonl(folder / "articles.jsonl")

    @property
    def tail(self) -> str:
        return self.stderr[-2000:] + "\n--- log ---\n" + self.log[-4000:]


class Crawls:
    """Successive crawls sharing one state folder and one feeds root."""

    def __init__(self, workdir: Path, start_urls: str):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.start_urls = start_urls
        self.feeds = workdir / "feeds"
        self.state = workdir / "state"
        self.number = 0

    def command(self, args: dict[str, str] | None = None, settings: dict | None = None):
        self.number += 1
        log = self.workdir / f"crawl-{self.number}.log"
        merged = {
            **FAST,
            "NEWSCRAWL_FEEDS_DIR": str(self.feeds),
            "NEWSCRAWL_STATE_DIR": str(self.state),
            "NEWSCRAWL_STORE": f"sqlite:///{self.workdir / 'corpus.sqlite3'}",
            "LOG_FILE": str(log),
            **(settings or {}),
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "boursorama"]
        for name, value in {"start_urls": self.start_urls, **(args or {})}.items():
            command += ["-a", f"{name}={value}"]
        for name, value in merged.items():
            command += ["-s", f"{name}={value}"]
        return command, log

    def popen(self, args=None, settings=None) -> tuple[subprocess.Popen, Path]:
        command, log = self.command(args, settings)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return process, log

    def run(self, args=None, settings=None, *, timeout: float = 180) -> Run:
        before = self.folders()
        command, log = self.command(args, settings)
        done = subprocess.run(
            command, cwd=ROOT, env=env(), capture_output=True, text=True, timeout=timeout
        )
        return Run(
            returncode=done.returncode,
            log=log.read_text(encoding="utf-8") if log.exists() else "",
            stderr=done.stderr,
            folders=sorted(set(self.folders()) - set(before)),
        )

    def folders(self) -> list[Path]:
        """Published run folders (an unfinished run's hidden ``.<stamp>.part`` is not one)."""
        root = self.feeds / "boursorama"
        if not root.exists():
            return []
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))

    def all_items(self) -> list[dict]:
        """Every record under a final feed name, over all runs (``.part`` files excluded)."""
        return [item for folder in self.folders() for item in read_jsonl(folder / "articles.jsonl")]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def listing_urls(server) -> str:
    return ",".join(server.url(root) for root in server.site.listings)
