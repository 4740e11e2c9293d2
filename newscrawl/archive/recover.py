"""Finish the WARC file of a capture that was killed: ``python -m newscrawl.archive.recover``.

A killed capture leaves ``<name>.warc.gz.open``. This copies its complete records, byte for
byte, to ``<name>.warc.gz`` and leaves out a record cut by the kill, so the result passes
``warcio check``. The ``.open`` file is left in place for the user to delete.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newscrawl.archive.reader import complete_records
from newscrawl.archive.writer import OPEN_SUFFIX


def recover(path: str | Path, dest: str | Path | None = None) -> tuple[Path, int, list[str]]:
    """Write the complete records of ``path`` to ``dest``; returns (dest, records, problems)."""
    path = Path(path)
    if dest is None:
        if not path.name.endswith(OPEN_SUFFIX):
            raise ValueError(f"{path} is not an unfinished capture (*{OPEN_SUFFIX})")
        dest = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    dest = Path(dest)
    problems: list[str] = []
    end = count = 0
    for _record, offset, length in complete_records(path, problems):
        # One gzip member per record, written in order: the good records are a prefix.
        end = offset + length
        count += 1
    with open(path, "rb") as stream:
        kept = stream.read(end)
    with open(dest, "xb") as out:
        out.write(kept)
    return dest, count, problems


def _unusable(path: Path) -> str | None:
    """Why ``path`` cannot be recovered, in the terms of the expected input; None if it can."""
    if not path.name.endswith(OPEN_SUFFIX):
        return f"not an unfinished capture; expected a *.warc.gz{OPEN_SUFFIX} file"
    if not path.is_file():
        return f"no such file; expected a *.warc.gz{OPEN_SUFFIX} file left by a killed crawl"
    target = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if target.exists():
        return f"{target.name} exists already; expected it absent (delete or move it first)"
    return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", help="*.warc.gz.open files left by a killed crawl")


def run(options: argparse.Namespace, prog: str = "newscrawl.archive.recover") -> int:
    # All checked before any is written: a typo in the third name leaves the first two alone.
    for name in options.files:
        problem = _unusable(Path(name))
        if problem:
            print(f"{prog}: {name}: {problem}", file=sys.stderr)
            return 2
    for name in options.files:
        dest, count, problems = recover(name)
        dropped = f"; left out: {problems[0]}" if problems else ""
        print(f"{dest}: {count} complete record(s){dropped}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The old form, ``python -m newscrawl.archive.recover``; ``newscrawl recover`` is new."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
