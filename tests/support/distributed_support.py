"""Helpers of the distributed-mode tests: a private redis-server, and crawl workers.

The server is Debian's redis-server started on 127.0.0.1 on a free port with its own data
folder (append-only file on, so a restart keeps the frontier), and stopped at the end.
Without the binary the tests fail: .ci/run installs it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

from tests.site.model import build_site
from tests.site.server import SiteServer, free_port

ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    def __init__(self, folder: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (.ci/run installs Debian's redis-server)")
        self.binary = binary
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> RedisServer:
        command = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.folder),
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        client = self.client()
        for _ in range(200):
            try:
                if client.ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {self.folder / 'redis.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # saves the append-only file
            self.process.wait(timeout=30)
        self.process = None


def worker_command(out: Path, spider_args: dict[str, str], settings: dict[str, str]) -> list[str]:
    command = [sys.executable, "-m", "tests.support.crawl_runner", str(out)]
    for name, value in spider_args.items():
        command += ["-a", f"{name}={value}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def start_worker(out: Path, spider_args: dict[str, str], settings: dict[str, str]):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        worker_command(out, spider_args, settings),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    _, stderr = process.communicate(timeout=timeout)
    log_text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert process.returncode == 0, stderr[-3000:] + log_text[-3000:]


def feed_records(feeds_dir: Path) -> list[dict]:
    """Every record of every worker's JSON Lines feed (finished or .part) under feeds_dir."""
    records = []
    for path in sorted(feeds_dir.rglob("articles.jsonl*")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def result_stats(out: Path) -> dict:
    return json.loads(out.read_text(encoding="utf-8"))["stats"]


class GatedSiteServer(SiteServer):
    """The local site, answering only once ``gate`` is set, each page after ``delay`` s.

    The gate lets every worker register before any page is served, so each one takes part;
    the delay stretches the crawl so that a worker can be killed, or Redis stopped, while
    pages are still in flight.
    """

    def __init__(self, site, delay: float):
        super().__init__(site)
        self.gate = threading.Event()
        self.delay = delay

    def _answer(self, path: str):
        self.gate.wait(timeout=120)
        time.sleep(self.delay)
        return super()._answer(path)


@contextlib.contextmanager
def gated_local_site(delay: float):
    """The local test site (``build_site``) behind a gate, with its expectations; the gate
    is opened at the end so that no answer is left waiting."""
    site, expectations = build_site()
    with GatedSiteServer(site, delay=delay) as server:
        server.expectations = expectations
        yield server
        server.gate.set()
