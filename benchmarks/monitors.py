"""What the monitors and the report add to a run of the bundled sample (30 records).

    python -m benchmarks.monitors [--repeat 5]

Crawls the bundled sample once (replayed, no network) in a subprocess, then times on its
real items and stats, ``--repeat`` times each: the records tally (JSON Schema validation
included), the monitor suite, and writing report.html + report.json. Prints the median of
each in milliseconds, CPU time (``time.process_time``: the cores are shared). The first
report render also compiles the templates; it is timed apart.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from newscrawl.monitors import RecordsTally, report_data, run_monitors, write_report
from tests.monitors.support import crawl_bundled_sample


def _timed(action) -> tuple[float, object]:
    started = time.process_time()
    value = action()
    return (time.process_time() - started) * 1000, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        crawl = crawl_bundled_sample(Path(workdir))
        items, stats = crawl["items"], crawl["stats"]

        def tally_all() -> RecordsTally:
            tally = RecordsTally()
            for record in items:
                tally.add(record)
            return tally

        def report(tally, result):
            run = {"run_id": "bench", "status": "ok", "new": len(items)}
            return write_report(Path(workdir) / "run", report_data(run, stats, tally, result))

        tally = tally_all()
        result = run_monitors(stats, tally)
        first, _ = _timed(lambda: report(tally, result))
        times = {"tally": [], "monitors": [], "report": []}
        for _ in range(options.repeat):
            spent, tally = _timed(tally_all)
            times["tally"].append(spent)
            spent, result = _timed(lambda tally=tally: run_monitors(stats, tally))
            times["monitors"].append(spent)
            spent, _ = _timed(lambda tally=tally, result=result: report(tally, result))
            times["report"].append(spent)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"records: {len(items)} (crawl itself: {stats['elapsed_time_seconds'] * 1000:.0f} ms)")
    for name, value in medians.items():
        print(f"{name:>9}: {value:7.1f} ms")
    print(
        f"    total: {sum(medians.values()):7.1f} ms  (first report, templates compiled: "
        f"{first:.1f} ms)"
    )


if __name__ == "__main__":
    main()
