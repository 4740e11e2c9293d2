"""Article pages parsed in worker processes: the same records, and a dead worker loses none.

Real crawls of the local site (``scrapy crawl boursorama`` in a subprocess) with
``NEWSCRAWL_EXTRACTION_WORKERS`` on and off; the worker is a real spawned process, killed
with SIGKILL as the OOM killer would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newscrawl.spiders import extraction
from newscrawl.spiders.extraction import WORKER_MODULE
from tests.support.runs import Crawls, listing_urls, read_jsonl

POOL = {"NEWSCRAWL_EXTRACTION_WORKERS": "1"}
NO_POOL = {"NEWSCRAWL_EXTRACTION_WORKERS": "0"}
EPOLL_REACTOR = "twisted.internet.epollreactor.EPollReactor"


def comparable(items: list[dict]) -> dict[str, dict]:
    """Records by article id, without the fetch time (two crawls fetch at two moments)."""
    return {item["article_id"]: {**item, "fetched_at": None} for item in items}


def counters(log: str) -> dict[str, int]:
    """The crawl's own whole-number stats (newscrawl/...) from its final stats dump."""
    dump = log[log.rindex("Dumping Scrapy stats") :]
    return {
        name: int(value)
        for name, value in re.findall(r"'(newscrawl/[^']+)': (\d+)[,}\s]", dump)
        if not name.startswith("newscrawl/extraction/")
    }


@pytest.fixture
def site_with_an_unknown_outlet():
    """The test site, one article credited to an outlet the alias table does not know."""
    from tests.site.model import build_site
    from tests.site.server import SiteServer

    site, expectations = build_site()
    next(iter(site.articles.values())).provider = "Agence Inconnue du Quartier"
    with SiteServer(site) as server:
        server.expectations = expectations
        yield server


def test_the_pool_makes_the_records_the_engine_makes(site_with_an_unknown_outlet, tmp_path):
    site_server = site_with_an_unknown_outlet
    engine = Crawls(tmp_path / "engine", listing_urls(site_server)).run(settings=NO_POOL)
    pooled = Crawls(tmp_path / "pooled", listing_urls(site_server)).run(settings=POOL)
    assert engine.returncode == 0, engine.tail
    assert pooled.returncode == 0, pooled.tail
    assert pooled.summary["status"] == "ok"
    assert set(comparable(pooled.items)) == site_server.expectations.crawled_ids
    assert comparable(pooled.items) == comparable(engine.items)
    # Pages that are not articles are told apart the same way (counted failed, not emitted).
    assert pooled.count("failed") == engine.count("failed")
    # The worker runs the normalisation steps too: the pipelines report the same problems
    # (unparsed dates, unknown outlets...) and every other count is the same.
    assert counters(pooled.log) == counters(engine.log)
    assert counters(engine.log)["newscrawl/outlets/unknown"] >= 1
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


def test_a_warning_the_worker_logs_is_logged_by_the_crawl_as_its_own(caplog):
    import asyncio
    import logging

    from scrapy.http import HtmlResponse

    from newscrawl.spiders.extraction import ExtractionPool

    # 02:30 on 31 March 2024 does not exist in Paris: the dates step logs a warning.
    page = (
        '<html><body><div class="c-news-detail"><h1 class="c-title-big"><span>Titre</span>'
        '</h1><div class="c-source c-news-detail__source"><strong class="c-source__name">AFP'
        '</strong><span class="c-source__time">31/03/2024 à 02:30</span></div>'
        '<article class="c-news-detail__content"><p>Texte.</p></article></div></body></html>'
    )
    response = HtmlResponse(URL, body=page.encode(), encoding="utf-8")
    crawler = _Crawler()
    pool = ExtractionPool("boursorama", 1, crawler, steps=("text", "dates", "attributions"))

    async def parse():
        try:
            return await pool.parse_article(response, "2024-03-31T10:00:00+00:00")
        finally:
            await pool.close()

    caplog.set_level(logging.WARNING)
    article = asyncio.run(parse())
    assert crawler.stats.values["newscrawl/extraction/parsed_in_worker"] == 1
    assert article.published == "2024-03-31T03:30:00+02:00"
    [warning] = [r for r in caplog.records if "does not exist in Paris" in r.getMessage()]
    assert (warning.name, warning.levelno) == ("newscrawl.normalize.dates", logging.WARNING)


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


