"""The bounded "A lire aussi" tally against the obvious one: a Counter of URLs and titles."""

from __future__ import annotations

import errno
import random
import tempfile
from collections import Counter

import pytest

from newscrawl.monitors import linked
from newscrawl.monitors.linked import LinkedTargets, Target
from newscrawl.monitors.records import KEPT_TARGETS, RecordsTally


def _obvious_top(links: list[tuple[str, str | None]], n: int) -> list[Target]:
    counts: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for url, title in links:
        counts[url] += 1
        if title:
            titles.setdefault(url, title)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [Target(url, titles.get(url), count) for url, count in ordered]


def _random_links(rng: random.Random, targets: int, links: int) -> list[tuple[str, str | None]]:
    site = "https://www.boursorama.com/actualites/a-"
    urls = [f"{site}{rng.randrange(10**6)}-{i}" for i in range(targets)]
    # Skewed like a site's: a few targets linked from many pages, a long tail linked once.
    weights = [1 / (rank + 1) for rank in range(targets)]
    chosen = rng.choices(urls, weights=weights, k=links)
    titles = [None, "", "Titre\t« {} »\n", "Autre titre"]
    return [(url, (rng.choice(titles) or "").format(url[-4:]) or None) for url in chosen]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [1, 3, 10, 100])
def test_same_top_as_a_counter(seed, n):
    rng = random.Random(seed)
    links = _random_links(rng, targets=rng.randrange(1, 400), links=rng.randrange(1, 1500))
    tally = LinkedTargets()
    for url, title in links:
        tally.add(url, title or None)
    assert tally.top(n) == _obvious_top(links, n)
    assert len(tally) == len({url for url, _ in links})


def test_ties_at_the_cut_are_broken_by_url():
    tally = LinkedTargets()
    for url in ["https://x/c", "https://x/a", "https://x/d", "https://x/b"]:
        tally.add(url, None)
    tally.add("https://x/d", "D")
    assert tally.top(2) == [Target("https://x/d", "D", 2), Target("https://x/a", None, 1)]


def test_first_title_wins_even_when_it_comes_late():
    tally = LinkedTargets()
    tally.add("https://x/a", None)
    tally.add("https://x/a", "premier")
    tally.add("https://x/a", "second")
    assert tally.top(1) == [Target("https://x/a", "premier", 3)]


def test_names_spill_to_disk_and_read_back(monkeypatch):
    monkeypatch.setattr(linked, "IN_MEMORY_BYTES", 200)
    links = _random_links(random.Random(7), targets=300, links=2000)
    tally = LinkedTargets()
    for url, title in links:
        tally.add(url, title or None)
    assert tally._on_disk
    assert tally.top(10) == _obvious_top(links, 10)
    tally.add(links[0][0], None)  # adding after a read still appends
    assert tally.top(1)[0].links >= 1
    tally.close()


def test_no_temporary_file_keeps_the_names_in_memory(monkeypatch, caplog):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/tmp")

    monkeypatch.setattr(linked, "IN_MEMORY_BYTES", 200)
    monkeypatch.setattr(linked.tempfile, "TemporaryFile", refused)
    links = _random_links(random.Random(3), targets=300, links=2000)
    tally = LinkedTargets()
    for url, title in links:
        tally.add(url, title)
    assert tally.top(10) == _obvious_top(links, 10)
    warnings = [r for r in caplog.records if "in memory" in r.getMessage()]
    assert len(warnings) == 1  # once, not per record


_REAL_TEMPORARY_FILE = tempfile.TemporaryFile


class _FillingDisk:
    """A temporary file on a disk that fills up after ``room`` bytes (a short write, then
    ENOSPC), as a real full disk does."""

    def __init__(self, room: int):
        self.file = _REAL_TEMPORARY_FILE(buffering=0)
        self.room = room

    def write(self, data):
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        written = self.file.write(bytes(data)[: self.room])
        self.room -= written
        return written

    def __getattr__(self, name):
        return getattr(self.file, name)


@pytest.mark.parametrize("room", [0, 1, 700, 5000])
def test_a_disk_that_fills_up_loses_no_name(monkeypatch, caplog, room):
    monkeypatch.setattr(linked, "IN_MEMORY_BYTES", 300)
    monkeypatch.setattr(linked.tempfile, "TemporaryFile", lambda **kw: _FillingDisk(room))
    links = _random_links(random.Random(room), targets=300, links=2000)
    tally = LinkedTargets()
    for url, title in links:
        tally.add(url, title)
    assert not tally._on_disk  # back in memory
    assert tally.top(25) == _obvious_top(links, 25)
    assert len(tally) == len({url for url, _ in links})
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1


def test_nothing_linked():
    assert LinkedTargets().top(10) == []


def test_report_json_keeps_the_most_linked_only():
    tally = RecordsTally()
    for i in range(KEPT_TARGETS + 50):
        related = [{"url": f"https://x/{i}", "title": f"t{i}"}]
        if i < 5:
            related.append({"url": "https://x/popular", "title": "Populaire"})
        tally.add({"url": f"https://x/page{i}", "related": related})
    data = tally.to_dict()
    assert data["linked_targets"] == KEPT_TARGETS + 51
    assert len(data["related_targets"]) == KEPT_TARGETS
    assert data["related_targets"]["https://x/popular"] == 5
    again = RecordsTally.from_dict(data)
    assert again.to_dict()["linked_targets"] == KEPT_TARGETS + 51
    assert again.most_linked(3) == tally.most_linked(3)
    assert again.most_linked(1) == [Target("https://x/popular", "Populaire", 5)]
