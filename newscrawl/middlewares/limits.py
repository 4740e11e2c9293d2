"""Bounds on what one response and one run may cost.

``BoundedCompressionMiddleware`` replaces Scrapy's HttpCompressionMiddleware (same place,
590). Scrapy already stops decompressing at DOWNLOAD_MAXSIZE, but it returns whatever it
got from a truncated gzip, zstd or brotli stream, so a cut-off article would look complete.
Here every stream must reach its end: a truncated or corrupt one is retried, then dropped
with a reason; a bomb is dropped as soon as its output passes DOWNLOAD_MAXSIZE, after
at most one 64 KiB chunk more. Counted under ``newscrawl/dropped/<reason>``.

``PageCapMiddleware`` ends a crawler trap whatever its shape: after
``NEWSCRAWL_MAX_REQUESTS`` page requests in a run, further ones are refused and counted
(``newscrawl/skipped/page_cap``), so the run drains and ends.

``RedirectLoopMiddleware`` fails a redirect back into its own chain (``RedirectLoop``).
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from io import BytesIO
from urllib.parse import urljoin

import brotli
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse
from w3lib.url import canonicalize_url

from newscrawl.defaults import project_settings
from newscrawl.scrapy_private import decompression_max_size_exceeded, require_decode_hook
from newscrawl.sites.pages import lacks_html_end

# Scrapy's own "decompressed past DOWNLOAD_MAXSIZE" error and decoding hook (private names):
# checked when this module loads, so a Scrapy that moved them stops the crawl at start.
_DecompressionMaxSizeExceeded = decompression_max_size_exceeded(__name__)
require_decode_hook(__name__)

try:  # Scrapy decodes zstd with the standard library's module from Python 3.14
    from compression import zstd
except ImportError:  # pragma: no cover (depends on the Python version)
    from backports import zstd

logger = logging.getLogger(__name__)

CHUNK = 65536


class IncompleteEncoding(ValueError):
    """The compressed stream ended before its end marker."""


class ResponseTooLarge(IgnoreRequest):
    """The body, as received or once decompressed, is over DOWNLOAD_MAXSIZE."""


class BrokenBody(IgnoreRequest):
    """The body's compressed stream is truncated or corrupt, even after retries."""


class _Sink:
    def __init__(self, max_size: int):
        self.max_size = max_size
        self.size = 0
        self.buffer = BytesIO()

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_size and self.size > self.max_size:
            raise _DecompressionMaxSizeExceeded(self.size, self.max_size)
        self.buffer.write(chunk)


def _inflate_stream(data: bytes, wbits: int, sink: _Sink, multi_member: bool) -> None:
    while True:
        decompressor = zlib.decompressobj(wbits)
        chunk = decompressor.decompress(data, CHUNK)
        while True:
            sink.write(chunk)
            if decompressor.eof:
                break
            tail = decompressor.unconsumed_tail
            chunk = decompressor.decompress(tail, CHUNK)
            if not chunk and not tail:
                raise IncompleteEncoding("deflate stream ends before its end marker")
        data = decompressor.unused_data
        # Concatenated gzip members are one body; bytes after the last complete member that
        # do not start another one (padding, junk some servers add) are not content.
        if not (multi_member and data.startswith(b"\x1f\x8b")):
            return


def _unbrotli_stream(data: bytes, sink: _Sink) -> None:
    decompressor = brotli.Decompressor()
    chunk = decompressor.process(data, output_buffer_limit=CHUNK)
    while True:
        sink.write(chunk)
        if decompressor.is_finished():
            return
        chunk = decompressor.process(b"", output_buffer_limit=CHUNK)
        if not chunk:
            raise IncompleteEncoding("brotli stream ends before its end marker")


def _unzstd_stream(data: bytes, sink: _Sink) -> None:
    while True:
        decompressor = zstd.ZstdDecompressor()
        chunk = decompressor.decompress(data, max_length=CHUNK)
        while True:
            sink.write(chunk)
            if decompressor.eof:
                break
            if decompressor.needs_input:
                raise IncompleteEncoding("zstd frame ends before its end")
            chunk = decompressor.decompress(b"", max_length=CHUNK)
        data = decompressor.unused_data
        if not data:
            return


def decode_strict(body: bytes, encoding: bytes, max_size: int) -> bytes:
    """Decode one content-coding completely, or raise: never a silently partial body."""
    sink = _Sink(max_size)
    if encoding in (b"gzip", b"x-gzip"):
        _inflate_stream(body, 16 + zlib.MAX_WBITS, sink, multi_member=True)
    elif encoding == b"deflate":
        try:
            _inflate_stream(body, zlib.MAX_WBITS, sink, multi_member=False)
        except zlib.error:  # raw deflate, as some Microsoft servers send it
            sink = _Sink(max_size)
            _inflate_stream(body, -zlib.MAX_WBITS, sink, multi_member=False)
    elif encoding == b"br":
        _unbrotli_stream(body, sink)
    elif encoding == b"zstd":
        _unzstd_stream(body, sink)
    else:  # pragma: no cover (the parent only asks for the codings it accepts)
        return body
    return sink.buffer.getvalue()


