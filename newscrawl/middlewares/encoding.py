"""Decode pages with the charset their bytes are really in, not the one they claim.

Scrapy (w3lib) trusts a BOM, then the Content-Type header, then ``<meta charset>``, and
decodes with replacement. A French page whose header says UTF-8 but whose bytes are Latin-1
would then lose every accent to U+FFFD, and UTF-8 bytes declared Latin-1 turn "é" into "Ã©".
Both mistakes are visible in the bytes: Latin-1 text with accents is almost never valid
UTF-8, and valid multi-byte UTF-8 is almost never meant as Latin-1. So:

* declared UTF-8 but not valid UTF-8: decode as windows-1252 (Latin-1's superset);
* declared a single-byte Western charset but valid UTF-8 with non-ASCII bytes: UTF-8;
* nothing declared at all: UTF-8 if valid, else windows-1252 (a French site's legacy
  charset), rather than w3lib's statistical guess, which can pick a Baltic code page.

Each correction is counted under ``newscrawl/encoding/<from>_to_<to>``. A BOM is left
alone (w3lib honours it already). ``NEWSCRAWL_CHARSET_REPAIR = False`` turns this off.
"""

from __future__ import annotations

import codecs
import logging

from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from newscrawl.defaults import project_settings

logger = logging.getLogger(__name__)

_SINGLE_BYTE = {"cp1252", "iso8859_1", "iso8859_15", "latin_1", "ascii"}
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _codec(name: str | None) -> str | None:
    try:
        return codecs.lookup(name).name.replace("-", "_") if name else None
    except LookupError:
        return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def repaired_encoding(body: bytes, encoding: str, declared: bool = True) -> str | None:
    """The charset to decode ``body`` with instead of ``encoding``, or None to keep it.

    ``declared`` is False when neither the header nor the page named a charset.
    """
    if body.startswith(_BOMS) or body.isascii():
        return None
    codec = _codec(encoding)
    if not declared:
        best = "utf-8" if _is_utf8(body) else "cp1252"
        return None if codec == _codec(best) else best
    if codec == "utf_8" and not _is_utf8(body):
        return "cp1252"
    if codec in _SINGLE_BYTE and _is_utf8(body):
        return "utf-8"
    return None


class CharsetRepairMiddleware:
    def __init__(self, crawler):
        if not project_settings(crawler.settings).getbool("NEWSCRAWL_CHARSET_REPAIR"):
            raise NotConfigured
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not isinstance(response, TextResponse):
            return response
        declared = response.encoding
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        named = bool(
            http_content_type_encoding(content_type) or html_body_declared_encoding(response.body)
        )
        better = repaired_encoding(response.body, declared, named)
        if better is None:
            return response
        self.stats.inc_value(f"newscrawl/encoding/{_codec(declared)}_to_{_codec(better)}")
        logger.info("%s declares %s but its bytes are %s", response.url, declared, better)
        return response.replace(encoding=better)
