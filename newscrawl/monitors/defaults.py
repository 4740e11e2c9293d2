"""Every monitoring and notification setting with its default: the one place they are written.

The evidence behind the coverage defaults: every record of the parser fixtures
(tests/fixtures/boursorama, quote page aside: it is not an article), of the end-to-end test
site (39 records) and of the bundled sample (30 records, video page included) has a
non-empty title, body, published, outlet and lead, and every page showing comments yields
at least one. Real video pages can carry a player and no text paragraph, hence body and lead
a little below the others; ``NEWSCRAWL_MONITOR_TOLERANCE`` keeps one odd page in a small
incremental run from alarming alone.
"""

from __future__ import annotations

NEWSCRAWL_MONITORS = True
"""Evaluate the monitors at the end of a run (False: none run, none notify)."""

NEWSCRAWL_MONITOR_MIN_COVERAGE = {
    "title": 0.99,
    "published": 0.99,
    "outlet": 0.98,
    "body": 0.95,
    "lead": 0.90,
}
"""Least share of the run's records with a non-empty value, per field."""

NEWSCRAWL_MONITOR_MIN_COMMENTS_COVERAGE = 0.90
"""Least share of the records whose page shows comments (comment_count > 0) that got some."""

NEWSCRAWL_MONITOR_TOLERANCE = 1
"""Records (or dates, outlets) a rate monitor forgives whatever the share: one odd page
never fails a run on its own."""

NEWSCRAWL_MONITOR_MAX_UNPARSED_DATES = 0.02
"""Most unreadable dates (``newscrawl/dates/unparsed``) per record."""

NEWSCRAWL_MONITOR_MAX_UNKNOWN_OUTLETS = 0.20
"""Most outlets outside the alias table (``newscrawl/outlets/unknown``) per record: a few
are expected (the table grows from them), most of a run means the provider line moved."""

NEWSCRAWL_MONITOR_MAX_INVALID_RECORDS = 0.01
"""Most share of records breaking the JSON Schema (they are still written)."""

NEWSCRAWL_MONITOR_MAX_FAILED_PAGES = 0.10
"""Most share of pages that failed (``newscrawl/failed``) among pages answered or failed."""

NEWSCRAWL_MONITOR_MAX_RETRIES = 0.20
"""Most retries (``retry/count``) per request sent."""

NEWSCRAWL_MONITOR_MAX_SPIDER_ERRORS = 0
"""Most exceptions raised in callbacks (``spider_exceptions/count``) and item errors."""

NEWSCRAWL_MONITOR_FINISH_REASONS = [
    "finished",
    "closespider_itemcount",
    "closespider_pagecount",
    "closespider_timeout",
]
"""Finish reasons that are a normal end; any other (shutdown, an error count...) fails."""

NEWSCRAWL_MONITOR_HISTORY_RUNS = 10
"""How many of the last committed runs of the same schedule make the median."""

NEWSCRAWL_MONITOR_HISTORY_MIN_RUNS = 3
"""Fewer past runs than this: the history monitor passes (nothing to compare with yet)."""

NEWSCRAWL_MONITOR_HISTORY_MIN_RATIO = 0.5
"""Least share of the median items and pages a run must reach."""

NEWSCRAWL_NOTIFY_WEBHOOK = None
"""URL that gets a JSON POST when monitors fail (Slack incoming webhook, chat bot...)."""

NEWSCRAWL_NOTIFY_TIMEOUT = 10.0
"""Seconds a notification may take per attempt (webhook and SMTP)."""

NEWSCRAWL_NOTIFY_EMAIL_TO = []
"""Addresses that get an e-mail when monitors fail (a list or a comma-separated string)."""

NEWSCRAWL_NOTIFY_EMAIL_FROM = "newscrawl@localhost"
NEWSCRAWL_NOTIFY_SMTP_HOST = "localhost"
NEWSCRAWL_NOTIFY_SMTP_PORT = 25
NEWSCRAWL_NOTIFY_SMTP_USER = None
NEWSCRAWL_NOTIFY_SMTP_PASSWORD = None
NEWSCRAWL_NOTIFY_SMTP_STARTTLS = False

NAMES = tuple(name for name in dir() if name.startswith("NEWSCRAWL_"))
