"""Incremental crawls: skip what earlier runs emitted, emit new versions of what changed.

- ``addon``: takes the run lock (``runlock``) before anything is written, installs the rest.
- ``extension``: the run, wiring to Scrapy's signals the ``gate`` (the spider's questions),
  the ``ledger`` (requests asked for and answered), ``versions`` (with ``pipeline``), the
  ``commit`` (state committed only when every feed is in place) and the ``summary``.
- ``state``: the SQLite crawl state; ``revisit``: which articles are due, what is a change;
  ``outcome``: exit codes and the summary line; ``watchdog``: the bounded graceful stop;
  ``fetchtime``: when a page was fetched.
"""

from newscrawl.incremental.extension import gate_for
from newscrawl.incremental.gate import FETCH_EVERYTHING

__all__ = ["FETCH_EVERYTHING", "gate_for"]
