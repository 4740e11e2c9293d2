"""Every record the crawl scrapes is in every feed that takes it, or the run fails.

Scrapy's feed exporter only logs an exception raised while a record is written (a full
disk, a record an exporter cannot take), and the records of that item are then missing from
that feed and from every feed after it. This counts, per feed slot, the records the slot
should hold (each ``item_scraped`` its filter accepts) against the ones it wrote
(``FeedSlot.itemcount``, which Scrapy raises only after a successful write):

- ``check_storage``: asked by the atomic storage before it gives a file its final name;
- ``finish``: at the end, for every slot, including those whose store never ran (an
  exporter that cannot even start) and storages that are not ours.

A feed that differs is logged with both figures and counted in
``newscrawl/feeds/incomplete``, which fails the run and keeps its state uncommitted
(``newscrawl.incremental.outcome``).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.extensions.feedexport import FeedExporter

logger = logging.getLogger(__name__)

STAT = "newscrawl/feeds/incomplete"


class RowCheck:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.expected: dict[int, int] = {}
        self.slots: dict[int, Any] = {}
        self.checked: dict[int, str | None] = {}
        self.closed: set[int] = set()
        self.finished = False

    def _exporter(self) -> Any:
        return self.crawler.get_extension(FeedExporter)

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        # Connected before the feed exporter's own handler, so a batch that rotates on this
        # item is counted in the slot that writes it.
        exporter = self._exporter()
        for slot in getattr(exporter, "slots", ()):
            key = id(slot)
            if key in self.checked or not slot.filter.accepts(item):
                continue  # a slot already stored cannot take more records
            self.slots[key] = slot
            self.expected[key] = self.expected.get(key, 0) + 1

    def feed_slot_closed(self, slot: Any) -> None:
        self.closed.add(id(slot))
        self.check(slot)

    def check_storage(self, storage: Any) -> str | None:
        for slot in [*self.slots.values(), *getattr(self._exporter(), "slots", ())]:
            if slot.storage is storage:
                return self.check(slot)
        return None

    def check(self, slot: Any) -> str | None:
        key = id(slot)
        if key in self.checked:
            return self.checked[key]
        expected = self.expected.get(key, 0)
        problem = None
        if slot.itemcount != expected:
            problem = (
                f"feed {slot.uri} holds {slot.itemcount} of the {expected} records "
                "scraped for it (see the write errors above)"
            )
        self.checked[key] = problem
        if problem is not None:
            self.crawler.stats.inc_value(STAT)
            logger.error("Feed incomplete: %s", problem)
        return problem

    def finish(self) -> None:
        """Check the slots whose store never ran; idempotent."""
        if self.finished:
            return
        self.finished = True
        slots = {id(s): s for s in [*self.slots.values(), *getattr(self._exporter(), "slots", ())]}
        for key, slot in slots.items():
            if key in self.closed or key in self.checked and self.checked[key] is not None:
                continue
            nothing_to_store = not slot.itemcount and not self.expected.get(key, 0)
            if nothing_to_store and not (slot.store_empty and slot.batch_id == 1):
                continue
            if self.check(slot) is None:
                # Complete but never stored: its exporter or storage failed at the end.
                self.crawler.stats.inc_value(STAT)
                self.checked[key] = problem = f"feed {slot.uri} was never stored"
                logger.error("Feed incomplete: %s (see the errors above)", problem)
