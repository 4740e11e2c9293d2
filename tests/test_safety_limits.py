"""Bounded responses: size limits, decompression bombs, truncated streams; the page cap.

The bombs are made here, in memory, each 1 GiB of zeros once decompressed.
"""

from __future__ import annotations

import gzip
import re
import zlib

import brotli
import pytest
from backports import zstd

from newscrawl.middlewares.limits import IncompleteEncoding, decode_strict
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page

MIB = 1024 * 1024
GIB_OF_ZEROS = 1024  # MiB
BINARY = {"Content-Type": "application/octet-stream"}


def _gzip_bomb() -> bytes:
    # Concatenated members are one gzip body: 1024 copies of a 1 MiB member make 1 GiB.
    return gzip.compress(b"\0" * MIB, 9) * GIB_OF_ZEROS


def _deflate_bomb() -> bytes:
    compressor = zlib.compressobj(9)
    chunk = b"\0" * MIB
    return b"".join(compressor.compress(chunk) for _ in range(GIB_OF_ZEROS)) + compressor.flush()


def _brotli_bomb() -> bytes:
    compressor = brotli.Compressor(quality=5)
    chunk = b"\0" * MIB
    return b"".join(compressor.process(chunk) for _ in range(GIB_OF_ZEROS)) + compressor.finish()


def _zstd_bomb() -> bytes:
    compressor = zstd.ZstdCompressor()
    chunk = b"\0" * MIB
    return b"".join(compressor.compress(chunk) for _ in range(GIB_OF_ZEROS)) + compressor.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {
        "gzip": _gzip_bomb(),
        "deflate": _deflate_bomb(),
        "br": _brotli_bomb(),
        "zstd": _zstd_bomb(),
    }


