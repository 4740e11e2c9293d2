"""A scripted HTTP/1.1 server on a loopback address: each path answered by a route.

The safety and archive tests script their pages with it; the generated copy of the site has
its own server (``tests.site.server``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]


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
    Unknown paths go to ``fallback`` when given, else get 404; /robots.txt is empty (allow
    all) unless routed.
    """

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
        fallback: Route | None = None,
    ):
        self.routes: dict[str, Route] = dict(routes or {})
        self.fallback = fallback
        self.running = False
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

    @property
    def hits(self) -> list[str]:
        """The paths requested, query strings left out."""
        return [urlsplit(path).path for path in self.paths()]

    def count(self, path: str) -> int:
        return self.paths().count(path)

    def first_time(self, handler) -> bool:
        """Whether the request being answered is the first one for its path."""
        return self.count(handler.path) == 1

    def __enter__(self) -> ScriptedServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.running = True
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop answering (a test may stop it early: later connections are refused)."""
        if self.running:
            self._httpd.shutdown()
            self._httpd.server_close()
            self.running = False

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = self.path if "?" in self.path else urlsplit(self.path).path
                with server._lock:
                    server.requests.append((path, dict(self.headers.items())))
                    route = server.routes.get(path) or server.routes.get(urlsplit(path).path)
                if route is None and server.fallback is not None:
                    route = server.fallback
                if route is None:
                    route = page("", 200) if path == "/robots.txt" else page("nope", 404)
                route(self)

            def log_message(self, *args):
                pass

        return Handler
