"""WARC capture of a crawl and offline replay of it, as two downloader middlewares.

``-s NEWSCRAWL_ARCHIVE=DIR`` enables :class:`WarcCaptureMiddleware`; ``-s
NEWSCRAWL_REPLAY=PATH[,PATH...]`` enables :class:`WarcReplayMiddleware`. Both sit on the
downloader side of every other middleware (settings.py): capture sees each response as it
came off the wire (still compressed, before redirects are followed, robots.txt included),
and replay answers each request after every other middleware has prepared it, before the
download slot, so a replay neither waits for download delays nor touches the network.

Both put the record's time in ``request.meta["newscrawl_fetched_at"]`` (ISO 8601 UTC,
seconds), which the spider uses for ``fetched_at`` when a response has no ``Date`` header:
live and replayed crawls then give the same ``fetched_at``.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes

from newscrawl.archive_reader import ArchiveIndex, archive_files
from newscrawl.archive_writer import HttpExchange, RotatingWarcWriter, http_block, warc_date

logger = logging.getLogger(__name__)

FETCHED_AT_META = "newscrawl_fetched_at"
REPLAY_FLAG = "replayed"
# Scrapy hands over bodies already de-chunked, so a stored "Transfer-Encoding: chunked"
# would describe a framing the record does not have; it is kept under this name instead
# (the X-Archive-Orig- convention of wayback tools) and restored on replay.
ORIG_TRANSFER_ENCODING = b"X-Archive-Orig-Transfer-Encoding"

MISSING_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Newscrawl-Replay": "missing",
}
MISSING_BODY = b"<html><body><p>Not in the replay archive</p></body></html>"


def fetched_at(warc_date_value: str) -> str:
    """``newscrawl_fetched_at`` for a WARC-Date: ISO 8601 UTC to the second."""
    moment = datetime.fromisoformat(warc_date_value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _header_pairs(headers: Headers) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, values in headers.items() for value in values]


def _request_block(request: Request) -> bytes:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pairs = _header_pairs(request.headers)
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
        for name, value in _header_pairs(response.headers)
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
        self.stats.inc_value("newscrawl/archive/responses")
        self.stats.inc_value("newscrawl/archive/bytes", size)
        return response

    def spider_closed(self, spider) -> None:
        self.writer.close()
        files = self.writer.closed_files
        self.stats.set_value("newscrawl/archive/files", len(files))
        if files:
            logger.info("WARC archive: %d file(s) in %s", len(files), self.writer.directory)


class WarcReplayMiddleware:
    """Answers every request from WARC files; a URL not recorded gets a 404 stub page."""

    def __init__(self, crawler, index: ArchiveIndex):
        self.crawler = crawler
        self.stats = crawler.stats
        self.index = index

    @classmethod
    def from_crawler(cls, crawler):
        paths = crawler.settings.getlist("NEWSCRAWL_REPLAY")
        if not paths:
            raise NotConfigured
        files = archive_files(paths)
        index = ArchiveIndex(files)
        logger.info("Replaying %d recorded URL(s) from %d WARC file(s)", len(index), len(files))
        if not index.refs:
            logger.warning("No response record found in %s", ", ".join(paths))
        crawler.stats.set_value("newscrawl/replay/urls", len(index))
        crawler.stats.set_value("newscrawl/replay/damaged_files", len(index.errors))
        return cls(crawler, index)

    def process_request(self, request: Request) -> Response:
        recorded = self.index.get(request.url)
        if recorded is None:
            # An earlier hop of a redirect chain may have left its time in meta.
            request.meta.pop(FETCHED_AT_META, None)
            self.stats.inc_value("newscrawl/replay/missing")
            logger.warning("Not in the replay archive, answered 404: %s", request.url)
            # HTML like a live 404 page, so a spider that handles 404s can still select on it.
            return HtmlResponse(
                request.url,
                status=404,
                headers=MISSING_HEADERS,
                body=MISSING_BODY,
                request=request,
                flags=[REPLAY_FLAG],
            )
        headers = Headers()
        for name, value in recorded.headers:
            headers.appendlist(
                b"Transfer-Encoding" if name == ORIG_TRANSFER_ENCODING else name, value
            )
        request.meta[FETCHED_AT_META] = fetched_at(recorded.warc_date)
        self.stats.inc_value("newscrawl/replay/hits")
        cls = responsetypes.from_args(headers=headers, url=request.url, body=recorded.body)
        return cls(
            url=request.url,
            status=recorded.status,
            headers=headers,
            body=recorded.body,
            request=request,
            flags=[REPLAY_FLAG],
            protocol=recorded.protocol or None,
            ip_address=ipaddress.ip_address(recorded.ip_address) if recorded.ip_address else None,
        )
