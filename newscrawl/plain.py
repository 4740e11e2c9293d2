"""An item as plain dicts and lists, converted once for every reader of the same item.

When an item is scraped, Scrapy hands the same object to every ``item_scraped`` handler
and every feed slot in one go: four feed exporters, the monitors' tally and the corpus
store all read its plain form. ``dataclasses.asdict`` is a deep copy; running it once
per reader was the largest cost after the parse itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from itemadapter import ItemAdapter


def as_plain(item: Any) -> Any:
    """A record as plain dicts and lists (a fresh copy the caller may change).

    The project's items are dataclasses: ``dataclasses.asdict`` converts them several times
    faster than itemadapter's generic walk; any other item goes through itemadapter.
    """
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return dataclasses.asdict(item)
    return ItemAdapter(item).asdict()


class _SharedConversion:
    """The last item converted and its plain form, until the event loop's next turn.

    The entry holds the item itself (so its id cannot be reused by another object) and is
    dropped at the loop's next turn, before anything can change the item and hand it over
    again. Without a running loop (the exporters or the store used outside a crawl)
    nothing is cached. Readers only read the dict; none may change it.
    """

    def __init__(self) -> None:
        self._item: Any = None
        self._plain: Any = None

    def get(self, item: Any) -> Any:
        if self._item is item:
            return self._plain
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return as_plain(item)
        plain = as_plain(item)
        if self._item is None:
            loop.call_soon(self._drop)
        self._item, self._plain = item, plain
        return plain

    def _drop(self) -> None:
        self._item = self._plain = None


_shared = _SharedConversion()


def shared_plain(item: Any) -> Any:
    """The item as plain data, shared with every other reader of it in this loop turn.

    Read only: the dict is the same object for the feeds, the monitors and the store.
    """
    return _shared.get(item)
