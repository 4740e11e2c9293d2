"""The end-of-run monitor suite, on spidermon, and its result.

spidermon 1.27 (Zyte's monitoring framework) runs under Scrapy 2.19: its core needs only
jsonschema and python-slugify, and a ``MonitorSuite`` runs from a plain dict of data, with no
crawler, so the same suite runs at the end of a crawl and in a unit test. Each spidermon
monitor here asserts one pure rule of ``newscrawl.monitors.checks`` and keeps its ``Check``
(figure, threshold, message) in the run's data; the notification actions
(``newscrawl.monitors.notify``) are spidermon actions fired by ``monitors_failed_actions``.

What is not taken from spidermon: its stats monitors (they read spidermon's own settings
and stat names, not newscrawl's), its e-mail actions (they need premailer and a running
Twisted reactor through ``scrapy.mail``, and SMTP credentials even for a local relay) and
its Slack action (a Slack-only API; a plain JSON webhook reaches Slack and the rest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.runners import MonitorRunner

from newscrawl.monitors import checks
from newscrawl.monitors.checks import Check, MonitorConfig, MonitorInputs, PastRun
from newscrawl.monitors.records import RecordsTally

# Neither 0 (ok), 1 (failed), 2 (bad command line) nor 75 (locked): schedulers can tell
# "the crawl ran but its output looks wrong" from "the crawl broke".
EXIT_MONITORS_FAILED = 3


class _CheckMonitor(Monitor):
    def verify(self, check: Check) -> None:
        self.data.meta.setdefault("checks", {})[self.name] = check
        self.assertTrue(check.passed, msg=check.message)

    @property
    def inputs(self) -> MonitorInputs:
        return self.data.inputs

    @property
    def config(self) -> MonitorConfig:
        return self.data.config


@monitors.name("coverage")
class CoverageMonitor(_CheckMonitor):
    @monitors.name("title")
    def test_title(self):
        self.verify(checks.coverage(self.inputs, self.config, "title"))

    @monitors.name("body")
    def test_body(self):
        self.verify(checks.coverage(self.inputs, self.config, "body"))

    @monitors.name("published")
    def test_published(self):
        self.verify(checks.coverage(self.inputs, self.config, "published"))

    @monitors.name("outlet")
    def test_outlet(self):
        self.verify(checks.coverage(self.inputs, self.config, "outlet"))

    @monitors.name("lead")
    def test_lead(self):
        self.verify(checks.coverage(self.inputs, self.config, "lead"))

    @monitors.name("comments")
    def test_comments(self):
        self.verify(checks.comments_coverage(self.inputs, self.config))


@monitors.name("quality")
class QualityMonitor(_CheckMonitor):
    @monitors.name("unparsed_dates")
    def test_unparsed_dates(self):
        self.verify(checks.unparsed_dates(self.inputs, self.config))

    @monitors.name("unknown_outlets")
    def test_unknown_outlets(self):
        self.verify(checks.unknown_outlets(self.inputs, self.config))

    @monitors.name("invalid_records")
    def test_invalid_records(self):
        self.verify(checks.invalid_records(self.inputs, self.config))


@monitors.name("pages")
class PagesMonitor(_CheckMonitor):
    @monitors.name("failed")
    def test_failed(self):
        self.verify(checks.failed_pages(self.inputs, self.config))

    @monitors.name("retries")
    def test_retries(self):
        self.verify(checks.retries(self.inputs, self.config))


@monitors.name("run")
class RunMonitor(_CheckMonitor):
    @monitors.name("spider_errors")
    def test_spider_errors(self):
        self.verify(checks.spider_errors(self.inputs, self.config))

    @monitors.name("finish_reason")
    def test_finish_reason(self):
        self.verify(checks.finish_reason(self.inputs, self.config))


@monitors.name("history")
class HistoryMonitor(_CheckMonitor):
    @monitors.name("items")
    def test_items(self):
        self.verify(checks.history(self.inputs, self.config, "items"))

    @monitors.name("pages")
    def test_pages(self):
        self.verify(checks.history(self.inputs, self.config, "pages"))


MONITORS = [CoverageMonitor, QualityMonitor, PagesMonitor, RunMonitor, HistoryMonitor]


@dataclass
class MonitorsResult:
    checks: list[Check] = field(default_factory=list)
    enabled: bool = True
    notifications: list[dict[str, Any]] = field(default_factory=list)
    """One entry per action run: its name and whether it succeeded, was skipped or failed."""

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        """EXIT_MONITORS_FAILED when a monitor failed, else 0 (the crawl's own code wins
        when it is not 0: a broken run is reported as broken first)."""
        return 0 if self.passed else EXIT_MONITORS_FAILED

    def summary_fragment(self) -> str:
        """For the run's one-line summary: ``monitors=ok`` or ``monitors_failed=a,b``."""
        if not self.enabled:
            return "monitors=off"
        if self.passed:
            return "monitors=ok"
        return "monitors_failed=" + ",".join(check.name for check in self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "checks": [check.to_dict() for check in self.checks],
            "notifications": list(self.notifications),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonitorsResult:
        return cls(
            checks=[Check(**check) for check in data.get("checks", [])],
            enabled=bool(data.get("enabled", True)),
            notifications=list(data.get("notifications", [])),
        )


def run_monitors(
    stats: Mapping[str, Any],
    tally: RecordsTally,
    history: Sequence[PastRun] = (),
    *,
    config: MonitorConfig | None = None,
    failed_actions: Sequence[Any] = (),
    context: Mapping[str, Any] | None = None,
) -> MonitorsResult:
    """Evaluate every monitor; ``failed_actions`` (spidermon actions) run only on failure.

    ``history`` holds the committed runs of the same schedule, oldest first, this run
    excluded. ``context`` (run id, report path...) is passed to the actions.
    """
    config = config or MonitorConfig()
    if not config.enabled:
        return MonitorsResult(enabled=False)
    suite = MonitorSuite(
        name="newscrawl", monitors=MONITORS, monitors_failed_actions=list(failed_actions)
    )
    inputs = MonitorInputs(stats=dict(stats), tally=tally, history=list(history))
    # A fresh meta dict each run: spidermon's default one is shared by every run.
    meta: dict[str, Any] = {"checks": {}}
    outcome = MonitorRunner().run(
        suite,
        stats=dict(stats),
        meta=meta,
        inputs=inputs,
        config=config,
        context=dict(context or {}),
    )
    recorded = meta["checks"]
    found: dict[str, Check] = {}
    for monitor_result in outcome.monitor_results:
        name = monitor_result.monitor.name
        check = recorded.get(name)
        if check is None:
            # A rule that raised is a failed monitor, named, not a crash of the crawl.
            error = _last_line(monitor_result.error)
            check = Check(name, False, None, None, f"monitor error: {error}")
        found[name] = check
    order = {name: i for i, name in enumerate(monitor_names())}
    result = MonitorsResult(checks=sorted(found.values(), key=lambda c: order.get(c.name, 99)))
    result.notifications = [
        {"action": action.name, "status": status, "detail": detail}
        for action, status, detail in _action_outcomes(outcome)
    ]
    return result


def monitor_names() -> list[str]:
    """Every monitor's name, in the order the suite declares them (and reports show)."""
    names = []
    for monitor in MONITORS:
        for attribute in vars(monitor).values():
            leaf = getattr(getattr(attribute, "options", None), "name", None)
            if callable(attribute) and leaf:
                names.append(f"{monitor.options.name}/{leaf}")
    return names


def _action_outcomes(outcome: Any):
    for action_result in outcome.monitors_failed_action_results:
        detail = action_result.reason or _last_line(action_result.error) or None
        yield action_result.action, action_result.status, detail


def _last_line(traceback_text: str | None) -> str:
    """The exception line of a formatted traceback (spidermon keeps the whole text)."""
    lines = (traceback_text or "").strip().splitlines()
    return lines[-1] if lines else ""
