"""The corpus: every article version of every run in one SQLite or PostgreSQL store.

``NEWSCRAWL_STORE`` (a database URL, default in ``newscrawl/settings.py``) says where;
empty turns the store off. The crawl writes it through ``newscrawl.corpus.extension``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newscrawl.corpus.engine import CorpusError
    from newscrawl.corpus.store import CommitResult, CorpusStore

__all__ = ["CommitResult", "CorpusError", "CorpusStore"]
_HOMES = {"CorpusError": "engine", "CommitResult": "store", "CorpusStore": "store"}


def __getattr__(name: str) -> Any:
    # Imported on first use: every crawl loads the extension module, and a spider that
    # does not write the store should not pay for SQLAlchemy (~15 MB).
    if name in _HOMES:
        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
