"""429/503 storms and broken transfers: retried with backoff, each page stored or counted failed."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import scrapy
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from newscrawl.middlewares.retry import BackoffRetryMiddleware, backoff_delay, parse_retry_after
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page, send

END = "FIN-DE-L-ARTICLE"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(b"7", 7.0), ("0", 0.0), (b"", None), (None, None), (b"soon", None), (b"-3", None)],
)
def test_parse_retry_after_seconds(value, seconds):
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_http_date():
    now = datetime(2024, 10, 21, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == 90.0
    assert parse_retry_after(earlier, now=now.timestamp()) == 0.0


def test_backoff_grows_and_is_capped():
    delays = [backoff_delay(n, base=2.0, cap=60.0, jitter=0) for n in range(1, 8)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    assert 1.5 <= backoff_delay(1, base=2.0, cap=60.0) <= 2.5


def _middleware(**settings):
    crawler = get_crawler(scrapy.Spider, {"RETRY_TIMES": 3, **settings})
    crawler._apply_settings()
    crawler.spider = crawler._create_spider("probe")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    waits: list[float] = []

    async def record(request, delay):
        waits.append(delay)

    middleware._wait = record
    return middleware, waits


@pytest.mark.parametrize(
    ("status", "retry_after", "retried", "waited"),
    [
        (429, "7", True, 7.0),
        (503, "120", True, 120.0),
        (429, "86400", False, None),  # over NEWSCRAWL_RETRY_AFTER_MAX: not retried
        (200, "7", False, None),
    ],
)
def test_retry_after_sets_the_wait(status, retry_after, retried, waited):
    middleware, waits = _middleware()
    request = Request("http://127.0.0.1/a")
    response = Response(request.url, status=status, headers={"Retry-After": retry_after})
    result = asyncio.run(middleware.process_response(request, response))
    assert isinstance(result, Request) is retried
    assert waits == ([waited] if waited is not None else [])


def test_without_retry_after_the_wait_is_the_backoff():
    middleware, waits = _middleware(
        NEWSCRAWL_RETRY_BACKOFF_BASE=4.0, NEWSCRAWL_RETRY_BACKOFF_MAX=60.0
    )
    request = Request("http://127.0.0.1/a", meta={"retry_times": 2})
    result = asyncio.run(middleware.process_response(request, Response(request.url, status=503)))
    assert result.meta["retry_times"] == 3
    assert 12.0 <= waits[0] <= 20.0  # 4 * 2**2, +-25 %


# --- a storm --------------------------------------------------------------------------------


def _storm_route(site, number):
    kind = number % 4

    def route(handler):
        if kind == 0 and site.count(handler.path) <= 2:
            send(handler, 429, b"slow down", {"Retry-After": "0"})
        elif kind == 1:
            send(handler, 503, b"down")
        elif kind == 2:
            send(handler, 429, b"slow down", {"Retry-After": "1"})
        elif kind == 3:
            send(handler, 429, b"come back tomorrow", {"Retry-After": "86400"})
        else:
            send(handler, 200, html(f"article {number}", END).encode())

    return route


@pytest.fixture
def storm_site():
    with ScriptedServer() as site:
        paths = [f"/a/{number}" for number in range(12)]
        for number, path in enumerate(paths):
            site.routes[path] = _storm_route(site, number)
        site.routes["/"] = page(html("listing", links=paths))
        yield site


def test_429_503_storm_every_article_ends_stored_or_counted_failed(storm_site, tmp_path):
    result = crawl(tmp_path, {"start_urls": storm_site.url("/")})

    stored = sorted(item["title"] for item in result["items"] if item["title"] != "listing")
    assert stored == ["article 0", "article 4", "article 8"]
    stats = result["stats"]
    failed = stats["newscrawl/failed/http_503"] + stats["newscrawl/failed/http_429"]
    assert len(stored) + failed == 12
    assert stats["newscrawl/failed/http_503"] == 3 and stats["newscrawl/failed/http_429"] == 6
    assert stats["newscrawl/retry/retry_after_too_long"] == 3
    for number in range(12):
        expected = {0: 3, 1: 4, 2: 4, 3: 1}[number % 4]  # 1 + RETRY_TIMES for the hopeless
        assert storm_site.count(f"/a/{number}") == expected, number


def test_control_scrapy_alone_retries_against_retry_after(storm_site, tmp_path):
    result = crawl(tmp_path, {"start_urls": storm_site.url("/")}, {"DOWNLOADER_MIDDLEWARES": "{}"})
    assert storm_site.count("/a/3") == 4
    assert "newscrawl/retry/waits" not in result["stats"]


# --- broken transfers -----------------------------------------------------------------------


def _full(handler, number):
    send(handler, 200, html(f"page {number}", "<p>" + "mot " * 2000 + f"</p>{END}").encode())


def _truncated(handler, number):
    body = html(f"page {number}", "<p>" + "mot " * 2000 + f"</p>{END}").encode()
    handler.send_response_only(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body[: len(body) // 2])
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def _broken_chunks(handler, number):
    handler.send_response_only(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.wfile.write(b"10\r\n<html><title>pa\r\nzz-not-a-size\r\nge</title></html>\r\n")
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def _reset(handler, number):
    handler.close_connection = True
    # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def _stall(handler, number):
    time.sleep(2.5)
    with contextlib.suppress(OSError):
        _full(handler, number)


FAULTS = {"truncated": _truncated, "chunks": _broken_chunks, "reset": _reset, "stall": _stall}


@pytest.fixture
def faulty_site():
    """/<fault>-once fails the first time then answers; /<fault>-always never answers well."""
    with ScriptedServer() as site:
        paths = []
        for number, (name, fault) in enumerate(FAULTS.items()):
            for mode in ("once", "always"):
                path = f"/{name}-{mode}"
                paths.append(path)

                def route(handler, fault=fault, mode=mode, number=number):
                    if mode == "always" or site.first_time(handler):
                        fault(handler, number)
                    else:
                        _full(handler, number)

                site.routes[path] = route
        site.routes["/"] = page(html("listing", links=paths))
        yield site


FAULT_SETTINGS = {"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "2"}


def test_broken_transfers_are_retried_and_never_emitted_partial(faulty_site, tmp_path):
    result = crawl(tmp_path, {"start_urls": faulty_site.url("/")}, FAULT_SETTINGS)

    pages = [item for item in result["items"] if item["title"] != "listing"]
    assert sorted(item["title"] for item in pages) == [f"page {n}" for n in range(4)]
    assert all(item["text"].endswith(END) for item in pages)
    for name in FAULTS:
        once, always = faulty_site.count(f"/{name}-once"), faulty_site.count(f"/{name}-always")
        if name == "reset":
            # Twisted itself resends a GET once when a reused keep-alive connection is
            # reset, before Scrapy sees a failure: up to twice the attempts reach the server.
            assert 2 <= once <= 3 and 3 <= always <= 6, (once, always)
        else:
            assert (once, always) == (2, 3), name  # always: 1 + RETRY_TIMES
    stats = result["stats"]
    failed = sum(v for k, v in stats.items() if k.startswith("newscrawl/failed/"))
    assert failed == 4  # the four /*-always pages, each with its reason
    assert stats["newscrawl/failed/DownloadTimeoutError"] == 1
    assert stats["newscrawl/failed/ResponseDataLossError"] >= 1


def test_control_accepting_data_loss_emits_a_partial_page(faulty_site, tmp_path):
    settings = {**FAULT_SETTINGS, "DOWNLOAD_FAIL_ON_DATALOSS": "False"}
    result = crawl(tmp_path, {"start_urls": faulty_site.url("/")}, settings)
    partial = [item for item in result["items"] if not item["text"].endswith(END)]
    assert [item["url"] for item in partial if item["title"] != "listing"]
