"""``scrapy crawl`` with newscrawl's exit codes.

Scrapy's own ``crawl`` exits 0 whenever the spider started, even if every page failed or a
feed could not be written; cron, systemd and CI need a non-zero code to alert. Exit codes
(``newscrawl.incremental.outcome``): 0 ok or stopped on request, 1 failed, 2 bad command line, 3
the monitors failed (``newscrawl.monitors``; 1 wins), 75 another run holds the state folder's
lock.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from newscrawl.config import ConfigError, check_values
from newscrawl.incremental import outcome
from newscrawl.incremental.runlock import RunLocked

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: Any) -> None:
        super().process_options(args, opts)
        # Before Scrapy builds the crawler process, which reads LOG_LEVEL and starts the
        # DNS resolver (NEWSCRAWL_SSRF_GUARD): a bad value there was a traceback.
        try:
            check_values(self.settings)
        except ConfigError as exc:
            print(f"newscrawl: {exc}", file=sys.stderr)
            sys.exit(outcome.EXIT_USAGE)

    def short_desc(self) -> str:
        return "Run a spider; exit 1 failed, 2 bad input, 3 monitors failed, 75 another run is on"

    def run(self, args: list[str], opts: Any) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        refused: list[Exception] = []

        # Arguments and settings are checked (newscrawl.config) and the lock is taken while
        # the crawler starts; a refusal is one line, not the traceback of an unretrieved
        # task (or unhandled Deferred on the Twisted runner).
        def trap_lock_failure(failure):
            if failure.check(RunLocked, ConfigError):
                refused.append(failure.value)
                return None
            return failure

        def trap_lock_task(task):
            if not task.cancelled() and isinstance(task.exception(), RunLocked | ConfigError):
                refused.append(task.exception())
            elif not task.cancelled() and task.exception() is not None:
                logger.error("The crawl could not start", exc_info=task.exception())

        started = self.crawler_process.crawl(crawler, **opts.spargs)
        if isinstance(started, Deferred):
            started.addErrback(trap_lock_failure)
        else:
            started.add_done_callback(trap_lock_task)
        self.crawler_process.start()
        if refused:
            if self.settings.get("LOG_FILE"):  # else the log is stderr: one line there
                logger.error("%s", refused[0])
            print(f"newscrawl: {refused[0]}", file=sys.stderr)
            bad_input = isinstance(refused[0], ConfigError)
            self.exitcode = outcome.EXIT_USAGE if bad_input else outcome.EXIT_LOCKED
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = outcome.EXIT_FAILED
        else:
            code = crawler.stats.get_value("newscrawl/run/exit_code")
            if code is None:  # a spider without the run extension: judge from its stats
                code = outcome.assess(crawler.stats.get_stats()).exit_code
            self.exitcode = code
