"""The ``newscrawl`` command: corpus work next to ``scrapy crawl``.

    newscrawl [--store URL] export --format jsonl|csv|parquet --output PATH [filters]
    newscrawl [--store URL] stats [--json]
    newscrawl [--store URL] reparse ARCHIVE... [--site NAME] [--workers N]
    newscrawl merge OUT_DIR FOLDER_OR_FILE... | --redis-url URL --crawl ID
    newscrawl recover FILE.warc.gz.open...

It reads the project's settings as ``scrapy`` does (``scrapy.cfg``, ``SCRAPY_SETTINGS_MODULE``),
so ``NEWSCRAWL_STORE`` comes from them; ``--store`` overrides it. Exit codes: 0 done, 1 the
store or the work failed (one line on stderr, no traceback), 2 a bad command line.
Subcommands live in ``COMMANDS`` (name -> summary, set-up, run); ``merge`` and ``recover``
are ``python -m newscrawl.distributed.merge`` and ``python -m newscrawl.archive.recover``,
which stay as aliases.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from newscrawl.corpus import CorpusError, CorpusStore
from newscrawl.corpus.engine import StoreURLError, first_line, parse_store_url
from newscrawl.defaults import project_settings as project_settings_of

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that names something unusable (exit 2)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line gives one line (usage stays behind --help)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _bound(end: bool) -> Callable[[str], Any]:
    def parse(value: str):
        from newscrawl.corpus.export import parse_bound

        try:
            return parse_bound(value, end=end)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


# --- subcommands -------------------------------------------------------------------------


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", required=True, choices=("jsonl", "csv", "parquet"))
    parser.add_argument(
        "--output",
        required=True,
        type=Path,
        help="a file (.jsonl, .csv, .parquet) or a folder of tables",
    )
    parser.add_argument("--since", type=_bound(end=False), help="published on or after")
    parser.add_argument("--until", type=_bound(end=True), help="published up to (a day: included)")
    parser.add_argument("--outlet")
    parser.add_argument("--section")
    parser.add_argument(
        "--all-versions",
        action="store_true",
        help="every stored version, not only the latest of each article",
    )


def _export(options: argparse.Namespace, settings: Any) -> int:
    from newscrawl.corpus.export import Selection, export

    output = options.output
    if str(output) == "-" or (output.exists() and not output.is_dir() and not output.is_file()):
        raise UsageError(f"--output {output}: give a file or folder name (not stdout or a device)")
    if options.format == "jsonl" and (output.is_dir() or not output.suffix):
        raise UsageError(f"--output {output}: JSON Lines needs a file name (.jsonl)")
    formats_of = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
    if formats_of.get(output.suffix.lower(), options.format) != options.format:
        # "out.jsonl" with --format csv was made a folder of tables; "tables.2024" is one.
        shapes = "file" if options.format == "jsonl" else "file or a folder (no suffix)"
        raise UsageError(
            f"--output {output}: a {options.format} export is a .{options.format} {shapes}"
        )
    selection = Selection(
        options.all_versions, options.since, options.until, options.outlet, options.section
    )
    with _open_store(options, settings, create=False) as store:
        written = export(store, options.format, options.output, selection, settings)
    files = ", ".join(f"{name} ({rows} rows)" for name, rows in written.items())
    print(f"newscrawl: exported to {options.output}: {files}", file=sys.stderr)
    return EXIT_OK


def _stats_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _stats(options: argparse.Namespace, settings: Any) -> int:
    from newscrawl.corpus.stats import corpus_stats, format_stats

    with _open_store(options, settings, create=False) as store:
        stats = corpus_stats(store)
    print(json.dumps(stats, ensure_ascii=False) if options.json else format_stats(stats))
    return EXIT_OK


def _reparse_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "archives", nargs="+", metavar="ARCHIVE", help="WARC files, or folders of *.warc.gz"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: one per core)"
    )
    parser.add_argument(
        "--site",
        help="the registered site whose parser reads every response (default: by URL host, "
        "else the first site that takes the URL as an article)",
    )


def _reparse(options: argparse.Namespace, settings: Any) -> int:
    from newscrawl.corpus.reparse import reparse

    if options.workers is not None and options.workers < 1:
        raise UsageError("--workers must be at least 1")
    for path in options.archives:
        if not Path(path).exists():
            raise UsageError(f"archive not found: {path}")
    if options.site is not None:
        from newscrawl import sites

        try:
            sites.get(options.site)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
    from newscrawl.archive.reader import archive_files

    if not archive_files(options.archives):
        raise UsageError(
            f"no WARC file (*.warc.gz, *.warc) in {', '.join(options.archives)}: nothing to read"
        )
    with _open_store(options, settings, create=True) as store:
        result = reparse(store, options.archives, workers=options.workers, site=options.site)
    print(
        f"newscrawl: reparsed {result.responses} article responses: "
        f"{result.commit.added} new versions, {result.failed} failed, "
        f"{len(result.damaged)} damaged file(s)",
        file=sys.stderr,
    )
    return EXIT_FAILED if result.failed or result.damaged else EXIT_OK


def _merge_arguments(parser: argparse.ArgumentParser) -> None:
    from newscrawl.distributed.merge import add_arguments

    add_arguments(parser)
    parser.set_defaults(parser=parser)


def _merge(options: argparse.Namespace, settings: Any) -> int:
    from newscrawl.distributed.merge import run

    return run(options, options.parser)


def _recover_arguments(parser: argparse.ArgumentParser) -> None:
    from newscrawl.archive.recover import add_arguments

    add_arguments(parser)


def _recover(options: argparse.Namespace, settings: Any) -> int:
    from newscrawl.archive.recover import run

    return run(options, prog="newscrawl recover")


# name -> (summary, add_arguments(parser), run(options, settings) -> exit code), or the
# dotted name of a module with add_parser(subparsers) (which adds the subcommand "name")
# and run(options, settings) -> exit code.
COMMANDS: dict[str, tuple[str, Callable, Callable] | str] = {
    "export": ("write the corpus as JSON Lines, CSV tables or Parquet", _export_arguments, _export),
    "stats": ("articles, versions, comments per outlet and month; runs", _stats_arguments, _stats),
    "reparse": (
        "re-extract archived article responses into the store",
        _reparse_arguments,
        _reparse,
    ),
    "merge": (
        "merge the feeds of a distributed crawl's workers into one set of feeds",
        _merge_arguments,
        _merge,
    ),
    "recover": (
        "finish the *.warc.gz.open file of a killed capture",
        _recover_arguments,
        _recover,
    ),
    # A command module with add_parser(subparsers) and run(args, settings).
    "report": "newscrawl.monitors.command",
}


# --- plumbing ----------------------------------------------------------------------------


def store_url(options: argparse.Namespace, settings: Any) -> str:
    if options.store is not None:
        return options.store
    return project_settings_of(settings).get("NEWSCRAWL_STORE")


def _open_store(options: argparse.Namespace, settings: Any, *, create: bool) -> CorpusStore:
    """The store of ``--store`` (else NEWSCRAWL_STORE); ``create`` for the commands that
    write it, the others refuse a store that does not exist."""
    url = store_url(options, settings)
    if not url:
        raise CorpusError("the corpus store is off (NEWSCRAWL_STORE is empty): give --store URL")
    try:
        parse_store_url(url)
    except StoreURLError as exc:
        raise UsageError(f"--store: {exc}" if options.store is not None else str(exc)) from None
    # A reader settles no dead run: that is a write, and would wait for a commit.
    return CorpusStore.open(url, create=create, discard_stale=create)


def project_settings():
    """The project's settings as ``scrapy`` finds them; newscrawl's own outside a project.

    Outside a folder with ``scrapy.cfg`` Scrapy would fall back to its bare defaults, and an
    export would then not be written with the feeds' options (UTF-8 JSON among them).
    """
    from scrapy.utils.conf import init_env
    from scrapy.utils.project import ENVVAR, get_project_settings

    init_env()
    os.environ.setdefault(ENVVAR, "newscrawl.settings")
    return get_project_settings()


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="newscrawl", description="Work with the newscrawl corpus.")
    parser.add_argument(
        "--store", metavar="URL", help="database URL (default: the NEWSCRAWL_STORE setting)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, entry in COMMANDS.items():
        if isinstance(entry, str):
            importlib.import_module(entry).add_parser(commands)
        else:
            summary, add_arguments, _run = entry
            add_arguments(commands.add_parser(name, help=summary, description=summary))
    return parser


def _runner(name: str) -> Callable:
    entry = COMMANDS[name]
    return importlib.import_module(entry).run if isinstance(entry, str) else entry[2]


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="newscrawl: %(message)s")
    try:
        settings = project_settings()
    except ImportError as exc:  # SCRAPY_SETTINGS_MODULE or scrapy.cfg names a missing module
        print(f"newscrawl: error: cannot load the project's settings ({exc})", file=sys.stderr)
        return EXIT_USAGE
    run = _runner(options.command)
    try:
        return run(options, settings)
    except UsageError as exc:
        print(f"newscrawl {options.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (CorpusError, OSError, ValueError, SQLAlchemyError) as exc:
        text = first_line(exc) if isinstance(exc, SQLAlchemyError) else str(exc)
        message = " ".join(text.split()) or type(exc).__name__
        print(f"newscrawl {options.command}: error: {message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"newscrawl {options.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