_BROKEN = (IncompleteEncoding, zlib.error, brotli.error, zstd.ZstdError, EOFError)


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        return decode_strict(body, encoding, max_size)

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:
            if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):
                self.stats.inc_value("newscrawl/dropped/decompressed_too_large")
                raise ResponseTooLarge(str(exc)) from exc
            raise
        except _BROKEN as exc:
            reason = "truncated_encoding" if isinstance(exc, IncompleteEncoding) else "bad_encoding"
            retry = get_retry_request(request, spider=self.crawler.spider, reason=reason)
            if retry is not None:
                return retry
            self.stats.inc_value(f"newscrawl/dropped/{reason}")
            logger.warning("Dropped %s: %s (%s)", response, reason, exc)
            raise BrokenBody(f"{reason}: {exc}") from exc

    def process_exception(self, request, exception):
        # The download handler cancels a body over DOWNLOAD_MAXSIZE before it is all read:
        # with a message when Content-Length announced it, without one when it cut the body
        # mid-way (in Scrapy 2.19 nothing else cancels an HTTP download).
        message = str(exception)
        if isinstance(exception, DownloadCancelledError) and ("max size" in message or not message):
            self.stats.inc_value("newscrawl/dropped/too_large")
            raise ResponseTooLarge(str(exception)) from exception
        return None

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.crawler = crawler
        return middleware


class PageCapMiddleware:
    """Refuses page requests past NEWSCRAWL_MAX_REQUESTS in one run (0: no cap)."""

    def __init__(self, crawler):
        self.cap = project_settings(crawler.settings).getint("NEWSCRAWL_MAX_REQUESTS")
        if self.cap <= 0:
            raise NotConfigured
        self.stats = crawler.stats
        self.count = 0
        self.warned = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        # Retries and robots.txt are not new pages: a storm must not eat the budget.
        if request.meta.get("retry_times") or request.meta.get("dont_obey_robotstxt"):
            return None
        if self.count >= self.cap:
            self.stats.inc_value("newscrawl/skipped/page_cap")
            if not self.warned:
                self.warned = True
                logger.warning(
                    "NEWSCRAWL_MAX_REQUESTS (%d) reached: further pages are skipped and counted "
                    "under newscrawl/skipped/page_cap",
                    self.cap,
                )
            raise IgnoreRequest("newscrawl page cap reached")
        self.count += 1
        return None


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL of its own chain: the page can never be reached."""


CUT_SHORT_META = "newscrawl_cut_short"
_LAST_CUT_META = "newscrawl_last_cut"


class TruncatedHtmlMiddleware:
    """Asks again for an HTML page without its ``</html>`` (``sites.pages.lacks_html_end``).

    A page that comes back the very same was not cut: HTML may leave the tag out, and it
    is taken as it is after one more fetch. A page that comes back different each time,
    and never whole, up to RETRY_TIMES, is marked (``CUT_SHORT_META``): the spider counts
    an article page as failed (``not_an_article/truncated``) and asks for it first next run.
    Below the decompression (590) and the charset repair (585) on the way back: it reads the
    body the spider reads.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if (
            response.status != 200
            or request.meta.get("page_kind") not in ("article", "listing")
            or not isinstance(response, HtmlResponse)
            or not response.body
            or response.body.isspace()  # empty: the spider's own kind, without a copy
            or not lacks_html_end(response.body)
        ):
            return response
        digest = hashlib.sha256(response.body).digest()
        if request.meta.get(_LAST_CUT_META) == digest:
            # The same page again: it ends there. Taken, and said.
            self.crawler.stats.inc_value("newscrawl/pages/without_html_end")
            logger.warning("%s has no </html>, twice the same: taken as it is", response)
            return response
        retry = get_retry_request(request, spider=self.crawler.spider, reason="truncated_html")
        if retry is not None:
            retry.meta[_LAST_CUT_META] = digest
            return retry
        request.meta[CUT_SHORT_META] = True
        return response


class BadRedirect(IgnoreRequest):
    """A redirect whose Location no URL parser reads ("http://[bad"): nowhere to go."""


class RedirectLoopMiddleware:
    """Fails a redirect to a URL already in its chain, before it is scheduled again.

    Just before Scrapy's RedirectMiddleware (600) on the way back: left to it, the loop's
    next hop is a URL the duplicate filter has seen, and is dropped without a word or an
    errback. Raised as ``RedirectLoop``, the spider counts ``newscrawl/failed/redirect_loop``.
    """

    _STATUSES = {301, 302, 303, 307, 308}

    def process_response(self, request, response):
        location = response.headers.get(b"Location")
        if response.status not in self._STATUSES or not location:
            return response
        try:
            target = canonicalize_url(urljoin(request.url, location.decode("latin-1").strip()))
        except ValueError as exc:
            raise BadRedirect(
                f"redirect to an unreadable Location {location[:200]!r}: {exc}"
            ) from None
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in {canonicalize_url(url) for url in chain}:
            raise RedirectLoop(f"redirect loop back to {target} after {len(chain)} hop(s)")
        return response
