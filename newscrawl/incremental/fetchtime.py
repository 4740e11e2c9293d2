"""When a page was fetched: the one rule every component uses for "now".

The response's ``Date`` header (the server's clock, so relative dates read as the page
meant them), else the time recorded in a WARC record when replaying, else the local clock.
"""

from __future__ import annotations

from newscrawl.normalize.clock import utc_iso, utc_now
from newscrawl.normalize.dates import parse_http_date


def fetched_at(response) -> str:
    """When the page was fetched: its Date header, else the archive's record time, else now."""
    when = parse_http_date(response.headers.get(b"Date"))
    if when is None:
        recorded = response.meta.get("newscrawl_fetched_at")
        if recorded:
            return recorded
        when = utc_now()
    return utc_iso(when)
