"""A TCP proxy on 127.0.0.1 between Redis clients and a real redis-server, that stalls on cue.

While *stalled*, commands still reach Redis (and run) but replies are held back, which is
what a client sees when Redis stalls after reading a command: the call times out although
its effect happened. ``stall_on(marker)`` stalls the moment a command containing ``marker``
(a script's SHA-1, say) has been passed on, so a test catches exactly that call in flight.
``stall_on(marker, one_connection=True)`` holds only that command's connection: its reply
is lost while Redis stays responsive to every other connection, which is what a client that
re-sends a timed-out call meets. ``resume()`` delivers the held replies to the connections
still open (a client that timed out has closed its own, so it never reads a stale reply).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.site.server import free_port


class StallingProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.caught = threading.Event()  # set when the awaited command went through
        self._open = threading.Event()
        self._open.set()
        self._marker: bytes | None = None
        self._one_connection = False
        self._held: set[socket.socket] = set()  # connections whose replies are held
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def stalled(self) -> bool:
        return not self._open.is_set()

    def stall(self) -> None:
        self._open.clear()

    def stall_on(self, marker: bytes, one_connection: bool = False) -> None:
        """Stall right after the next command containing ``marker`` reaches Redis (every
        connection, or only the one that carried it)."""
        self.caught.clear()
        with self._lock:
            self._marker = marker
            self._one_connection = one_connection

    def resume(self) -> None:
        with self._lock:
            self._marker = None
            self._held.clear()
        self._open.set()

    def close(self) -> None:
        self._closed = True
        self.resume()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()

    # --- pumping -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._commands, args=(client, server), daemon=True).start()
            threading.Thread(target=self._replies, args=(server, client), daemon=True).start()

    def _commands(self, client: socket.socket, server: socket.socket) -> None:
        while True:
            data = _recv(client)
            if not data:
                _shut(server)
                return
            with self._lock:
                # Close the gate before Redis can answer, so that the reply is held.
                caught = self._marker is not None and self._marker in data
                if caught:
                    self._marker = None
                    if self._one_connection:
                        self._held.add(client)
                    else:
                        self._open.clear()
            try:
                server.sendall(data)
            except OSError:
                return
            if caught:
                self.caught.set()

    def _replies(self, server: socket.socket, client: socket.socket) -> None:
        while True:
            data = _recv(server)
            if not data:
                _shut(client)
                return
            self._open.wait()
            while client in self._held:
                time.sleep(0.01)
            try:
                client.sendall(data)
            except OSError:
                return


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
