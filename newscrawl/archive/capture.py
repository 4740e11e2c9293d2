"""WARC capture of a crawl: ``-s NEWSCRAWL_ARCHIVE=DIR`` enables :class:`WarcCaptureMiddleware`.

It sits on the downloader side of every other middleware (settings.py), so it sees each
response as it came off the wire (still compressed, before redirects are followed,
robots.txt included). Replay is ``newscrawl.archive.replay``.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from newscrawl.archive.wire import (
    FETCHED_AT_META,
    ORIG_TRANSFER_ENCODING,
    REPLAY_FLAG,
    WARC_LOCATION_META,
    fetched_at,
    header_pairs,
)
from newscrawl.archive.writer import HttpExchange, RotatingWarcWriter, http_block, warc_date

logger = logging.getLogger(__name__)


def _request_block(request: Request) -> bytes:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pairs = header_pairs(request.headers)
    if b"Host" not in request.headers:
        # The HTTP handler adds Host below the middlewares; the record shows it as sent.
        pairs.insert(0, (b"Host", parts.netloc.encode("ascii")))
    return http_block(f"{request.method} {target} HTTP/1.1", pairs)


def _response_block(response: Response) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    pairs = [
        (ORIG_TRANSFER_ENCODING if name == b"Transfer-Encoding" else name, value)
        for name, value in header_pairs(response.headers)
    ]
    protocol = response.protocol or ""
    if not protocol.startswith("HTTP/"):
        # e.g. "h2" from the HTTP/2 handler: WARC readers expect an HTTP/x status line.
        protocol = "HTTP/1.1"
    return http_block(f"{protocol} {response.status} {reason}".rstrip(), pairs)


class WarcCaptureMiddleware:
    """Writes every downloaded response, with its request, to rotated gzip WARC files."""

    def __init__(self, crawler, directory: str, prefix: str, max_size: int):
        self.crawler = crawler
        self.stats = crawler.stats
        info = {
            "software": f"newscrawl ({crawler.settings.get('USER_AGENT')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/",
            "isPartOf": crawler.settings.get("BOT_NAME"),
        }
        self.writer = RotatingWarcWriter(directory, prefix, max_size, info)

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        directory = settings.get("NEWSCRAWL_ARCHIVE")
        if not directory:
            raise NotConfigured  # off unless asked for: no warning on every crawl
        max_size = settings.getint("NEWSCRAWL_ARCHIVE_MAX_SIZE")
        if max_size <= 0:
            raise ValueError("NEWSCRAWL_ARCHIVE_MAX_SIZE must be a positive number of bytes")
        mw = cls(crawler, directory, settings.get("NEWSCRAWL_ARCHIVE_PREFIX"), max_size)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def process_response(self, request: Request, response: Response) -> Response:
        # A replayed or HTTP-cached response was not fetched now: recording it again would
        # give it a false date.
        if REPLAY_FLAG in response.flags or "cached" in response.flags:
            return response
        if urlsplit(request.url).scheme not in ("http", "https"):
            return response  # data:, file: ... have no HTTP exchange to record
        date = warc_date()
        ip = response.ip_address
        size = self.writer.write(
            HttpExchange(
                url=request.url,
                request_block=_request_block(request),
                request_body=request.body,
                response_block=_response_block(response),
                response_body=response.body,
                warc_date=date,
                ip_address=str(ip) if ip is not None else None,
            )
        )
        request.meta[FETCHED_AT_META] = fetched_at(date)
        request.meta[WARC_LOCATION_META] = self.writer.last_location
        self.stats.inc_value("newscrawl/archive/responses")
        self.stats.inc_value("newscrawl/archive/bytes", size)
        return response

    def spider_closed(self, spider) -> None:
        self.writer.close()
        files = self.writer.closed_files
        self.stats.set_value("newscrawl/archive/files", len(files))
        if files:
            logger.info("WARC archive: %d file(s) in %s", len(files), self.writer.directory)
