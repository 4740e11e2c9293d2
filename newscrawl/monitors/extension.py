"""The monitors in a crawl: every record validated as it is written, the run judged at its end.

During the run: each record written (``item_scraped``) is validated against the JSON Schema
and tallied (``RecordsTally``); an invalid one is still written, its errors counted as
``newscrawl/validation/<field>/<kind>``. Each response's ``download_latency`` feeds the
slowest pages.

At the end (``newscrawl.incremental.runend``: feeds published, state committed): the
monitors run against the stats, the tally and the history of the state; on failure the
notifications fire and the verdict (``monitors_failed=...``, exit code 3) goes on the
summary line. After the line, report.html and report.json go into the run's default feed
folder.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl.defaults import project_settings
from newscrawl.feeds.addon import FeedsAddon
from newscrawl.incremental import runend
from newscrawl.incremental.runend import RunEnd, Verdict
from newscrawl.items import Article
from newscrawl.monitors.checks import MonitorConfig, PastRun
from newscrawl.monitors.notify import notification_actions
from newscrawl.monitors.records import RecordsTally
from newscrawl.monitors.report import REPORT_HTML, SlowestPages, report_data, write_report
from newscrawl.monitors.suite import MonitorsResult, run_monitors
from newscrawl.normalize.clock import utc_iso, utc_now
from newscrawl.plain import shared_plain

logger = logging.getLogger("newscrawl.monitors")


class MonitorsExtension:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.config = MonitorConfig.from_settings(crawler.settings)
        self.tally = RecordsTally()
        self.slowest = SlowestPages()
        self.result: MonitorsResult | None = None
        self.report: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> MonitorsExtension:
        if not project_settings(crawler.settings).getbool("NEWSCRAWL_MONITORS"):
            raise NotConfigured("NEWSCRAWL_MONITORS is off")
        ext = cls(crawler)
        connect = crawler.signals.connect
        connect(ext.item_scraped, signal=signals.item_scraped)
        connect(ext.response_received, signal=signals.response_received)
        connect(ext.run_judged, signal=runend.run_judged)
        connect(ext.run_summarised, signal=runend.run_summarised)
        return ext

    # --- during the run ------------------------------------------------------------------

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Article):
            return
        errors = self.tally.add(shared_plain(item))
        for error in errors:
            self.stats.inc_value(error.stat)
        if errors:
            names = ", ".join(f"{error.field} ({error.kind})" for error in errors)
            logger.warning("Record %s breaks the schema: %s; written anyway", item.url, names)

    def response_received(self, response: Any, request: Any, spider: Any = None) -> None:
        latency = request.meta.get("download_latency")
        if latency is not None:
            self.slowest.add(response.url, latency)

    # --- the end of the run --------------------------------------------------------------

    def run_judged(self, run: RunEnd) -> Verdict:
        history = []
        if run.store is not None and self.config.history_runs > 0:
            past = run.store.run_history(self.config.history_runs, exclude=run.run_id)
            history = [PastRun(p.items, p.pages, p.run_id) for p in past]
        folder = self._report_folder()
        context = {
            "run_id": run.run_id,
            "spider": getattr(self.crawler.spider, "name", None),
            "report": str(folder / REPORT_HTML) if folder else None,
        }
        self.result = result = run_monitors(
            self.stats.get_stats(),
            self.tally,
            history,
            config=self.config,
            failed_actions=notification_actions(self.crawler.settings),
            context=context,
        )
        for check in result.failed:
            logger.error("Monitor %s failed: %s", check.name, check.message)
        for sent in result.notifications:
            logger.info("Notification %s: %s", sent["action"], sent["status"])
        self.stats.set_value("newscrawl/monitors/failed", len(result.failed))
        return Verdict(result.summary_fragment(), result.exit_code)

    def run_summarised(self, run: RunEnd) -> None:
        try:
            self._write_report(run)
        finally:
            # The tally's only reader after the run is the report: its file of names goes
            # whether a report was written or not.
            self.tally.close()

    def _write_report(self, run: RunEnd) -> None:
        folder = self._report_folder()
        if folder is None or self.result is None:
            return  # feeds of the user's own (-o, FEEDS): no run folder of ours to write in
        stats = self.stats.get_stats()
        facts = {
            "run_id": run.run_id,
            "spider": getattr(self.crawler.spider, "name", None),
            "started": run.started,
            "finished": utc_iso(utc_now()),
            "duration": round(run.duration, 1),
            "status": stats.get("newscrawl/run/status"),
            "exit_code": stats.get("newscrawl/run/exit_code"),
            **run.counts,
            "failed": int(stats.get("newscrawl/failed", 0))
            + int(stats.get("newscrawl/items/failed", 0)),
            "summary": stats.get("newscrawl/run/summary"),
        }
        data = report_data(facts, stats, self.tally, self.result, self.slowest.to_list())
        try:
            self.report = str(write_report(folder, data))
        except OSError as error:
            # The feeds are in place and the exit code says what it must; a report that
            # cannot be written is logged, not a failed run.
            logger.error("Report not written to %s: %s", folder, error)
            return
        self.stats.set_value("newscrawl/monitors/report", self.report)
        logger.info("Report: %s", self.report)

    def _report_folder(self) -> Path | None:
        """The run's default feed folder: published, or, when it could not be, the hidden
        folder that keeps what was written (never a new folder of its own)."""
        addon = self.crawler.get_addon(FeedsAddon)
        run = getattr(addon, "run", None)
        if run is None:
            return None
        folder = run.temp if addon.published is False else run.final
        return folder if folder.is_dir() else None
