"""``newscrawl report``: index.html across the runs' reports under a feeds folder.

For the ``newscrawl`` console script: ``add_parser(subparsers)`` declares the command and
``run(args, settings)`` runs it. On its own: ``python -m newscrawl.monitors.command report
[FEEDS_DIR]``. Exit codes: 0 written, 2 bad command line or a folder that cannot be read
or written (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from newscrawl.defaults import project_settings
from newscrawl.monitors.report import REPORT_JSON, write_index

EXIT_OK = 0
EXIT_USAGE = 2
HELP = "write index.html linking every run report under the feeds folder"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("report", help=HELP, description=HELP)
    parser.add_argument(
        "feeds_dir",
        nargs="?",
        help="the feeds folder (default: NEWSCRAWL_FEEDS_DIR); index.html is written there",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, settings: Any) -> int:
    root = Path(
        args.feeds_dir
        or project_settings(settings).get("NEWSCRAWL_FEEDS_DIR", empty_is_default=True)
    )
    if not root.is_dir():
        return _usage(f"{root} is not a folder (give the feeds folder, e.g. data/feeds)")
    try:
        index = write_index(root)
    except OSError as error:
        return _usage(f"cannot write the index in {root}: {error.strerror or error}")
    reports = sum(1 for _ in root.rglob(REPORT_JSON))
    print(f"{index} ({reports} run reports)")
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"newscrawl report: {message}", file=sys.stderr)
    return EXIT_USAGE


class _OneLineParser(argparse.ArgumentParser):
    """A bad command line is one line on stderr and exit 2, not the usage text."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    from scrapy.utils.project import get_project_settings

    parser = _OneLineParser(prog="newscrawl")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.run(args, get_project_settings())


if __name__ == "__main__":
    sys.exit(main())
