"""Article pages parsed in worker processes: the same records, and a dead worker loses none.

Real crawls of the local site (``scrapy crawl boursorama`` in a subprocess) with
``NEWSCRAWL_EXTRACTION_WORKERS`` on and off; the worker is a real spawned process, killed
with SIGKILL as the OOM killer would.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

from newscrawl.spiders.extraction import WORKER_MODULE
from tests.support.runs import Crawls, listing_urls, read_jsonl

POOL = {"NEWSCRAWL_EXTRACTION_WORKERS": "1"}


def comparable(items: list[dict]) -> dict[str, dict]:
    """Records by article id, without the fetch time (two crawls fetch at two moments)."""
    return {item["article_id"]: {**item, "fetched_at": None} for item in items}


def test_the_pool_makes_the_records_the_engine_makes(site_server, tmp_path):
    engine = Crawls(tmp_path / "engine", listing_urls(site_server)).run()
    pooled = Crawls(tmp_path / "pooled", listing_urls(site_server)).run(settings=POOL)
    assert engine.returncode == 0, engine.tail
    assert pooled.returncode == 0, pooled.tail
    assert pooled.summary["status"] == "ok"
    assert set(comparable(pooled.items)) == site_server.expectations.crawled_ids
    assert comparable(pooled.items) == comparable(engine.items)
    # Pages that are not articles are told apart the same way (counted failed, not emitted).
    assert pooled.count("failed") == engine.count("failed")
    # The worker parsed every page: at least each emitted article, with no fallback.
    parsed = re.search(r"'newscrawl/extraction/parsed_in_worker': (\d+)", pooled.log)
    assert parsed and int(parsed.group(1)) >= len(pooled.items)
    assert "An extraction worker died" not in pooled.log
    assert "parsed_in_worker" not in engine.log


def spawned_children(pid: int) -> list[int]:
    """The extraction workers started by process ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and WORKER_MODULE.encode() in command:
            found.append(int(entry.name))
    return found


def test_a_killed_worker_loses_no_page_and_is_replaced(site_server, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    # Slow enough that the crawl is still parsing articles when the worker dies.
    settings = {**POOL, "DOWNLOAD_DELAY": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "2"}
    process, log = crawls.popen(settings=settings)
    seen: set[int] = set()
    killed = None
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        workers = spawned_children(process.pid)
        seen.update(workers)
        if workers and killed is None:
            time.sleep(0.5)  # let it parse a few pages first
            os.kill(workers[0], signal.SIGKILL)
            killed = workers[0]
        time.sleep(0.05)
    process.communicate(timeout=180)
    text = log.read_text(encoding="utf-8")
    assert killed is not None, "no extraction worker was seen"
    assert process.returncode == 0, text[-4000:]
    assert "An extraction worker died" in text
    assert "'newscrawl/extraction/worker_restarts': 1" in text
    assert len(seen) >= 2, "the dead worker was not replaced"
    [folder] = crawls.folders()
    emitted = [item["article_id"] for item in read_jsonl(folder / "articles.jsonl")]
    assert sorted(emitted) == sorted(site_server.expectations.crawled_ids)  # each once
    assert [pid for pid in seen if alive(pid)] == [], "a worker outlived its crawl"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_worker_does_not_outlive_a_killed_crawl(site_server, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    settings = {**POOL, "DOWNLOAD_DELAY": "0.2", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}
    process, _ = crawls.popen(settings=settings)
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and process.poll() is None:
        workers = spawned_children(process.pid)
        time.sleep(0.05)
    assert workers, "no extraction worker was seen"
    process.kill()  # SIGKILL: no clean-up of the crawl's runs
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in workers if alive(pid)] == [], "the worker outlived its crawl"


class _Stats:
    def __init__(self):
        self.values: dict[str, int] = {}

    def inc_value(self, key, count=1):
        self.values[key] = self.values.get(key, 0) + count


class _Crawler:
    def __init__(self):
        self.stats = _Stats()


PAGE = "<html><body><h1>Titre</h1><p>Texte</p></body></html>"
URL = "https://www.boursorama.com/bourse/actualites/titre-" + "0" * 32


def _response():
    from scrapy.http import HtmlResponse

    return HtmlResponse(URL, body=PAGE.encode(), encoding="utf-8")


def _in_engine(site_name: str):
    """The page parsed as the engine parses it without a pool."""
    from newscrawl.spiders.extraction import parse_page
    from newscrawl.spiders.selector import page_form

    response = _response()
    return parse_page(site_name, response.text, response.url, *page_form(response))


def _run_pool(pool, pages: int):
    import asyncio

    async def crawl():
        results = []
        for _ in range(pages):
            try:
                results.append(await pool.parse_article(_response()))
            except Exception as exc:
                results.append(exc)
        await pool.close()
        return results

    return asyncio.run(crawl())


def test_a_parser_error_in_the_worker_is_raised_as_the_engine_raises_it():
    from newscrawl.spiders.extraction import ExtractionPool

    try:
        _in_engine("no-such-site")
    except Exception as exc:
        expected = exc
    crawler = _Crawler()
    [raised] = _run_pool(ExtractionPool("no-such-site", 1, crawler), 1)
    assert type(raised) is type(expected) and str(raised) == str(expected)
    assert "newscrawl/extraction/worker_restarts" not in crawler.stats.values


def test_workers_that_die_before_any_page_are_given_up_and_no_page_is_lost(monkeypatch, caplog):
    from newscrawl.spiders import extraction

    monkeypatch.setattr(extraction, "WORKER_MODULE", "newscrawl.no_such_worker_module")
    crawler = _Crawler()
    articles = _run_pool(extraction.ExtractionPool("boursorama", 1, crawler), 6)
    engine = _in_engine("boursorama")
    assert articles == [engine] * 6  # each parsed in the engine instead
    assert crawler.stats.values[extraction.RESTARTS_STAT] == extraction.GIVE_UP_AFTER
    assert "the engine parses every page from now on" in caplog.text


def test_a_worker_writing_something_else_than_answers_loses_no_page(monkeypatch, caplog):
    from newscrawl.spiders import extraction

    monkeypatch.setattr(extraction, "WORKER_MODULE", "tests.support.garbled_worker")
    crawler = _Crawler()
    articles = _run_pool(extraction.ExtractionPool("boursorama", 1, crawler), 5)
    assert articles == [_in_engine("boursorama")] * 5
    assert "wrote something else than answers" in caplog.text
    assert crawler.stats.values[extraction.RESTARTS_STAT] == extraction.GIVE_UP_AFTER


def test_the_worker_imports_the_crawls_code_not_a_package_in_the_working_folder(
    tmp_path, monkeypatch
):
    from newscrawl.spiders import extraction

    shadow = tmp_path / "newscrawl"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise SystemExit('a checkout of another version')\n")
    monkeypatch.chdir(tmp_path)
    crawler = _Crawler()
    [article] = _run_pool(extraction.ExtractionPool("boursorama", 1, crawler), 1)
    assert article == _in_engine("boursorama")
    assert crawler.stats.values == {extraction.IN_WORKER_STAT: 1}
