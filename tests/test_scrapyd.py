"""The scrapyd route: deploy the project as an egg to a real scrapyd and run jobs there.

scrapyd (from PyPI) runs on 127.0.0.1 on a free port in its own folder, with no access to
the checkout: the jobs import newscrawl, its settings and its data files from the egg only.
"""

from __future__ import annotations

import configparser
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from newscrawl.incremental.state import open_state
from tests.site.server import free_port
from tests.support.runs import ROOT, listing_urls, read_jsonl

PROJECT_FILES = ("scrapy.cfg", "pyproject.toml", "setup.py", "README.md")


def copy_project(target: Path) -> Path:
    """The files scrapyd-deploy needs, so its build never writes into the shared checkout."""
    shutil.copytree(
        ROOT / "newscrawl", target / "newscrawl", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in PROJECT_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    if not (target / "README.md").exists():  # pyproject names it; its text does not matter here
        (target / "README.md").write_text("newscrawl\n", encoding="utf-8")
    return target


class Scrapyd:
    def __init__(self, folder: Path):
        folder.mkdir(parents=True)
        # scrapyd 1.6 reads port 0 as "no HTTP server": ask the OS for a free port first.
        self.port = free_port()
        (folder / "scrapyd.conf").write_text(
            f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {self.port}\n"
            "poll_interval = 0.2\nmax_proc = 1\nitems_dir =\n",
            encoding="utf-8",
        )
        # No PYTHONPATH: jobs must find newscrawl in the egg, not in the checkout.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scrapyd"],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.folder = folder
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_until_listening()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def _wait_until_listening(self) -> None:
        # Twisted logs each listening socket: "Site starting on 41234".
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if f"starting on {self.port}" in line:
                return
        raise AssertionError("scrapyd did not start:\n" + "".join(self.output))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def call(self, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with urllib.request.urlopen(self.url + endpoint, data=body, timeout=30) as answer:
            return json.loads(answer.read())

    def wait_for(self, project: str, job: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = self.call(f"listjobs.json?project={project}")
            if any(j["id"] == job for j in jobs["finished"]):
                return
            time.sleep(0.5)
        raise AssertionError(f"job {job} did not finish:\n" + "".join(self.output[-50:]))

    def job_log(self, project: str, spider: str, job: str) -> str:
        return (self.folder / "logs" / project / spider / f"{job}.log").read_text("utf-8")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def scrapyd(tmp_path):
    server = Scrapyd(tmp_path / "scrapyd")
    try:
        yield server
    finally:
        server.stop()


def test_deploy_to_scrapyd_and_run_incremental_jobs(site_server, scrapyd, tmp_path):
    project = copy_project(tmp_path / "project")
    config = configparser.ConfigParser()
    config.read(project / "scrapy.cfg")
    assert config.has_section("deploy"), "scrapy.cfg needs a [deploy] target"
    config["deploy"]["url"] = scrapyd.url
    with open(project / "scrapy.cfg", "w", encoding="utf-8") as cfg:
        config.write(cfg)

    deploy = subprocess.run(
        [shutil.which("scrapyd-deploy") or "scrapyd-deploy", "--version", "test-1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert '"status": "ok"' in deploy.stdout, deploy.stdout + deploy.stderr
    [egg] = (scrapyd.folder / "eggs" / "newscrawl").glob("*.egg")
    assert "newscrawl/data/french_dates.json" in zipfile.ZipFile(egg).namelist()
    assert scrapyd.call("listspiders.json?project=newscrawl")["spiders"] == ["boursorama"]

    feeds, state = tmp_path / "feeds", tmp_path / "state"
    schedule = [
        ("project", "newscrawl"),
        ("spider", "boursorama"),
        ("start_urls", listing_urls(site_server)),
        ("setting", f"NEWSCRAWL_FEEDS_DIR={feeds}"),
        ("setting", f"NEWSCRAWL_STATE_DIR={state}"),
        ("setting", "DOWNLOAD_DELAY=0"),
        ("setting", "AUTOTHROTTLE_ENABLED=False"),
    ]
    expected = site_server.expectations.crawled_ids

    first = scrapyd.call("schedule.json", schedule)
    assert first["status"] == "ok", first
    scrapyd.wait_for("newscrawl", first["jobid"])
    log = scrapyd.job_log("newscrawl", "boursorama", first["jobid"])
    assert "newscrawl run: status=ok" in log, log[-3000:]
    [folder] = (feeds / "boursorama").iterdir()
    items = read_jsonl(folder / "articles.jsonl")
    assert {item["article_id"] for item in items} == expected
    # Dates read through the egg's data files.
    assert all(item["published"] for item in items)
    assert open_state(state).count() == len(expected)

    second = scrapyd.call("schedule.json", schedule)
    scrapyd.wait_for("newscrawl", second["jobid"])
    log = scrapyd.job_log("newscrawl", "boursorama", second["jobid"])
    assert "newscrawl run: status=ok new=0 changed=0 unchanged=0" in log, log[-3000:]
    newest = max((feeds / "boursorama").iterdir())
    assert newest != folder and read_jsonl(newest / "articles.jsonl") == []

    # Bad input through scrapyd: the job ends with exit 2 and one line, nothing written.
    bad = [*schedule, ("since", "2024-13-45")]
    third = scrapyd.call("schedule.json", bad)
    scrapyd.wait_for("newscrawl", third["jobid"])
    log = scrapyd.job_log("newscrawl", "boursorama", third["jobid"])
    assert "ERROR: -a since='2024-13-45': expected a date like 2024-10-01" in log, log[-3000:]
    assert "Traceback" not in log
    assert any("exitstatus=2" in line for line in scrapyd.output), "".join(scrapyd.output[-20:])
    assert max((feeds / "boursorama").iterdir()) == newest
