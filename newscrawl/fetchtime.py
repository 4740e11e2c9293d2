"""Moved to ``newscrawl.incremental.fetchtime``; kept while ``newscrawl.spiders`` imports it."""

from newscrawl.incremental.fetchtime import fetched_at

__all__ = ["fetched_at"]
