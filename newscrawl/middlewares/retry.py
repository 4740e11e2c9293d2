"""Scrapy's RetryMiddleware with a wait before each retry, honouring ``Retry-After``.

Scrapy retries at once, which turns a 429/503 storm into a tighter loop. Here a retry waits
``Retry-After`` when the server sends it (seconds or an HTTP date) and an exponential
backoff otherwise. A ``Retry-After`` longer than ``NEWSCRAWL_RETRY_AFTER_MAX`` is not
retried at all: the response goes on to the spider's errback and is counted failed, rather
than the run coming back earlier than the server asked.

The wait happens inside the middleware, so the request keeps its place in the downloader's
active set: under a storm the engine stops feeding new requests instead of piling them on.
With a download delay (the default), the host's slot is also pushed back by the wait, so
other requests to the same host pause too.

A 429 or 503 also sends ``HOST_BACKOFF`` (host, seconds): in distributed mode the host
budget (``newscrawl.distributed.politeness``) pauses that host for every worker.
"""

from __future__ import annotations

import logging
import random
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet import task

from newscrawl.defaults import project_settings
from newscrawl.scrapy_private import require_download_slot_lastseen

logger = logging.getLogger(__name__)

# Signal: a host asked us to slow down; arguments host (str) and seconds (float).
HOST_BACKOFF = object()
# The statuses that are about the host, not the page.
BACKOFF_STATUSES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value, or None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def backoff_delay(attempt: int, base: float, cap: float, jitter: float = 0.25) -> float:
    """Exponential backoff for the ``attempt``-th retry (1-based), capped, with jitter."""
    delay = min(cap, base * 2 ** (attempt - 1))
    return delay * (1 + random.uniform(-jitter, jitter))  # noqa: S311 (not crypto)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        require_download_slot_lastseen(__name__)
        ours = project_settings(settings)
        self.backoff_base = ours.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE")
        self.backoff_max = ours.getfloat("NEWSCRAWL_RETRY_BACKOFF_MAX")
        self.retry_after_max = ours.getfloat("NEWSCRAWL_RETRY_AFTER_MAX")

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        if retry_after is not None:
            stats.inc_value("newscrawl/retry/retry_after")
            if retry_after > self.retry_after_max:
                stats.inc_value("newscrawl/retry/retry_after_too_long")
                logger.warning(
                    "Not retrying %s: Retry-After %.0f s is over NEWSCRAWL_RETRY_AFTER_MAX",
                    request.url,
                    retry_after,
                )
                self._share_backoff(request, response, self.retry_after_max)
                return response
        new_request = self._retry(request, response_status_message(response.status))
        delay = retry_after
        if delay is None:
            attempt = request.meta.get("retry_times", 0) + 1
            delay = backoff_delay(attempt, self.backoff_base, self.backoff_max)
        self._share_backoff(request, response, delay)
        if new_request is None:
            return response
        await self._wait(request, delay)
        return new_request

    async def process_exception(self, request, exception):
        new_request = super().process_exception(request, exception)
        if new_request is not None:
            await self._wait(request, self._backoff(new_request))
        return new_request

    def _share_backoff(self, request, response, seconds: float) -> None:
        if response.status in BACKOFF_STATUSES and seconds > 0:
            host = (urlsplit(request.url).hostname or "").lower()
            self.crawler.signals.send_catch_log(HOST_BACKOFF, host=host, seconds=seconds)

    def _backoff(self, new_request) -> float:
        return backoff_delay(new_request.meta["retry_times"], self.backoff_base, self.backoff_max)

    async def _wait(self, request, delay: float) -> None:
        if delay <= 0:
            return
        self.crawler.stats.inc_value("newscrawl/retry/waits")
        self._push_back_slot(request, delay)
        from twisted.internet import reactor

        await maybe_deferred_to_future(task.deferLater(reactor, delay, lambda: None))

    def _push_back_slot(self, request, delay: float) -> None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, time.time() + delay)
