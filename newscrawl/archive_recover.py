"""``python -m newscrawl.archive_recover``: the old name of ``python -m newscrawl.archive.recover``.

Kept so cron jobs and notes that use it keep working.
"""

import sys

from newscrawl.archive.recover import main, recover

__all__ = ["main", "recover"]

if __name__ == "__main__":
    sys.exit(main())
