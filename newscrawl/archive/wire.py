"""What capture and replay agree on: the record time in meta, the replay flag, header names.

Both put the record's time in ``request.meta["newscrawl_fetched_at"]`` (ISO 8601 UTC,
seconds), which the spider uses for ``fetched_at`` when a response has no ``Date`` header:
live and replayed crawls then give the same ``fetched_at``.
"""

from __future__ import annotations

from datetime import datetime

from scrapy.http import Headers

from newscrawl.normalize.clock import utc_iso

FETCHED_AT_META = "newscrawl_fetched_at"
# (WARC file name, offset of the response record), set by capture for the corpus store.
WARC_LOCATION_META = "newscrawl_warc_location"
REPLAY_FLAG = "replayed"
# Scrapy hands over bodies already de-chunked, so a stored "Transfer-Encoding: chunked"
# would describe a framing the record does not have; it is kept under this name instead
# (the X-Archive-Orig- convention of wayback tools) and restored on replay.
ORIG_TRANSFER_ENCODING = b"X-Archive-Orig-Transfer-Encoding"


def fetched_at(warc_date_value: str) -> str:
    """``newscrawl_fetched_at`` for a WARC-Date: ISO 8601 UTC to the second."""
    return utc_iso(datetime.fromisoformat(warc_date_value.replace("Z", "+00:00")))


def header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]
