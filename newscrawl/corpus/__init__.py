"""The corpus: every article version of every run in one SQLite or PostgreSQL store.

``NEWSCRAWL_STORE`` (a database URL) says where; empty turns the store off.
"""

from newscrawl.corpus.engine import CorpusError
from newscrawl.corpus.store import CommitResult, CorpusStore

# The default of NEWSCRAWL_STORE until settings.py carries it (the integrator moves it there).
DEFAULT_STORE = "sqlite:///data/corpus.sqlite3"

__all__ = ["DEFAULT_STORE", "CommitResult", "CorpusError", "CorpusStore"]
