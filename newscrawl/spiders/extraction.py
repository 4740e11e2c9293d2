"""Article pages parsed in worker processes, while the engine's one thread keeps fetching.

``NEWSCRAWL_EXTRACTION_WORKERS = N`` (N > 0) hands each article page's text to one of N
worker processes (``python -m newscrawl.extraction_worker``); the spider's callback awaits
the Article on the asyncio reactor. The default, ``auto``, is one worker for a live crawl on
a machine with two CPUs or more (``workers_for``). The parser is pure (the page's text and
URL in, an Article out: ``newscrawl.sites``), so the record is the one the engine's process
would have made; only the order in which concurrent pages finish, and so the order of the
feeds' rows, may differ.

The worker also runs the normalisation steps (text, dates, attributions) that the crawl's
item pipelines would run first, before any pipeline of the user's
(``newscrawl.pipelines.leading_steps``), with the fetch time the engine gives the record; the
pipelines then log and count the problems it found, as if they had run the steps. Each
worker holds at most ``PAGES_IN_FLIGHT_PER_WORKER`` pages; the others wait as responses.

Pages and Articles travel as length-prefixed pickles over each worker's stdin and stdout,
written and read by the event loop itself. A ``ProcessPoolExecutor`` moves them through two
threads of the engine's process instead (its manager thread and its queue's feeder), which
fight the engine for the GIL: it cost the engine more per page than the parse it saved.

What never happens because of the pool:
- a lost page: the pages a dead worker (killed, out of memory) still owed are parsed in the
  engine's process, a new worker is started for the next ones, and
  ``newscrawl/extraction/worker_restarts`` counts it;
- a page parsed differently: the worker reads the text Scrapy decoded with the document type
  and base URL the engine reads it with (``newscrawl.spiders.selector``: one rule for both);
  a parser error is raised in the callback as it would be without the pool;
- a worker left behind: the pool closes the workers' stdin when the spider closes, and a
  crawl that was killed (SIGKILL: no clean-up runs) closes it by dying, so the worker reads
  the end of its input and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import pickle
import struct
import sys
from collections import deque
from typing import Any

from newscrawl import sites
from newscrawl.items import Article
from newscrawl.normalize.article import prepare
from newscrawl.spiders.selector import page_form, selector_of

logger = logging.getLogger("newscrawl.extraction")

RESTARTS_STAT = "newscrawl/extraction/worker_restarts"
IN_WORKER_STAT = "newscrawl/extraction/parsed_in_worker"
WORKER_MODULE = "newscrawl.extraction_worker"
FRAME = struct.Struct("!Q")  # the byte length of the pickle that follows
# No answer is near this: a longer frame is a worker writing something else on its stdout.
MAX_FRAME = 1 << 30
# The worker's first lines, before any import could print: answers get their own copy of
# stdout and fd 1 becomes stderr; then the crawl's own import path, so that the worker runs
# the code the crawl runs (a scrapyd egg, not a checkout of another version in the folder).
BOOTSTRAP = (
    "import os\n"
    "answers = os.dup(1)\n"
    "os.dup2(2, 1)\n"
    "import importlib, json, sys\n"
    "sys.path[:] = json.loads(sys.argv[1])\n"
    "sys.exit(importlib.import_module(sys.argv[2]).main(sys.argv[3], answers))\n"
)
CLOSE_WAIT_SECONDS = 10
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Pages handed to each worker and not yet answered. One keeps it busy, a few more absorb the
# engine's bursts; the pages behind them wait as their response alone. Unbounded, a worker
# that lagged let Scrapy's scraper queue up to SCRAPER_SLOT_MAX_ACTIVE_SIZE (5 MB) of
# bodies, each with its decoded text and its pickle: a light crawl peaked at 159 MB
# against 125 MB without the pool, and 127 MB with this bound.
PAGES_IN_FLIGHT_PER_WORKER = 4
# Workers that died before answering a single page, one after the other: past this many
# the pool stops starting them (a broken install would otherwise start one per page).
GIVE_UP_AFTER = 3


def workers_for(settings: Any) -> int:
    """How many extraction workers the crawl starts.

    ``auto`` starts one when there is a second CPU for it and the crawl is live. A replay
    parses in the engine: its feeds keep the archive's order row for row (a worker hands
    records back in the order their parses finish), so that replaying an archive twice
    gives the same files. On one CPU a worker only takes turns with the engine. The pool
    awaits asyncio futures: with another Twisted reactor ``auto`` starts none and a number
    is refused.
    """
    # Here, not at the top: the worker imports this module, and the settings' rules would
    # add Scrapy's settings and the feeds to its start-up (0.27 s).
    from newscrawl import config
    from newscrawl.archive.replay import replay_paths

    workers = config.parse_setting(settings, "NEWSCRAWL_EXTRACTION_WORKERS")
    if workers == "auto":
        live = not replay_paths(settings)
        return 1 if live and usable_cpus() >= 2 and asyncio_loop(settings) else 0
    if workers and not asyncio_loop(settings):
        raise config.ConfigError(
            f"-s NEWSCRAWL_EXTRACTION_WORKERS={workers}: extraction workers need the asyncio "
            f"reactor (TWISTED_REACTOR={ASYNCIO_REACTOR}, the default); with "
            f"TWISTED_REACTOR={settings.get('TWISTED_REACTOR')} set 0"
        )
    return workers


def asyncio_loop(settings: Any) -> bool:
    """Whether the crawl runs on asyncio's event loop, which the pool awaits."""
    from scrapy.utils.asyncio import is_asyncio_available

    try:
        return is_asyncio_available()
    except RuntimeError:
        # No reactor yet: a CrawlerProcess in a script installs it when it starts, the
        # one its settings name.
        return settings.get("TWISTED_REACTOR") == ASYNCIO_REACTOR


