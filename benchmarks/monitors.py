"""What the monitors and the report add to a run of the bundled sample (30 records).

    python -m benchmarks.monitors [--repeat 5] [--crawls 0]

Crawls the bundled sample once (replayed, no network) in a subprocess, then times on its
real items and stats, ``--repeat`` times each: the records tally (JSON Schema validation
included), the monitor suite, and writing report.html + report.json. Prints the median of
each in milliseconds, CPU time (``time.process_time``: the cores are shared). The first
report render also compiles the templates; it is timed apart.

``--crawls N`` also runs ``scrapy crawl`` of the bundled sample N times with the monitors
on and N times off, alternating, and prints the median wall and CPU time of each (the
whole process: start-up, imports of spidermon/jsonschema/jinja2/pygal, crawl, report).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newscrawl.monitors import RecordsTally, report_data, run_monitors, write_report
from tests.monitors.support import ROOT, crawl_bundled_sample


def _timed(action) -> tuple[float, object]:
    started = time.process_time()
    value = action()
    return (time.process_time() - started) * 1000, value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--crawls", type=int, default=0)
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

    if options.crawls:
        end_to_end(options.crawls)


def _crawl_once(workdir: Path, monitors: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one ``scrapy crawl`` of the bundled sample."""
    workdir.mkdir(parents=True)
    command = [sys.executable, "-m", "scrapy", "crawl", "boursorama"]
    for name, value in {
        "NEWSCRAWL_REPLAY": str(ROOT / "data" / "sample"),
        "NEWSCRAWL_INCREMENTAL": "False",
        "NEWSCRAWL_FEEDS_DIR": str(workdir / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(workdir / "state"),
        "NEWSCRAWL_MONITORS": str(monitors),
        "LOG_FILE": str(workdir / "log.txt"),
    }.items():
        command += ["-s", f"{name}={value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def end_to_end(crawls: int) -> None:
    times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as workdir:
        for n in range(crawls):
            for monitors in (n % 2 == 0, n % 2 != 0):
                times[monitors].append(_crawl_once(Path(workdir) / f"{n}-{monitors}", monitors))
    for monitors, runs in times.items():
        wall = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[1] for run in runs)
        label = "monitors on " if monitors else "monitors off"
        print(f"scrapy crawl, {label}: {wall * 1000:6.0f} ms wall, {cpu * 1000:6.0f} ms CPU")


if __name__ == "__main__":
    main()
