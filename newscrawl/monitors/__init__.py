"""Know when a crawl goes wrong: record validation, end-of-run monitors, alerts, reports.

In a crawl, ``extension.MonitorsExtension`` (in ``EXTENSIONS``) does all of it: each record
written is validated and tallied, and at the end of the run (``newscrawl.incremental.runend``)
the monitors run, notify on failure, give the summary line and exit code their verdict and
write the report. The same pieces, for a test or a script:

- ``RecordsTally().add(record_dict)`` for each record written (returns its schema errors,
  to count as ``newscrawl/validation/<field>/<kind>``);
- ``run_monitors(stats, tally, history, config=MonitorConfig.from_settings(settings),
  failed_actions=notification_actions(settings), context={...})`` -> ``MonitorsResult``
  (``.exit_code`` is ``EXIT_MONITORS_FAILED`` = 3 on failure, ``.summary_fragment()``);
- ``write_report(run_folder, report_data(run, stats, tally, result, slowest))`` and
  ``write_index(feeds_root)`` (the ``newscrawl report`` command: ``command``).
"""

from newscrawl.monitors.checks import Check, MonitorConfig, PastRun, RunFigures, run_figures
from newscrawl.monitors.notify import EmailAction, WebhookAction, notification_actions
from newscrawl.monitors.records import COVERAGE_FIELDS, RecordsTally
from newscrawl.monitors.report import (
    SlowestPages,
    render_report,
    report_data,
    write_index,
    write_report,
)
from newscrawl.monitors.schema import FieldError, article_schema, validate_record
from newscrawl.monitors.suite import EXIT_MONITORS_FAILED, MonitorsResult, run_monitors

__all__ = [
    "COVERAGE_FIELDS",
    "EXIT_MONITORS_FAILED",
    "Check",
    "EmailAction",
    "FieldError",
    "MonitorConfig",
    "MonitorsResult",
    "PastRun",
    "RecordsTally",
    "RunFigures",
    "SlowestPages",
    "WebhookAction",
    "article_schema",
    "notification_actions",
    "render_report",
    "report_data",
    "run_figures",
    "run_monitors",
    "validate_record",
    "write_index",
    "write_report",
]