def usable_cpus() -> int:
    # The CPUs this process may run on (taskset, a container's cpuset), not the machine's;
    # a CPU quota (docker --cpus) does not show here.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def parse_page(site_name: str, text: str, url: str, kind: str | None, base_url: str) -> Article:
    """The site's parser on the page, read as the engine reads it."""
    return sites.get(site_name).parse_article(selector_of(text, kind, base_url), url)


def prepare_page(
    site_name: str, page: tuple, fetched: str | None, steps: tuple[str, ...]
) -> Article:
    """The worker's job: parse the page, then run the normalisation steps the crawl's
    first pipelines would run (``newscrawl.pipelines.leading_steps``), which then only
    report their problems. The steps read the fetch time (dates relative to it), so they
    run only when the engine sent it."""
    article = parse_page(site_name, *page)
    if fetched is not None and steps:
        article.fetched_at = fetched
        prepare(article, steps)
    return article


def frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(payload)) + payload


class WorkerDied(Exception):
    """The worker ended before answering: the page is parsed in the engine instead."""


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.owed: deque[asyncio.Future] = deque()  # answers come back in order
        self.alive = True
        self.answered = 0


class ExtractionPool:
    def __init__(self, site_name: str, workers: int, crawler: Any, steps: tuple[str, ...] = ()):
        self.site_name = site_name
        self.steps = steps
        self.size = workers
        self.crawler = crawler  # its stats exist once the crawl starts, not yet here
        self._workers: list[_Worker] = []
        self._starting: asyncio.Future | None = None
        self._readers: set[asyncio.Task] = set()
        self._closed = False
        self._dead_before_answering = 0
        self._in_flight = asyncio.Semaphore(PAGES_IN_FLIGHT_PER_WORKER * workers)

    async def parse_article(self, response: Any, fetched: str | None = None) -> Article:
        """The page's Article; with ``fetched`` (its fetch time), normalised by the worker
        as far as ``steps`` go."""
        async with self._in_flight:
            return await self._parse(response, fetched)

    async def _parse(self, response: Any, fetched: str | None) -> Article:
        page = (response.text, response.url, *page_form(response))
        worker = await self._worker()
        if worker is None:  # none could be started (logged): the engine parses
            return parse_page(self.site_name, *page)
        answer = asyncio.get_running_loop().create_future()
        worker.owed.append(answer)
        worker.process.stdin.write(frame((page, fetched, self.steps)))
        try:
            ok, value, logs = await answer
        except WorkerDied:
            return parse_page(self.site_name, *page)
        for record in logs:  # as if the engine had parsed the page
            logging.getLogger(record.name).handle(record)
        if not ok:
            raise value
        self.crawler.stats.inc_value(IN_WORKER_STAT)
        return value

    async def _worker(self) -> _Worker | None:
        # Started at the first article page: a crawl that parses none starts no process.
        if len(self._workers) < self.size and not self._closed:
            if self._starting is None:
                self._starting = asyncio.ensure_future(self._start(self.size - len(self._workers)))
            await asyncio.shield(self._starting)
        live = [worker for worker in self._workers if worker.alive]
        return min(live, key=lambda worker: len(worker.owed)) if live else None

    async def _start(self, count: int) -> None:
        try:
            for _ in range(count):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    BOOTSTRAP,
                    json.dumps(sys.path),
                    WORKER_MODULE,
                    self.site_name,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                worker = _Worker(process)
                self._workers.append(worker)
                reader = asyncio.ensure_future(self._read_answers(worker))
                self._readers.add(reader)
                reader.add_done_callback(self._readers.discard)
        except Exception as exc:
            self._closed = True  # no more attempts: every later page is parsed in the engine
            logger.error(
                "Cannot start an extraction worker (%s): pages are parsed in the engine", exc
            )
        finally:
            self._starting = None

    async def _read_answers(self, worker: _Worker) -> None:
        stdout = worker.process.stdout
        try:
            while True:
                header = await stdout.readexactly(FRAME.size)
                (size,) = FRAME.unpack(header)
                if size > MAX_FRAME or not worker.owed:
                    raise ValueError(f"a frame of {size} bytes that answers no page")
                answer = pickle.loads(await stdout.readexactly(size))
                if type(answer) is not tuple or len(answer) != 3:
                    raise ValueError(f"a frame that is not an answer ({type(answer).__name__})")
                owed = worker.owed.popleft()
                worker.answered += 1
                if not owed.done():
                    owed.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker ended
        except Exception as exc:  # anything else on its stdout: the worker cannot be trusted
            logger.error("An extraction worker wrote something else than answers (%s)", exc)
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
        finally:
            with contextlib.suppress(Exception):
                # Its exit status, for the log line below; it has closed its stdout.
                await asyncio.wait_for(worker.process.wait(), 1)
            self._ended(worker)

    def _ended(self, worker: _Worker) -> None:
        worker.alive = False
        self._workers.remove(worker)
        if worker.owed or not self._closed:
            self.crawler.stats.inc_value(RESTARTS_STAT)
            logger.warning(
                "An extraction worker died (exit code %s) with %d pages to parse; they are "
                "parsed in the engine's process and a new worker is started",
                worker.process.returncode,
                len(worker.owed),
            )
            self._dead_before_answering = 0 if worker.answered else self._dead_before_answering + 1
            if self._dead_before_answering >= GIVE_UP_AFTER and not self._closed:
                self._closed = True
                logger.error(
                    "%d extraction workers in a row died before parsing a page (see their "
                    "errors above): the engine parses every page from now on",
                    self._dead_before_answering,
                )
        while worker.owed:
            owed = worker.owed.popleft()
            if not owed.done():
                owed.set_exception(WorkerDied())

    async def close(self) -> None:
        """End the workers: no more input, then wait for them to exit (killed if stuck)."""
        self._closed = True
        if self._starting is not None:
            await asyncio.shield(self._starting)
        workers = list(self._workers)
        for worker in workers:
            worker.process.stdin.close()
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), CLOSE_WAIT_SECONDS)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()
        if self._readers:
            await asyncio.gather(*self._readers, return_exceptions=True)
