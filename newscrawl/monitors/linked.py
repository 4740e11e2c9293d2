"""How many of the run's records link to each "A lire aussi" target, in little memory.

A crawl of 50,000 articles links about as many distinct targets. Holding each one's URL
and title in memory, for a report that shows ten of them, was the largest thing a long
crawl kept (25 MB at 50,000 articles). Here memory holds one count per target, keyed by
the hash of its URL; each target's URL and title are written once to a temporary file
(kept in memory while small) and read back at the end, only to name the targets shown.

Two URLs whose 64-bit hashes collide would share one count: at a million targets the
chance is about 3 in 100 million, for a figure in a report.
"""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Iterator
from typing import Any, NamedTuple

# Below this many bytes of names the file never touches the disk (most runs, every test).
IN_MEMORY_BYTES = 1 << 20


class Target(NamedTuple):
    url: str
    title: str | None
    links: int


class LinkedTargets:
    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        # Targets seen without a title so far: the first title a later link gives wins.
        self._untitled: set[int] = set()
        self._names: Any = None

    def __len__(self) -> int:
        return len(self.counts)

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
        if self._names is None:
            # Open for as long as the tally lives (closed by close() or with the object).
            self._names = tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=IN_MEMORY_BYTES, mode="w+", encoding="utf-8", newline="\n"
            )
        # ensure_ascii: one line per name, whatever the page put in a URL or a title.
        self._names.write(json.dumps([key, url, title]) + "\n")

    def _lines(self) -> Iterator[tuple[int, str | None, str | None]]:
        """Each target's first line (with its URL), then title lines (URL None)."""
        if self._names is None:
            return
        self._names.seek(0)
        try:
            for line in self._names:
                key, url, title = json.loads(line)
                yield key, url, title
        finally:
            self._names.seek(0, 2)

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
        if self._names is not None:
            self._names.close()
            self._names = None
