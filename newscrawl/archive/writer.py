"""Size-rotated gzip WARC 1.1 files, written so that a killed process leaves readable files.

No Scrapy import: the capture middleware (``newscrawl.archive.capture``) turns a Scrapy
exchange into bytes and hands them here. Each record is its own gzip member, built in memory
and written with one ``write`` then flushed, so a SIGKILL can only cut the exchange being
written; every earlier record stays readable. A file in progress is named ``*.warc.gz.open``
and renamed to ``*.warc.gz`` once closed, so a directory never shows a half-written file
under a final name.
"""

from __future__ import annotations

import gzip
import io
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newscrawl.normalize.clock import utc_now

WARC_VERSION = "1.1"
OPEN_SUFFIX = ".open"
GZIP_LEVEL = 6


class RawStatusAndHeaders(StatusAndHeaders):
    """HTTP headers kept as the exact bytes received.

    warcio rebuilds the header block from parsed strings and %-encodes any non-ASCII
    value, which would change what a replay returns; here the block is fixed up front.
    """

    def __init__(self, statusline: str, headers: list[tuple[str, str]], block: bytes, **kw):
        super().__init__(statusline, headers, **kw)
        self.headers_buff = block

    def compute_headers_buffer(self, header_filter=None) -> None:
        pass


@dataclass
class HttpExchange:
    """One request and the response it got, as they went over the wire (bodies raw)."""

    url: str
    request_block: bytes
    request_body: bytes
    response_block: bytes
    response_body: bytes
    warc_date: str
    ip_address: str | None = None


def http_block(start_line: str, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The start line and header lines of an HTTP message, ending with the blank line."""
    lines = [start_line.encode("latin-1")]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _parsed(block: bytes, is_request: bool) -> RawStatusAndHeaders:
    # The parsed view only feeds warcio's bookkeeping (status code, digests, Content-Type);
    # what is written is ``block`` itself.
    lines = block.decode("latin-1").split("\r\n")
    status = lines[0]
    headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
    headers = [(name.strip(), value.strip()) for name, value in headers]
    protocol = ""
    if not is_request:
        protocol, _, status = status.partition(" ")
    return RawStatusAndHeaders(
        status, headers, block, protocol=protocol, is_http_request=is_request
    )


def warc_date(moment: datetime | None = None) -> str:
    """A WARC 1.1 date (UTC, microseconds) for ``moment`` or now."""
    moment = (moment or utc_now()).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _member(writer: WARCWriter, record) -> bytes:
    out = io.BytesIO()
    writer.out = out
    writer.write_record(record)
    # One gzip member per record, so a reader can start at any record's offset. Level 6:
    # warcio's own gzip is level 9, ~9x slower for ~2% smaller files (a 90 KiB page took
    # 45 ms, long enough to stall the crawl's event loop).
    return gzip.compress(out.getvalue(), compresslevel=GZIP_LEVEL)


def exchange_bytes(writer: WARCWriter, exchange: HttpExchange) -> bytes:
    """The gzip members of the response record and of its request record, in that order."""
    common = {"WARC-Date": exchange.warc_date}
    if exchange.ip_address:
        common["WARC-IP-Address"] = exchange.ip_address
    response = writer.create_warc_record(
        exchange.url,
        "response",
        payload=io.BytesIO(exchange.response_body),
        length=len(exchange.response_body),
        warc_headers_dict=dict(common),
        http_headers=_parsed(exchange.response_block, is_request=False),
    )
    common["WARC-Concurrent-To"] = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        exchange.url,
        "request",
        payload=io.BytesIO(exchange.request_body),
        length=len(exchange.request_body),
        warc_headers_dict=common,
        http_headers=_parsed(exchange.request_block, is_request=True),
    )
    return _member(writer, response) + _member(writer, request)


class RotatingWarcWriter:
    """Appends exchanges to ``<prefix>-<time>-<serial>-<pid>.warc.gz`` files in a directory.

    A new file starts when the next exchange would take the current one past ``max_size``
    bytes (a single exchange larger than the bound still gets a file of its own).
    """

    def __init__(self, directory: str | os.PathLike, prefix: str, max_size: int, info: dict):
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info = info
        self.serial = 0
        self.closed_files: list[Path] = []
        self._writer = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        self._file = None
        self._path: Path | None = None
        self._size = 0
        self._exchanges = 0
        self.last_location: tuple[str, int] | None = None
        """(final file name, offset) of the last exchange's response record: where the
        corpus store says a version's response sits (``newscrawl reparse`` reads it there)."""

    def write(self, exchange: HttpExchange) -> int:
        """Write one exchange; returns the number of compressed bytes written."""
        data = exchange_bytes(self._writer, exchange)
        if self._file is not None and self._exchanges and self._size + len(data) > self.max_size:
            self.close()
        if self._file is None:
            self._open()
        self.last_location = (self._path.name, self._size)
        self._append(data)
        self._exchanges += 1
        return len(data)

    def close(self) -> None:
        """Close the current file and give it its final name; a later write opens a new one."""
        if self._file is None:
            return
        self._file.close()
        os.replace(self._open_name(self._path), self._path)
        self.closed_files.append(self._path)
        self._file = None
        self._path = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.serial += 1
        stamp = utc_now().strftime("%Y%m%d%H%M%S")
        name = f"{self.prefix}-{stamp}-{self.serial:05d}-{os.getpid()}.warc.gz"
        self._path = self.directory / name
        # "x": never append to, or clobber, a file another run is writing.
        self._file = open(self._open_name(self._path), "xb")  # noqa: SIM115
        self._size = 0
        self._exchanges = 0
        info = {"hostname": socket.gethostname(), **self.info}
        self._append(_member(self._writer, self._writer.create_warcinfo_record(name, info)))

    def _append(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        self._size += len(data)

    @staticmethod
    def _open_name(path: Path) -> Path:
        return path.with_name(path.name + OPEN_SUFFIX)
