"""How many of the run's records link to each "A lire aussi" target, in little memory.

A crawl of 50,000 articles links about as many distinct targets. Holding each one's URL
and title in memory, for a report that shows ten of them, was the largest thing a long
crawl kept (25 MB at 50,000 articles). Here memory holds one count per target, keyed by
the hash of its URL; each target's URL and title are written once to a temporary file
(kept in memory while small) and read back at the end, only to name the targets shown.
A temporary folder that cannot take the file (unwritable, full) costs memory, not names:
the names stay in, or come back to, memory, with one warning.

Two URLs whose 64-bit hashes collide would share one count: at a million targets the
chance is about 3 in 100 million, for a figure in a report.
"""

from __future__ import annotations

import heapq
import io
import json
import logging
import tempfile
from collections.abc import Iterator
from typing import NamedTuple

logger = logging.getLogger("newscrawl.monitors")

# Below this many bytes of names the file never touches the disk (most runs, every test).
IN_MEMORY_BYTES = 1 << 20
_READ_CHUNK = 1 << 20


class Target(NamedTuple):
    url: str
    title: str | None
    links: int


class LinkedTargets:
    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        # Targets seen without a title so far: the first title a later link gives wins.
        self._untitled: set[int] = set()
        # One JSON line per name. Unbuffered once on disk: a write that fails is known at
        # once and by its size, so the names written before it are read back whole.
        self._names: io.BytesIO | io.FileIO = io.BytesIO()
        self._size = 0
        self._on_disk = False
        self._memory_only = False
        # report.json counts every target but names 100: a tally read back from it knows
        # there were more than it holds.
        self.at_least = 0

    def __len__(self) -> int:
        return max(len(self.counts), self.at_least)

    def add(self, url: str, title: str | None, links: int = 1) -> None:
        key = hash(url)
        known = key in self.counts
        self.counts[key] = self.counts.get(key, 0) + links
        if known:
            if title and key in self._untitled:
                self._untitled.discard(key)
                self._write(key, None, title)  # a title for a target already named
            return
        if not title:
            self._untitled.add(key)
        self._write(key, url, title or None)

    def _write(self, key: int, url: str | None, title: str | None) -> None:
        # ensure_ascii: one line per name, whatever the page put in a URL or a title.
        line = json.dumps([key, url, title]).encode("ascii") + b"\n"
        if self._on_disk:
            try:
                _write_all(self._names, line)
            except OSError as error:
                self._back_to_memory(error)
                self._names.write(line)
        else:
            self._names.write(line)
        self._size += len(line)
        if not self._on_disk and not self._memory_only and self._size > IN_MEMORY_BYTES:
            self._to_disk()

    def _to_disk(self) -> None:
        disk = None
        try:
            # Open for as long as the tally lives (closed by close()).
            disk = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115
            _write_all(disk, self._names.getvalue())
        except OSError as error:
            if disk is not None:
                disk.close()
            self._memory_only = True
            logger.warning(
                'The "A lire aussi" tally keeps its names in memory: no temporary file (%s)',
                error,
            )
            return
        self._names = disk
        self._on_disk = True

    def _back_to_memory(self, error: OSError) -> None:
        disk = self._names
        self._memory_only, self._on_disk = True, False
        logger.warning('The "A lire aussi" tally moves its names back to memory: %s', error)
        try:
            disk.seek(0)
            data = _read_all(disk, self._size)
        except OSError as read_error:
            logger.error('The "A lire aussi" tally lost the names it had written: %s', read_error)
            data = b""
        finally:
            disk.close()
        self._names = io.BytesIO(data)
        self._names.seek(0, io.SEEK_END)
        self._size = len(data)

    def _lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """Each target's first line (with its URL), then title lines (URL None)."""
        self._names.seek(0)
        left, rest = self._size, b""
        try:
            while left > 0:
                chunk = self._names.read(min(_READ_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                *lines, rest = (rest + chunk).split(b"\n")
                for line in lines:
                    key, url, title = json.loads(line)
                    yield key, url, title
        finally:
            self._names.seek(0, io.SEEK_END)

    def top(self, n: int) -> list[Target]:
        """The ``n`` most linked targets, most links first, then by URL.

        Two passes over the names, each holding ``n`` of them: the ties at the n-th count
        can be every target of the run (all linked once).
        """
        if n <= 0 or not self.counts:
            return []
        counts = self.counts
        best = heapq.nsmallest(
            n,
            ((-counts[key], url, key) for key, url, _ in self._lines() if url is not None),
        )
        chosen = {key: url for _, url, key in best}
        titles: dict[int, str] = {}
        for key, _, title in self._lines():
            if title and key in chosen:
                titles.setdefault(key, title)
        return [Target(url, titles.get(key), counts[key]) for key, url in chosen.items()]

    def close(self) -> None:
        self._names.close()


def _write_all(file, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError("the temporary file took no more bytes")
        view = view[written:]


def _read_all(file, size: int) -> bytes:
    parts, left = [], size
    while left > 0:
        chunk = file.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
