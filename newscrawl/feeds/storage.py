"""A local-file feed storage that never shows an incomplete file under the feed's name.

Items go to ``<name>.part`` in the feed's own folder (a rename cannot cross file systems,
and a reader can follow the growing file). ``store()`` flushes, fsyncs and renames it onto
the final name, then fsyncs the folder so the rename itself survives a power cut. A run
killed at any point leaves the previous complete file (or none) under the final name, and
at most a ``.part`` file beside it.

Scrapy's ``-o`` means "append": the existing file is copied into the ``.part`` first, so an
append is as atomic as an overwrite. (JSON arrays cannot be appended to; ``newscrawl.feeds.addon``
refuses that before the crawl starts.)
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path
from typing import IO, Any

from newscrawl.feeds.uri import local_path

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


def _fsync_dir(folder: Path) -> None:
    # Not every platform can open a directory (Windows cannot); the rename still happened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class AtomicFileFeedStorage:
    """Drop-in for Scrapy's ``FileFeedStorage`` (``file://`` URIs and plain paths)."""

    def __init__(self, uri: str, *, feed_options: dict[str, Any] | None = None):
        self.path = Path(local_path(uri))
        self.temp_path = part_path(self.path)
        self.append = not (feed_options or {}).get("overwrite", False)

    def open(self, spider: Any) -> IO[bytes]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.append and self.path.is_file() and self.path.stat().st_size:
            shutil.copyfile(self.path, self.temp_path)
            with self.temp_path.open("rb+") as copy:
                copy.seek(-1, os.SEEK_END)
                # A line-based file that lost its last newline would glue our first row on.
                if copy.read(1) != b"\n":
                    copy.write(b"\n")
            return self.temp_path.open("ab")
        return self.temp_path.open("wb")

    def store(self, file: IO[bytes]) -> None:
        if not file.closed:
            file.flush()
            os.fsync(file.fileno())
            file.close()
        else:
            # Post-processing plugins (gzip ...) close the file themselves.
            with self.temp_path.open("rb") as done:
                os.fsync(done.fileno())
        os.replace(self.temp_path, self.path)
        _fsync_dir(self.path.parent)