# --- normalisation in the worker -----------------------------------------------------------


def _unparsable_date_case():
    """A fixture page with a comment whose printed date no reader can read."""
    from tests.test_fixtures import ARTICLE_CASES, load_case

    for case in ARTICLE_CASES:
        site, folder = case.values
        page, meta, expected = load_case(folder)
        for comment in expected.get("comments") or []:
            raw = comment.get("published_raw")
            if raw and page.count(raw) == 1:
                return site, page.replace(raw, "avant-hier vers midi"), meta
    raise AssertionError("no fixture prints a comment's date once")


def _normalisation_cases():
    from tests.test_fixtures import ARTICLE_CASES, load_case

    cases = []
    for case in ARTICLE_CASES:
        site, folder = case.values
        page, meta, _ = load_case(folder)
        cases.append(pytest.param(site, page, meta, id=folder.name))
    cases.append(pytest.param(*_unparsable_date_case(), id="unparsable-date"))
    return cases


def _through_step_pipelines(article):
    from newscrawl.pipelines import AttributionPipeline, DatesPipeline, TextCleanupPipeline

    stats = _Stats()
    for pipeline in (TextCleanupPipeline, DatesPipeline, AttributionPipeline):
        pipeline(stats).process_item(article)
    return stats.values


@pytest.mark.parametrize(("site", "page", "meta"), _normalisation_cases())
def test_the_worker_normalises_as_the_pipelines_do(site, page, meta, caplog):
    import dataclasses
    import logging
    import pickle

    from scrapy.http import HtmlResponse

    from newscrawl.spiders.extraction import parse_page, prepare_page
    from newscrawl.spiders.selector import page_form

    response = HtmlResponse(meta["url"], body=page.encode(), encoding="utf-8")
    form = (response.text, response.url, *page_form(response))
    fetched = meta.get("fetched_at") or "2024-10-21T16:00:00+00:00"
    steps = ("text", "dates", "attributions")

    caplog.set_level(logging.INFO, logger="newscrawl.pipelines")
    in_engine = parse_page(site.name, *form)
    in_engine.fetched_at = fetched
    engine_stats = _through_step_pipelines(in_engine)
    engine_log = [record.getMessage() for record in caplog.records]
    caplog.clear()

    # Through a pickle, as it comes back over the worker's pipe.
    in_worker = pickle.loads(pickle.dumps(prepare_page(site.name, form, fetched, steps)))
    # Normalised in the worker already: the pipelines only report what it found.
    assert dataclasses.asdict(in_worker) == dataclasses.asdict(in_engine)
    in_worker.fetched_at = fetched
    worker_stats = _through_step_pipelines(in_worker)

    assert dataclasses.asdict(in_worker) == dataclasses.asdict(in_engine)
    assert worker_stats == engine_stats
    assert [record.getMessage() for record in caplog.records] == engine_log
    assert vars(in_worker).keys() == vars(in_engine).keys()  # the steps' marks are gone


def test_the_unparsable_date_case_is_one():
    from scrapy.http import HtmlResponse

    from newscrawl.spiders.extraction import parse_page
    from newscrawl.spiders.selector import page_form

    site, page, meta = _unparsable_date_case()
    response = HtmlResponse(meta["url"], body=page.encode(), encoding="utf-8")
    article = parse_page(site.name, response.text, response.url, *page_form(response))
    article.fetched_at = meta.get("fetched_at")
    assert _through_step_pipelines(article).get("newscrawl/dates/unparsed", 0) >= 1


