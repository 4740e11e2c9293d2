"""A local-file feed storage that never shows an incomplete file under the feed's name.

Items go to ``<name>.part`` in the feed's own folder (a rename cannot cross file systems,
and a reader can follow the growing file). ``store()`` checks that the feed holds every
record the crawl scraped for it (``rowcheck``), flushes, fsyncs and renames it onto the
final name, then fsyncs the folder so the rename itself survives a power cut. A feed that
missed a record, or could not be flushed (a full disk), keeps its ``.part`` name and the
store fails, which fails the run. A run killed at any point leaves the previous complete
file (or none) under the final name, and at most a ``.part`` file beside it. The default
feeds are written inside the run's hidden folder, published as a whole (``publish``).

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

from newscrawl.feeds.publish import fsync_dir
from newscrawl.feeds.uri import local_path

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"


class IncompleteFeed(Exception):
    """The feed misses records the crawl scraped: it must not get its final name."""


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART_SUFFIX)


class AtomicFileFeedStorage:
    """Drop-in for Scrapy's ``FileFeedStorage`` (``file://`` URIs and plain paths)."""

    def __init__(
        self,
        uri: str,
        *,
        feed_options: dict[str, Any] | None = None,
        rows=None,
        before_final_name=None,
        temp_path: Path | None = None,
    ):
        self.path = Path(local_path(uri))
        self.temp_path = temp_path or part_path(self.path)
        self.append = not (feed_options or {}).get("overwrite", False)
        self.rows = rows
        """The run's ``rowcheck.RowCheck``; None outside a crawl (the merge command)."""
        self.before_final_name = before_final_name
        """Called before the rename (the crawl state's flush); if it raises, no rename."""

    @classmethod
    def from_crawler(cls, crawler: Any, uri: str, *, feed_options: dict[str, Any] | None = None):
        from newscrawl.feeds.addon import FeedsAddon

        addon = crawler.get_addon(FeedsAddon)
        if addon is None:
            return cls(uri, feed_options=feed_options)
        return cls(
            uri,
            feed_options=feed_options,
            rows=addon.rows,
            before_final_name=addon.before_final_names,
        )

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
        problem = self.rows.check_storage(self) if self.rows is not None else None
        if problem is None and self.before_final_name is not None:
            try:
                self.before_final_name()
            except Exception as exc:
                problem = f"the crawl state could not record its articles ({exc})"
        if problem is not None:
            with contextlib.suppress(OSError):  # a full disk fails the flush of close() too
                file.close()
            raise IncompleteFeed(f"{problem}; it stays as {self.temp_path}")
        if not file.closed:
            file.flush()
            os.fsync(file.fileno())
            file.close()
        else:
            # Post-processing plugins (gzip ...) close the file themselves.
            with self.temp_path.open("rb") as done:
                os.fsync(done.fileno())
        os.replace(self.temp_path, self.path)
        fsync_dir(self.path.parent)
