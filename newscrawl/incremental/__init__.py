"""Incremental crawls: skip what earlier runs emitted, emit new versions of what changed.

- ``addon``: takes the run lock (``runlock``) before anything is written, installs the rest.
- ``extension``: the run, wiring to Scrapy's signals the ``gate`` (the spider's questions),
  the ``ledger`` (requests asked for and answered), ``versions`` (with ``pipeline``), the
  ``commit`` (state committed only when every feed is in place) and the ``summary``.
- ``state``: the SQLite crawl state; ``revisit``: which articles are due, what is a change;
  ``outcome``: exit codes and the summary line; ``watchdog``: the bounded graceful stop;
  ``fetchtime``: when a page was fetched.
"""

from typing import Any

__all__ = ["FETCH_EVERYTHING", "gate_for"]


def __getattr__(name: str) -> Any:
    # What the spider asks for (``incremental.gate_for(crawler)``), loaded on first use so
    # that importing a pure part (state, revisit, outcome) does not load the extension.
    if name == "gate_for":
        from newscrawl.incremental.extension import gate_for

        return gate_for
    if name == "FETCH_EVERYTHING":
        from newscrawl.incremental.gate import FETCH_EVERYTHING

        return FETCH_EVERYTHING
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
