"""The crawl report: report.html (+ report.json) in a run's folder, and an index of runs.

The report is built from plain data (``report_data``), so the end of a run, a test or a
later ``newscrawl report`` command feed it the same way. The HTML is one self-contained
file: styles inline, charts as inline SVG (``newscrawl.monitors.charts``), no script, no
link out of the file besides the article URLs; a Content-Security-Policy forbids any
fetch, so it opens the same from a laptop on a train. Every text from the web is escaped
by Jinja2's autoescape.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from newscrawl.monitors.charts import bar_chart
from newscrawl.monitors.checks import failed_reasons
from newscrawl.monitors.records import COVERAGE_FIELDS, RecordsTally
from newscrawl.monitors.suite import MonitorsResult

REPORT_HTML = "report.html"
REPORT_JSON = "report.json"
INDEX_HTML = "index.html"
TOP = 10

_env = Environment(
    loader=PackageLoader("newscrawl.monitors", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _web_href(url: object) -> str:
    """Only http(s) links: a ``javascript:`` URL from a page is shown, never made a link."""
    text = str(url or "")
    return text if text.lower().startswith(("http://", "https://")) else "#"


_env.filters["web_href"] = _web_href


class SlowestPages:
    """The ``size`` slowest downloads of a run (Scrapy's ``download_latency``), in O(size)."""

    def __init__(self, size: int = TOP):
        self.size = size
        self._heap: list[tuple[float, str]] = []

    def add(self, url: str, seconds: float) -> None:
        entry = (float(seconds), url)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    def to_list(self) -> list[dict[str, Any]]:
        ordered = sorted(self._heap, reverse=True)
        return [{"url": url, "seconds": round(seconds, 3)} for seconds, url in ordered]


def report_data(
    run: Mapping[str, Any],
    stats: Mapping[str, Any],
    tally: RecordsTally,
    monitors: MonitorsResult,
    slowest_pages: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data (written as report.json).

    ``run``: run_id, spider, started, finished, duration (s), status, exit_code, new,
    changed, unchanged, failed and summary (the one-line summary), as the run knows them.
    """
    return {
        "run": {key: _plain(value) for key, value in run.items()},
        "monitors": monitors.to_dict(),
        "records": tally.to_dict(),
        "failed_by_reason": failed_reasons(stats),
        "pages": {
            "listing": int(stats.get("newscrawl/pages/listing", 0)),
            "article": int(stats.get("newscrawl/pages/article", 0)),
            "responses": int(stats.get("response_received_count", 0)),
            "retries": int(stats.get("retry/count", 0)),
        },
        "slowest_pages": [dict(page) for page in slowest_pages],
    }


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def render_report(data: Mapping[str, Any]) -> str:
    tally = RecordsTally.from_dict(data["records"])
    monitors = MonitorsResult.from_dict(data["monitors"])
    coverage = [
        {
            "field": name,
            "filled": tally.filled[name],
            "share": tally.coverage(name),
            "check": next((c for c in monitors.checks if c.name == f"coverage/{name}"), None),
        }
        for name in COVERAGE_FIELDS
    ]
    try:
        linked = [target._asdict() for target in tally.most_linked(TOP)]
    finally:
        tally.close()
    charts = {
        "outlets": bar_chart(tally.per_outlet, horizontal=True) if tally.per_outlet else None,
        "days": bar_chart(tally.per_day, limit=31) if tally.per_day else None,
    }
    return _env.get_template("report.html.j2").render(
        run=data["run"],
        monitors=monitors,
        tally=tally,
        coverage=coverage,
        failed=sorted(data.get("failed_by_reason", {}).items(), key=lambda kv: -kv[1]),
        pages=data.get("pages", {}),
        slowest=data.get("slowest_pages", []),
        linked=linked,
        charts=charts,
    )


def write_report(folder: str | Path, data: Mapping[str, Any]) -> Path:
    """Write report.html and report.json into the run's folder; returns the HTML path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / REPORT_JSON, json.dumps(data, ensure_ascii=False, indent=1, default=str))
    return _write(folder / REPORT_HTML, render_report(data))


def write_index(root: str | Path) -> Path:
    """index.html in ``root`` linking every run folder below it that holds a report."""
    root = Path(root)
    runs = []
    for summary in sorted(root.rglob(REPORT_JSON)):
        try:
            data = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a report being written or damaged: left out of the index, not fatal
        run = data.get("run", {})
        monitors = data.get("monitors", {})
        runs.append(
            {
                "href": (summary.parent / REPORT_HTML).relative_to(root).as_posix(),
                "run_id": run.get("run_id") or summary.parent.name,
                "finished": run.get("finished") or "",
                "status": run.get("status", "?"),
                "monitors_passed": monitors.get("passed", True),
                "failing": [c["name"] for c in monitors.get("checks", []) if not c["passed"]],
                "records": data.get("records", {}).get("records", 0),
                "new": run.get("new", 0),
                "changed": run.get("changed", 0),
                "failed": run.get("failed", 0),
            }
        )
    runs.sort(key=lambda r: (r["finished"], r["run_id"]), reverse=True)
    return _write(root / INDEX_HTML, _env.get_template("index.html.j2").render(runs=runs))


def _write(path: Path, text: str) -> Path:
    # Readers (a browser, a web server) never see half a file.
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path