def _compress(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    if encoding == "br":
        return brotli.compress(data)
    return zstd.compress(data)


def _chunked(handler, body: bytes, piece: int = 64 * 1024) -> None:
    handler.send_response_only(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    try:
        for start in range(0, len(body), piece):
            part = body[start : start + piece]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        handler.wfile.write(b"0\r\n\r\n")
    except OSError:  # the crawler hangs up once the body is over its limit
        pass


@pytest.fixture
def bomb_site(bombs):
    with ScriptedServer() as site:
        for encoding, body in bombs.items():
            headers = {**BINARY, "Content-Encoding": encoding}
            site.routes[f"/bomb-{encoding}"] = page(body, headers=headers)
        big = b"x" * (11 * MIB)
        site.routes["/big-length"] = page(big, headers=BINARY)
        site.routes["/big-chunked"] = lambda handler: _chunked(handler, big)
        site.routes["/ok"] = page(html("ok", "small page"))
        yield site


def test_bombs_and_oversized_bodies_are_dropped_counted_with_memory_bounded(bomb_site, tmp_path):
    paths = ["/ok", "/big-length", "/big-chunked"] + [f"/bomb-{e}" for e in ENCODINGS]
    urls = ",".join(bomb_site.url(path) for path in paths)
    result = crawl(tmp_path, {"start_urls": urls, "follow": "0"})

    assert [item["title"] for item in result["items"]] == ["ok"]
    stats = result["stats"]
    assert stats["newscrawl/dropped/decompressed_too_large"] == 4
    assert stats["newscrawl/dropped/too_large"] == 2  # announced, and cut mid-way
    assert stats["newscrawl/failed/ResponseTooLarge"] == 6
    # Every bomb is 1 GiB decompressed; the process never holds more than a few limits.
    assert result["peak_rss_kb"] < 256 * 1024, result["peak_rss_kb"]


def test_control_without_a_size_limit_the_bomb_fills_memory(bomb_site, tmp_path):
    urls = ",".join(bomb_site.url(path) for path in ["/bomb-zstd", "/big-length"])
    settings = {"DOWNLOAD_MAXSIZE": "0", "DOWNLOAD_WARNSIZE": "0"}
    result = crawl(tmp_path, {"start_urls": urls, "follow": "0"}, settings)

    assert len(result["items"]) == 2
    assert result["peak_rss_kb"] > GIB_OF_ZEROS * 1024


ENCODINGS = ["gzip", "deflate", "br", "zstd"]
END = "<p>FIN-DE-L-ARTICLE</p>"


def _article(number: int) -> bytes:
    paragraphs = "".join(f"<p>Paragraphe {i} de l'article {number}.</p>" for i in range(400))
    return html(f"article {number}", paragraphs + END).encode()


@pytest.fixture
def truncating_site():
    """Complete HTTP bodies whose compressed stream is cut: at /cut-* always, /once-* once."""
    with ScriptedServer() as site:
        for number, encoding in enumerate(ENCODINGS):
            full = _compress(encoding, _article(number))
            headers = {"Content-Encoding": encoding}
            site.routes[f"/cut-{encoding}"] = page(full[: len(full) * 2 // 3], headers=headers)

            def once(handler, full=full, headers=headers, path=f"/once-{encoding}"):
                body = full if site.count(path) > 1 else full[: len(full) // 2]
                page(body, headers=headers)(handler)

            site.routes[f"/once-{encoding}"] = once
        yield site


def _urls(site, prefix: str) -> str:
    return ",".join(site.url(f"/{prefix}-{encoding}") for encoding in ENCODINGS)


def test_truncated_compressed_bodies_are_retried_then_dropped_never_partial(
    truncating_site, tmp_path
):
    urls = _urls(truncating_site, "cut") + "," + _urls(truncating_site, "once")
    result = crawl(tmp_path, {"start_urls": urls, "follow": "0"})

    titles = sorted(item["title"] for item in result["items"])
    assert titles == [f"article {n}" for n in range(4)]  # each /once-* on its retry
    assert all(item["text"].endswith("FIN-DE-L-ARTICLE") for item in result["items"])
    stats = result["stats"]
    assert stats["newscrawl/dropped/truncated_encoding"] == 4
    assert stats["newscrawl/failed/BrokenBody"] == 4
    assert stats["retry/reason_count/truncated_encoding"] == 4 * 3 + 4
    for encoding in ENCODINGS:
        assert truncating_site.count(f"/cut-{encoding}") == 4  # 1 + RETRY_TIMES
        assert truncating_site.count(f"/once-{encoding}") == 2


def test_control_scrapy_alone_emits_truncated_articles_as_if_complete(truncating_site, tmp_path):
    urls = _urls(truncating_site, "cut")
    result = crawl(tmp_path, {"start_urls": urls, "follow": "0"}, {"DOWNLOADER_MIDDLEWARES": "{}"})

    partial = [item for item in result["items"] if "FIN-DE-L-ARTICLE" not in item["text"]]
    assert len(partial) >= 2  # gzip and zstd at least hand over what they decoded


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_decode_strict_needs_the_end_of_stream(encoding):
    data = _article(7)
    full = _compress(encoding, data)
    assert decode_strict(full, encoding.encode(), 10 * MIB) == data
    with pytest.raises(IncompleteEncoding):
        decode_strict(full[: len(full) // 2], encoding.encode(), 10 * MIB)


def test_warn_size_is_logged_and_the_page_kept(tmp_path):
    body = html("big", "<p>mot </p>" * (300 * 1024)).encode()  # about 3.3 MB
    with ScriptedServer() as site:
        site.routes["/big.html"] = page(gzip.compress(body), headers={"Content-Encoding": "gzip"})
        result = crawl(tmp_path, {"start_urls": site.url("/big.html"), "follow": "0"})
    assert [item["title"] for item in result["items"]] == ["big"]
    assert re.search(r"larger than the download warning size \(2097152 B\)", result["log"])


def _trap(handler) -> None:
    """Every page links to a next page, a next day and itself with a new query string."""
    number = int(re.search(r"n=(\d+)", handler.path).group(1))
    links = [
        f"/trap?n={number + 1}",
        f"/trap?n={number}&sort=date{number}",
        f"/trap?n={number + 1000}&calendar=2024-01-{number % 28 + 1:02d}",
    ]
    page(html(f"trap {number}", links=links))(handler)


def test_a_crawler_trap_ends_at_the_page_cap(tmp_path):
    with ScriptedServer({"/trap": _trap}) as site:
        # No DEPTH_LIMIT (the project's default bounds this trap too): the cap alone.
        settings = {"NEWSCRAWL_MAX_REQUESTS": "40", "DEPTH_LIMIT": "0"}
        result = crawl(tmp_path, {"start_urls": site.url("/trap?n=0")}, settings)
        pages = [path for path in site.paths() if path != "/robots.txt"]
    assert len(pages) == 40
    assert len(result["items"]) == 40
    assert result["stats"]["newscrawl/skipped/page_cap"] >= 1
    assert "NEWSCRAWL_MAX_REQUESTS (40) reached" in result["log"]


def test_control_without_the_cap_the_trap_does_not_end_by_itself(tmp_path):
    with ScriptedServer({"/trap": _trap}) as site:
        settings = {
            "NEWSCRAWL_MAX_REQUESTS": "0",
            "DEPTH_LIMIT": "0",
            "CLOSESPIDER_PAGECOUNT": "120",
        }
        result = crawl(tmp_path, {"start_urls": site.url("/trap?n=0")}, settings)
    assert result["stats"]["finish_reason"] == "closespider_pagecount"
    assert len(result["items"]) > 40


def test_gzip_members_and_trailing_junk():
    data = _article(3)
    two_members = gzip.compress(data[:100]) + gzip.compress(data[100:])
    assert decode_strict(two_members, b"gzip", 10 * MIB) == data
    assert decode_strict(gzip.compress(data) + b"\0\0junk", b"gzip", 10 * MIB) == data
    with pytest.raises(IncompleteEncoding):  # a second member cut short is still caught
        decode_strict(gzip.compress(data) + gzip.compress(data)[:40], b"gzip", 10 * MIB)
