"""An item as plain dicts and lists, converted once for every reader of the same item.

When an item is scraped, Scrapy hands the same object to every ``item_scraped`` handler
and every feed slot in one go: four feed exporters, the monitors' tally and the corpus
store all read its plain form. ``dataclasses.asdict`` is a deep copy; running it once
per reader was the largest cost after the parse itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
from functools import cache
from typing import Any

from itemadapter import ItemAdapter


def as_plain(item: Any) -> Any:
    """A record as plain dicts and lists (a fresh copy the caller may change).

    The project's items are dataclasses, converted as ``dataclasses.asdict`` converts them
    (which is several times faster than itemadapter's generic walk); any other item goes
    through itemadapter.
    """
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return _dataclass_as_dict(item)
    return ItemAdapter(item).asdict()


# Values asdict returns as they are (copy.deepcopy gives back the same object).
_ATOMIC = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _dataclass_as_dict(obj: Any) -> dict[str, Any]:
    """``dataclasses.asdict(obj)``, the same dict, without its per-value deep copy call.

    A record is mostly text, which asdict passes through ``copy.deepcopy`` one value at a
    time (the same object comes back). Text, numbers, lists and nested dataclasses are
    converted here; any other value goes to asdict's own rule.
    """
    return {name: _value(getattr(obj, name)) for name in _field_names(type(obj))}


def _value(value: Any) -> Any:
    kind = type(value)
    if kind in _ATOMIC:
        return value
    if kind is list:
        return [entry if type(entry) in _ATOMIC else _value(entry) for entry in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass_as_dict(value)
    return dataclasses.asdict(_Holder(value))["value"]


@dataclasses.dataclass
class _Holder:
    """Hands one value of another kind (dict, tuple, set ...) to asdict's own conversion."""

    value: Any


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