@pytest.mark.parametrize(
    ("change", "steps"),
    [
        ({}, ("text", "dates", "attributions")),
        # Another pipeline between two steps may read or change the item: the steps after it
        # run in the engine.
        ({"tests.support.pipelines.Recorder": 150}, ("text",)),
        ({"tests.support.pipelines.Recorder": 50}, ()),
        ({"newscrawl.pipelines.TextCleanupPipeline": None}, ("dates", "attributions")),
        # A subclass may do another job under the same step name.
        (
            {
                "newscrawl.pipelines.TextCleanupPipeline": None,
                "tests.support.pipelines.OwnTextCleanup": 100,
            },
            (),
        ),
        ({"newscrawl.pipelines.DatesPipeline": 350}, ("text", "attributions", "dates")),
    ],
)
def test_the_worker_runs_only_the_steps_the_pipelines_run_first(change, steps):
    from scrapy.settings import Settings

    from newscrawl import settings as project
    from newscrawl.pipelines import leading_steps

    settings = Settings({"ITEM_PIPELINES": {**project.ITEM_PIPELINES, **change}})
    assert leading_steps(settings) == steps


def test_the_pool_holds_a_few_pages_per_worker_and_the_rest_wait_as_responses():
    """Unbounded, a lagging worker let the engine pile up decoded pages and their pickles."""
    import asyncio

    from newscrawl.spiders import extraction

    crawler = _Crawler()
    pool = extraction.ExtractionPool("boursorama", 1, crawler)
    most_owed = 0

    async def crawl():
        nonlocal most_owed

        async def watch():
            nonlocal most_owed
            while True:
                owed = [len(worker.owed) for worker in pool._workers]
                most_owed = max([most_owed, *owed])
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        articles = await asyncio.gather(*(pool.parse_article(_response()) for _ in range(40)))
        watcher.cancel()
        await pool.close()
        return articles

    articles = asyncio.run(crawl())
    assert articles == [_in_engine("boursorama")] * 40
    assert crawler.stats.values[extraction.IN_WORKER_STAT] == 40
    assert 1 <= most_owed <= extraction.PAGES_IN_FLIGHT_PER_WORKER < 40


def _settings(**values):
    from scrapy.settings import Settings

    from newscrawl import settings as project

    settings = Settings()
    settings.setmodule(project, priority="project")
    settings.setdict(values, priority="cmdline")
    return settings


