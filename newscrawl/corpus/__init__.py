"""The corpus: every article version of every run in one SQLite or PostgreSQL store.

``NEWSCRAWL_STORE`` (a database URL, default in ``newscrawl/settings.py``) says where;
empty turns the store off. The crawl writes it through ``newscrawl.corpus.extension``.
"""

from newscrawl.corpus.engine import CorpusError
from newscrawl.corpus.store import CommitResult, CorpusStore

__all__ = ["CommitResult", "CorpusError", "CorpusStore"]
