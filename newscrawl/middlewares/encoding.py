"""Decode pages with the charset their bytes are really in, not the one they claim.

Scrapy (w3lib) trusts a BOM, then the Content-Type header, then ``<meta charset>``, and
decodes with replacement. A French page whose header says UTF-8 but whose bytes are Latin-1
would then lose every accent to U+FFFD, and UTF-8 bytes declared Latin-1 turn "é" into "Ã©".
Both mistakes are visible in the bytes: Latin-1 text with accents is almost never valid
UTF-8, and valid multi-byte UTF-8 is almost never meant as Latin-1. So:

* declared UTF-8 but not UTF-8: decode as windows-1252 (Latin-1's superset). "Not UTF-8"
  means more invalid byte runs than valid multi-byte characters: a UTF-8 page with a stray
  bad byte stays UTF-8, that byte alone replaced (U+FFFD), counted and logged as a warning;
* declared a single-byte Western charset but UTF-8 (by that rule) with non-ASCII: UTF-8;
* nothing declared at all: UTF-8 by that rule, else windows-1252 (a French site's legacy
  charset), rather than w3lib's statistical guess, which can pick a Baltic code page.

Each correction is counted under ``newscrawl/encoding/<from>_to_<to>``. A BOM is left
alone (w3lib honours it already). ``NEWSCRAWL_CHARSET_REPAIR = False`` turns this off.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Utf8Reading:
    """What decoding a body as UTF-8 finds: valid non-ASCII characters, invalid byte runs."""

    characters: int
    invalid_runs: int

    @property
    def is_utf8(self) -> bool:
        """UTF-8, maybe with a few bad bytes: as many valid characters as bad runs, or more.

        Text in a single-byte charset has accents that are invalid UTF-8 and hardly ever
        a valid sequence, so one bad byte among many good sequences is damage, not a charset.
        """
        return self.invalid_runs == 0 or 0 < self.invalid_runs <= self.characters


def read_utf8(body: bytes) -> Utf8Reading:
    text = body.decode("utf-8", "replace")
    # U+FFFD printed by the page itself (EF BF BD) is a valid character, not damage.
    genuine = body.count(b"\xef\xbf\xbd")
    replaced = text.count("\ufffd") - genuine
    runs = len(_REPLACED_RUN.findall(text)) - genuine if replaced else 0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return Utf8Reading(characters=non_ascii - replaced, invalid_runs=max(runs, 0))


_REPLACED_RUN = re.compile("\ufffd+")


def repaired_encoding(body: bytes, encoding: str, declared: bool = True) -> str | None:
    """The charset to decode ``body`` with instead of ``encoding``, or None to keep it.

    ``declared`` is False when neither the header nor the page named a charset. A body in
    UTF-8 with a few invalid bytes stays UTF-8: those bytes alone become U+FFFD.
    """
    if body.startswith(_BOMS) or body.isascii():
        return None
    codec = _codec(encoding)
    utf8 = read_utf8(body).is_utf8
    if not declared:
        best = "utf-8" if utf8 else "cp1252"
        return None if codec == _codec(best) else best
    if codec == "utf_8" and not utf8:
        return "cp1252"
    if codec in _SINGLE_BYTE and utf8:
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
        if _codec(better or declared) == "utf_8":
            self._count_damage(response)
        if better is None:
            return response
        self.stats.inc_value(f"newscrawl/encoding/{_codec(declared)}_to_{_codec(better)}")
        logger.info("%s declares %s but its bytes are %s", response.url, declared, better)
        return response.replace(encoding=better)

    def _count_damage(self, response) -> None:
        # Decoded as UTF-8 with some bytes invalid: those become U+FFFD, the rest is kept.
        runs = read_utf8(response.body).invalid_runs
        if runs:
            self.stats.inc_value("newscrawl/encoding/invalid_utf8_runs", runs)
            self.stats.inc_value("newscrawl/encoding/invalid_utf8_pages")
            logger.warning(
                "%s: %d invalid UTF-8 byte run(s) replaced by U+FFFD, the rest read as UTF-8",
                response.url,
                runs,
            )
