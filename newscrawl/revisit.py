"""Moved to ``newscrawl.incremental.revisit``; kept while ``newscrawl.spiders`` imports it."""

from newscrawl.incremental.revisit import parse_refresh, parse_since

__all__ = ["parse_refresh", "parse_since"]
