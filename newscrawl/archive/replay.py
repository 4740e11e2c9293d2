"""Offline replay: ``-s NEWSCRAWL_REPLAY=PATH[,PATH...]`` enables :class:`WarcReplayMiddleware`.

It answers each request after every other middleware has prepared it, before the download
slot, so a replay neither waits for download delays nor touches the network.
"""

from __future__ import annotations

import ipaddress
import logging

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, HtmlResponse, Request, Response
from scrapy.responsetypes import responsetypes

from newscrawl.archive.reader import ArchiveIndex, archive_files
from newscrawl.archive.wire import FETCHED_AT_META, ORIG_TRANSFER_ENCODING, REPLAY_FLAG, fetched_at

logger = logging.getLogger(__name__)

MISSING_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "X-Newscrawl-Replay": "missing",
}
# Damaged files of an archive not declared partial; newscrawl.incremental.outcome fails on it.
DAMAGED_UNACCEPTED = "newscrawl/replay/damaged_unaccepted"
MISSING_BODY = b"<html><body><p>Not in the replay archive</p></body></html>"


def replay_paths(settings) -> list[str]:
    """The archives a crawl replays; [] for a live crawl. What every component that acts
    differently in replay asks (a blank value is a live crawl for all of them)."""
    from newscrawl import config  # here: config imports much of the project

    return config.parse_setting(settings, "NEWSCRAWL_REPLAY")


class WarcReplayMiddleware:
    """Answers every request from WARC files; a URL not recorded gets a 404 stub page."""

    def __init__(self, crawler, index: ArchiveIndex):
        self.crawler = crawler
        self.stats = crawler.stats
        self.index = index

    @classmethod
    def from_crawler(cls, crawler):
        paths = replay_paths(crawler.settings)
        if not paths:
            raise NotConfigured
        files = archive_files(paths)
        index = ArchiveIndex(files)
        logger.info("Replaying %d recorded URL(s) from %d WARC file(s)", len(index), len(files))
        if not index.refs:
            logger.warning("No response record found in %s", ", ".join(paths))
        crawler.stats.set_value("newscrawl/replay/urls", len(index))
        crawler.stats.set_value("newscrawl/replay/damaged_files", len(index.errors))
        if index.errors and not crawler.settings.getbool("NEWSCRAWL_REPLAY_PARTIAL"):
            # Pages past the damage would be answered 404: the run cannot be "ok" unless the
            # user says the archive is partial. The run outcome fails on this count.
            crawler.stats.set_value(DAMAGED_UNACCEPTED, len(index.errors))
            logger.error(
                "%d damaged WARC file(s): the run will fail; set NEWSCRAWL_REPLAY_PARTIAL=True "
                "if the archive is known to be partial",
                len(index.errors),
            )
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