@pytest.mark.parametrize(
    ("values", "cpus", "workers"),
    [
        ({}, 2, 1),  # the default is auto: a live crawl with a second CPU gets a worker
        ({}, 8, 1),  # one: a second worker would take the engine's CPU
        ({}, 1, 0),  # one CPU: the worker would only take turns with the engine
        ({"NEWSCRAWL_REPLAY": "data/sample"}, 2, 0),  # a replay keeps the archive's order
        ({"NEWSCRAWL_EXTRACTION_WORKERS": " Auto "}, 2, 1),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "0"}, 2, 0),
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "3"}, 1, 3),  # asked for: given
        ({"NEWSCRAWL_EXTRACTION_WORKERS": "2", "NEWSCRAWL_REPLAY": "data/sample"}, 2, 2),
    ],
)
def test_auto_starts_one_worker_for_a_live_crawl_with_a_cpu_to_spare(
    monkeypatch, values, cpus, workers
):
    monkeypatch.setattr(extraction, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(extraction, "asyncio_loop", lambda settings: True)
    assert extraction.workers_for(_settings(**values)) == workers


def test_a_blank_replay_setting_is_a_live_crawl_for_every_component(monkeypatch):
    from newscrawl.archive.replay import replay_paths

    monkeypatch.setattr(extraction, "usable_cpus", lambda: 2)
    monkeypatch.setattr(extraction, "asyncio_loop", lambda settings: True)
    settings = _settings(NEWSCRAWL_REPLAY=" ")
    assert replay_paths(settings) == []
    assert extraction.workers_for(settings) == 1


def test_without_the_asyncio_reactor_auto_starts_none_and_a_number_is_refused(monkeypatch):
    from newscrawl.config import ConfigError

    monkeypatch.setattr(extraction, "usable_cpus", lambda: 2)
    monkeypatch.setattr(extraction, "asyncio_loop", lambda settings: False)
    assert extraction.workers_for(_settings()) == 0
    assert extraction.workers_for(_settings(NEWSCRAWL_EXTRACTION_WORKERS="0")) == 0
    with pytest.raises(ConfigError, match="need the asyncio reactor"):
        extraction.workers_for(_settings(NEWSCRAWL_EXTRACTION_WORKERS="1"))


EPOLL = {"TWISTED_REACTOR": EPOLL_REACTOR}


def test_a_default_crawl_on_another_reactor_parses_in_the_engine(site_server, tmp_path):
    crawls = Crawls(tmp_path, listing_urls(site_server))
    run = crawls.run(settings=EPOLL)
    assert run.returncode == 0, run.tail
    assert {item["article_id"] for item in run.items} == site_server.expectations.crawled_ids
    assert "parsed_in_worker" not in run.log
    refused = crawls.run(settings={**EPOLL, **POOL})
    assert refused.returncode == 2, refused.tail
    assert "need the asyncio reactor" in refused.stderr + refused.log


def test_usable_cpus_are_the_ones_this_process_may_run_on():
    assert extraction.usable_cpus() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("reactor", "expected"),
    [
        ("twisted.internet.asyncioreactor.AsyncioSelectorReactor", "workers 1"),
        (EPOLL_REACTOR, "need the asyncio reactor"),
    ],
)
def test_a_script_s_crawler_process_gets_what_its_reactor_allows(
    reactor, expected, site_server, tmp_path
):
    # A CrawlerProcess in a script builds the spider before it installs the reactor: the
    # one its settings name decides. One worker asked for, whatever the CPUs: given on
    # asyncio's reactor, refused on another.
    script = (
        "import json, sys\n"
        "from scrapy.crawler import CrawlerProcess\n"
        "from scrapy.utils.project import get_project_settings\n"
        "settings = get_project_settings()\n"
        "settings.setdict(json.loads(sys.argv[1]), priority='cmdline')\n"
        "process = CrawlerProcess(settings)\n"
        "crawler = process.create_crawler('boursorama')\n"
        "process.crawl(crawler, start_urls=sys.argv[2])\n"
        "pool = crawler.spider.extraction\n"
        "print('workers', 0 if pool is None else pool.size)\n"
    )
    settings = {
        "TWISTED_REACTOR": reactor,
        **POOL,
        "NEWSCRAWL_STORE": "",
        "NEWSCRAWL_FEEDS_DIR": str(tmp_path / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(tmp_path / "state"),
        "LOG_LEVEL": "ERROR",
    }
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(settings), listing_urls(site_server)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert expected in done.stdout + done.stderr, done.stderr[-2000:]


def test_a_default_live_crawl_parses_in_a_worker_on_two_cpus(site_server, tmp_path):
    run = Crawls(tmp_path, listing_urls(site_server)).run()
    assert run.returncode == 0, run.tail
    assert sorted(item["article_id"] for item in run.items) == sorted(
        site_server.expectations.crawled_ids
    )
    parsed = re.search(r"'newscrawl/extraction/parsed_in_worker': (\d+)", run.log)
    if extraction.usable_cpus() >= 2:
        assert parsed and int(parsed.group(1)) >= len(run.items)
    else:
        assert parsed is None


@pytest.mark.parametrize("value", [1.5, 0.5, "1.0", "", True])
def test_a_number_of_workers_that_is_not_whole_is_refused(value):
    from newscrawl.config import ConfigError

    with pytest.raises(ConfigError, match="auto or a whole number"):
        extraction.workers_for(_settings(NEWSCRAWL_EXTRACTION_WORKERS=value))
