"""A run's default feeds appear in one atomic step: the rename of the run's folder.

The run writes into a hidden ``<feeds dir>/<spider>/.<stamp>.part/``. Each feed is completed
there (``<name>.part`` fsynced and renamed to ``<name>``, see ``storage``). Once every feed is
complete the folder is fsynced and renamed to ``<stamp>/``, and its parent fsynced, so that
the rename survives a power cut. A folder under its final name therefore holds every feed
of its run, complete; a run killed at any moment leaves at most the hidden ``.part`` folder.

The crawl state (``newscrawl.incremental.commit``) records the feeds under the final folder:
a killed run is committed by the next one exactly when its folder was published, and
``python -m newscrawl.distributed.merge`` uses the same names to tell the two apart.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PART_DIR_SUFFIX = ".part"


def run_stamp(now: datetime) -> str:
    """The run start as a folder name: UTC, sortable, no ":" (Windows refuses it)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%SZ")


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip(".") or "spider"


def is_unpublished(folder: Path) -> bool:
    """A run folder still being written, or left by a run killed before it published."""
    return folder.name.startswith(".") and folder.name.endswith(PART_DIR_SUFFIX)


def published_folder(folder: Path) -> Path:
    """The name the folder gets (or got) when its run publishes it."""
    if is_unpublished(folder):
        return folder.with_name(folder.name[1 : -len(PART_DIR_SUFFIX)])
    return folder


def unpublished_folder(folder: Path) -> Path:
    return folder if is_unpublished(folder) else folder.with_name(f".{folder.name}.part")


# A file's time and the run's start come from the same machine's clock; the slack covers
# file systems that keep whole seconds.
MTIME_SLACK_SECONDS = 2.0


def feeds_published_since(paths: list[str], started: datetime | str) -> bool:
    """Whether every one of a run's feeds reached its final name after the run began: how a
    killed run is told complete. Existing is not enough: an ``-O out.jsonl`` of an earlier
    run is there already when this one is killed before its own rename."""
    if not paths:
        return False
    if isinstance(started, str):
        started = datetime.fromisoformat(started)
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    limit = started.timestamp() - MTIME_SLACK_SECONDS
    for path in paths:
        try:
            if os.stat(path).st_mtime < limit:
                return False
        except OSError:
            return False
    return True


def fsync_dir(folder: Path) -> None:
    # Not every platform can open a directory (Windows cannot); the rename still happened.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class RunFolder:
    """This run's folder: written under ``temp``, published as ``final``."""

    final: Path

    @property
    def temp(self) -> Path:
        return unpublished_folder(self.final)

    @classmethod
    def reserve(cls, base: Path, spider: str, now: datetime) -> RunFolder:
        """Create this run's (hidden) folder; a second run in the same second gets ``-2``..."""
        parent = base / safe_name(spider)
        parent.mkdir(parents=True, exist_ok=True)
        stamp = run_stamp(now)
        for attempt in range(1, 1000):
            folder = cls((parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")).resolve())
            if folder.final.exists():
                continue
            try:
                folder.temp.mkdir()
            except FileExistsError:
                continue
            return folder
        raise FileExistsError(f"no free run folder for {stamp} under {parent}")

    def final_path(self, path: str | Path) -> Path:
        """Where a file written under ``temp`` is once the folder is published."""
        path = Path(path)
        try:
            return self.final / path.relative_to(self.temp)
        except ValueError:
            return path

    @property
    def published(self) -> bool:
        return self.final.is_dir() and not self.temp.exists()

    def publish(self) -> Path:
        """The one step that makes every feed of the run visible at once."""
        fsync_dir(self.temp)
        if self.final.exists():
            # rename() would replace an empty folder of that name; never mix two runs.
            raise FileExistsError(f"{self.final} exists: the run stays in {self.temp}")
        os.rename(self.temp, self.final)
        fsync_dir(self.final.parent)
        return self.final
