"""A threaded HTTP server on 127.0.0.1 that answers from a Site model.

It records every path it was asked for, so tests can assert what the crawler fetched,
and sends the site's fixed clock as the ``Date`` header so crawls are reproducible.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from datetime import UTC
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from tests.site.model import Site


def free_port() -> int:
    """A port free on 127.0.0.1 now, for servers that cannot bind port 0 themselves."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SiteServer:
    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0):
        self.site = site
        self.requests: Counter[str] = Counter()
        self.access_log: list[tuple[float, str]] = []  # (time.time() on arrival, path)
        self._lock = threading.Lock()
        self._routes = site.routes()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def refresh(self) -> None:
        """Re-render the pages after the site model was changed."""
        routes = self.site.routes()
        with self._lock:
            self._routes = routes

    def start(self) -> SiteServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.requests[path] += 1
            found = self._routes.get(path)
        if found is None:
            return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>Page introuvable</h1>"
        return found

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.access_log.append((time.time(), self.path))
                status, headers, body = server._answer(unquote(urlsplit(self.path).path))
                self.send_response_only(status)
                self.send_header(
                    "Date", format_datetime(server.site.now.astimezone(UTC), usegmt=True)
                )
                self.send_header("Server", "newscrawl-test-site")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep test output clean
                pass

        return Handler
