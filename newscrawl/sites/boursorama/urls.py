"""Boursorama's URLs: hosts, article ids, listings and their pages, sections, link targets."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import urljoin, urlsplit

from newscrawl.sites import html

# The site's own hosts; links to any other host are not followed.
HOSTS = ("www.boursorama.com", "boursorama.com", "bourse.boursobank.com")
# The news listings a crawl starts from when it is given no start URL.
START_URLS = (
    "https://www.boursorama.com/bourse/actualites/",
    "https://www.boursorama.com/bourse/actualites/marches/",
    "https://www.boursorama.com/bourse/actualites/societes/",
    "https://www.boursorama.com/actualite-economique/",
    "https://www.boursorama.com/patrimoine/actualites/",
)

# /<section>/actualites/<slug>-<32 hex>: the 32-hex tail is the article's stable id.
_ARTICLE_PATH = re.compile(r"^/[^/]+/actualites/(?:[^/]+/)*(?:[^/]*-)?([0-9a-f]{32})/?$")
_LISTING_PATH = re.compile(r"^/(?:[^/]+/actualites(?:/[^/]+)*|actualite-economique(?:/[^/]+)*)/?$")
_PAGE_NUMBER = re.compile(r"/page-(\d+)/?$")


def absolute_url(page_url: str, href: str) -> str | None:
    """``href`` read against the page's URL; None for one no URL parser reads
    ("http://[bad": an unclosed IPv6 host), so that one bad link costs only itself."""
    try:
        url = urljoin(page_url, href)
        urlsplit(url)  # urljoin may pass an unreadable host through
    except ValueError:
        return None
    return url


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # an unreadable host: no path of the site's
        return ""


def article_id_from_url(url: str | None) -> str | None:
    """The 32-hex tail of an article URL on any host; None for any other URL."""
    if not url:
        return None
    match = _ARTICLE_PATH.match(_path(url))
    return match.group(1) if match else None


def is_article_url(url: str | None) -> bool:
    return article_id_from_url(url) is not None


def is_listing_url(url: str | None) -> bool:
    """A news listing (``/bourse/actualites/``, ``/actualite-economique/``, ``/page-N``...)."""
    if not url or is_article_url(url):
        return False
    return bool(_LISTING_PATH.match(_path(url)))


def section_from_url(url: str | None) -> str | None:
    """First path segment: ``bourse``, ``actualite-economique``, ``videos``..."""
    if not url:
        return None
    segments = [part for part in _path(url).split("/") if part]
    return segments[0] if segments else None


def listing_page_number(url: str) -> int:
    """The page a listing URL shows: ``.../page-3`` is 3, the listing root is 1."""
    match = _PAGE_NUMBER.search(_path(url))
    return int(match.group(1)) if match else 1


def decode_data_rel(value: str | None) -> str | None:
    """The link target some entries hide base64-encoded in ``data-rel`` instead of href."""
    if not value or not value.strip():
        return None
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            target = decode(padded).decode("utf-8").strip()
        except (binascii.Error, ValueError):
            continue
        if target.startswith(("/", "http://", "https://")):
            return target
    return None


def link_url(element, page_url: str) -> str | None:
    """Absolute target of a link: its href, else the base64 target in data-rel."""
    if element is None:
        return None
    href = (element.get("href") or "").strip()
    if href and href != "#" and not href.lower().startswith(("javascript:", "mailto:")):
        return absolute_url(page_url, href)
    target = decode_data_rel(element.get("data-rel"))
    if target is None:
        carrier = html.css_first(element, "[data-rel]")
        target = decode_data_rel(carrier.get("data-rel")) if carrier is not None else None
    return absolute_url(page_url, target) if target else None


def entry_link(scope, query: str):
    """An entry's link: ``query``, else any link, even one whose target hides in data-rel."""
    link = html.css_first(scope, query)
    if link is None:
        link = next(iter(html.css_all(scope, "a[href], a[data-rel], [data-rel]")), None)
    return link
