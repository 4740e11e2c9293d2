"""Shared pieces of the safety tests (no tests here): a scripted loopback server, a probe
spider that follows every link, resolvers that simulate DNS rebinding, and a crawl runner.

The probe spider stands in for any spider: the middlewares under test must protect a crawl
whatever its spider does with links.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer

from newscrawl.middlewares.ssrf import GuardedResolver
from tests.support.crawl_runner import crawl_in_subprocess

Route = Callable[[BaseHTTPRequestHandler], None]


# --- server ------------------------------------------------------------------------------


def send(handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
    """Write one complete response with a Content-Length."""
    handler.send_response_only(status)
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with contextlib.suppress(OSError):  # the crawler hung up, e.g. on a body over its limit
        handler.wfile.write(body)


def page(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda handler: send(handler, status, data, headers)


def html(title: str, body: str = "", links: list[str] = ()) -> str:
    anchors = "".join(f'<a href="{link}">{link}</a>' for link in links)
    return f"<html><head><title>{title}</title></head><body>{body}{anchors}</body></html>"


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # routes that reset or stall connections make the socket fail on purpose


class ScriptedServer:
    """HTTP/1.1 on a loopback address, port 0, answering each path with a route.

    Records every request as (path, headers) so tests can tell what reached the server.
    Unknown paths get 404; /robots.txt is empty (allow all) unless routed.
    """

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._httpd = _QuietServer((host, 0), self._handler_class())
        self._httpd.daemon_threads = True

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def first_time(self, handler) -> bool:
        """Whether the request being answered is the first one for its path."""
        return self.count(handler.path) == 1

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path if "?" in self.path else urlsplit(self.path).path
                with server._lock:
                    server.requests.append((path, dict(self.headers.items())))
                    route = server.routes.get(path) or server.routes.get(urlsplit(path).path)
                if route is None:
                    route = page("", 200) if path == "/robots.txt" else page("nope", 404)
                route(self)

            def log_message(self, *args):
                pass

        return Handler


# --- spider ------------------------------------------------------------------------------


class ProbeSpider(scrapy.Spider):
    """Follows every link of every HTML page; one item per page fetched.

    Arguments: start_urls (comma-separated); headers (JSON object added to the start
    requests); follow ("0" to fetch the start URLs only).
    """

    name = "safety_probe"

    def __init__(self, start_urls="", headers="{}", follow="1", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [url for url in start_urls.split(",") if url]
        self.start_hosts = {urlsplit(url).hostname for url in self.start_urls}
        self.extra_headers = json.loads(headers)
        self.follow = follow == "1"

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, headers=self.extra_headers, errback=self.on_error)

    def parse(self, response):
        if not hasattr(response, "text"):
            yield {"url": response.url, "status": response.status, "text": None}
            return
        yield {
            "url": response.url,
            "status": response.status,
            "encoding": response.encoding,
            "title": response.css("title::text").get(),
            "text": " ".join(response.css("body ::text").getall()),
        }
        if self.follow:
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, errback=self.on_error)

    def on_error(self, failure):
        reason = failure_reason(failure)
        self.crawler.stats.inc_value(f"newscrawl/failed/{reason}")
        self.logger.warning("Failed %s: %s", failure.request.url, reason)


def failure_reason(failure) -> str:
    """As the project spider names failures: http_<status> or the exception's class."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    return type(failure.value).__name__


# --- resolvers that rebind ---------------------------------------------------------------

REBIND_HOST = "rebind.test"


class RebindingResolver(GuardedResolver):
    """``rebind.test`` answers a public address first, then 127.0.0.1: the textbook attack."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answers = 0

    def lookup(self, name, timeout=()):
        if name != REBIND_HOST:
            return super().lookup(name, timeout)
        self.answers += 1
        return defer.succeed("93.184.216.34" if self.answers == 1 else "127.0.0.1")


class RebindingUnvettedResolver(RebindingResolver):
    """The same DNS, with the connect-time check off: only the middleware's check is left."""

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.enabled = False
        return resolver


# --- crawling ----------------------------------------------------------------------------

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCRAWL_FEEDS_ENABLED": "False",
    "NEWSCRAWL_RETRY_BACKOFF_BASE": "0.05",
    "NEWSCRAWL_RETRY_BACKOFF_MAX": "0.2",
    "LOG_LEVEL": "INFO",
}


# The probe's dict items are not articles: the article pipelines would drop them.
PROBE = {"SPIDER_MODULES": "tests.test_safety_support", "ITEM_PIPELINES": "{}"}


def crawl(tmp_path: Path, spider_args: dict[str, str], settings: dict | None = None, spider=None):
    """Run one crawl in a subprocess (the reactor cannot restart); items, stats, log, RSS."""
    merged = {**FAST, **(PROBE if spider is None else {}), **(settings or {})}
    return crawl_in_subprocess(tmp_path, spider_args, merged, spider or ProbeSpider.name)
