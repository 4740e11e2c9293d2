"""An index of the HTTP responses in WARC files, and the exact recorded bytes of each.

No Scrapy import: the replay middleware (``newscrawl.archive.replay``) asks this module for
a URL and builds the Scrapy response itself. The index keeps only file offsets, so an archive much
larger than memory can be replayed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from w3lib.url import canonicalize_url
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from newscrawl.archive.writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordRef:
    path: Path
    offset: int
    warc_date: str


@dataclass
class RecordedResponse:
    """A response as recorded: status line parts, raw header pairs and the raw body."""

    url: str
    warc_date: str
    protocol: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    ip_address: str | None


def url_key(url: str) -> str:
    # Same canonical form as Scrapy's request fingerprints: query order and fragments
    # do not make two requests different.
    return canonicalize_url(url)


def archive_files(paths: list[str]) -> list[Path]:
    """The WARC files named by ``paths``: a file as given, a directory's ``*.warc.gz``.

    A directory's unfinished ``*.warc.gz.open`` files are left out (they may still be
    written); name one explicitly to read it.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.name.endswith((".warc.gz", ".warc")))
            for unfinished in sorted(path.glob(f"*{OPEN_SUFFIX}")):
                logger.warning(
                    "Skipped unfinished %s (a capture still running, or killed: "
                    "python -m newscrawl.archive.recover FILE makes it replayable)",
                    unfinished,
                )
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"replay archive not found: {raw}")
    return files


def _split_http(block: bytes) -> tuple[str, int, list[tuple[bytes, bytes]], int]:
    """Protocol, status, header pairs and header-block length of a raw HTTP response."""
    end = block.find(b"\r\n\r\n")
    if end < 0:
        raise ValueError("no end of HTTP headers in record")
    lines = block[:end].split(b"\r\n")
    protocol, _, rest = lines[0].decode("latin-1").partition(" ")
    status = int(rest.split(" ", 1)[0])
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return protocol, status, headers, end + 4


def complete_records(path: Path, errors: list[str]) -> Iterator[tuple[ArcWarcRecord, int, int]]:
    """(record, offset, length in the file) of each record whose digests check, up to damage.

    A capture killed mid-write ends with a cut record: it is reported in ``errors`` and
    everything before it is kept. Records are read in full to check them, so a body cut
    short is never replayed as if it were whole.
    """
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        try:
            for record in records:
                size = record.http_headers.total_len if record.http_headers else 0
                while chunk := record.raw_stream.read(1 << 16):
                    size += len(chunk)
                # A cut body just reads short: the digest is only checked on a full read.
                if size != record.length:
                    raise ValueError(f"record of {record.length} bytes ends after {size}")
                if record.digest_checker.passed is False:
                    raise ValueError("; ".join(record.digest_checker.problems))
                yield record, records.get_record_offset(), records.get_record_length()
        # warcio reports a cut gzip member or header in several ways, AttributeError included.
        except Exception as exc:
            # warcio may quote the bytes it choked on: a few, escaped, keep it one short line.
            why = " ".join(repr(exc).split())
            why = why if len(why) <= 200 else why[:200] + "…"
            message = f"{path}: stopped reading at a damaged record ({why})"
            errors.append(message)
            logger.warning(message)


class ArchiveIndex:
    """Canonical URL -> the latest response record for it, over a set of WARC files."""

    def __init__(self, files: list[Path]):
        self.files = files
        self.refs: dict[str, RecordRef] = {}
        self.errors: list[str] = []
        for path in files:
            self._scan(path)

    def __len__(self) -> int:
        return len(self.refs)

    def __contains__(self, url: str) -> bool:
        return url_key(url) in self.refs

    def _scan(self, path: Path) -> None:
        for record, offset, _length in complete_records(path, self.errors):
            if record.rec_type != "response":
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date") or ""
            key = url_key(url)
            known = self.refs.get(key)
            # ISO dates of one format compare as strings; on a tie the later file (or later
            # place in a file) wins, as it was written last.
            if known is None or date >= known.warc_date:
                self.refs[key] = RecordRef(path, offset, date)

    def get(self, url: str) -> RecordedResponse | None:
        ref = self.refs.get(url_key(url))
        if ref is None:
            return None
        with open(ref.path, "rb") as stream:
            stream.seek(ref.offset)
            # no_record_parse: read the HTTP block as bytes, not as warcio's decoded strings.
            record = next(iter(ArchiveIterator(stream, no_record_parse=True)))
            block = record.raw_stream.read()
            headers = record.rec_headers
        protocol, status, pairs, start = _split_http(block)
        return RecordedResponse(
            url=headers.get_header("WARC-Target-URI"),
            warc_date=headers.get_header("WARC-Date"),
            protocol=protocol,
            status=status,
            headers=pairs,
            body=block[start:],
            ip_address=headers.get_header("WARC-IP-Address"),
        )
