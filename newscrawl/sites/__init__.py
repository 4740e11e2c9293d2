"""The registry of sites: what a site parser offers, and lookup by name, host or URL.

A site is one package here (``newscrawl/sites/<name>/``) whose ``SITE`` is a ``Site``;
the registry finds it by itself, so adding a site is adding that package and its
fixtures (``tests/fixtures/<name>/{articles,listings}/``). Site packages are pure
extraction: parsel on HTML, no Scrapy, no normalisation beyond whitespace. The spider
routes pages to them and the pipelines (``newscrawl.normalize``) clean what they return.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from newscrawl.items import Article


@dataclass
class ListingEntry:
    url: str | None
    article_id: str | None
    title: str | None
    outlet_raw: str | None
    date_raw: str | None
    """As printed: "15:57", "jeu.", "25 janv.", "26 oct. 2022" or "16.08.2025 23:14"."""
    comment_count: int | None
    """The entry's comment counter; None when the entry shows none."""


@dataclass
class Listing:
    url: str
    entries: list[ListingEntry] = field(default_factory=list)
    next_page: str | None = None

    @property
    def article_urls(self) -> list[str]:
        """Article URLs of the entries, in page order, each article once."""
        urls: list[str] = []
        seen: set[str] = set()
        for entry in self.entries:
            if entry.url and entry.article_id and entry.article_id not in seen:
                seen.add(entry.article_id)
                urls.append(entry.url)
        return urls


@dataclass(frozen=True)
class Site:
    """What the spider, the request fingerprinter and the fixture tests need of a site."""

    name: str
    """The spider's name and ``Article.site``."""
    hosts: tuple[str, ...]
    """The site's own hosts (their subdomains too); links elsewhere are not followed."""
    start_urls: tuple[str, ...]
    """Where a crawl starts when it is given no start URL."""
    article_id_from_url: Callable[[str | None], str | None]
    """The stable id in an article URL; None for any other URL."""
    is_article_url: Callable[[str | None], bool]
    is_listing_url: Callable[[str | None], bool]
    listing_page_number: Callable[[str], int]
    """The page a listing URL shows (1 for the listing's root)."""
    parse_article: Callable[..., Article]
    """``(page, url) -> Article``: raw fields, ``site`` set; never raises."""
    parse_listing: Callable[..., Listing]
    """``(page, url) -> Listing``: entries in page order and the next page; never raises."""

    def serves(self, host: str | None) -> bool:
        host = (host or "").lower().rstrip(".")
        return any(host == own or host.endswith("." + own) for own in self.hosts)


@cache
def _registry() -> dict[str, Site]:
    found: dict[str, Site] = {}
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        site = getattr(importlib.import_module(f"{__name__}.{module.name}"), "SITE", None)
        if isinstance(site, Site):
            if site.name in found:
                raise ValueError(f"two site packages are named {site.name!r}")
            found[site.name] = site
    return found


def all_sites() -> list[Site]:
    """Every registered site, by name."""
    return [site for _, site in sorted(_registry().items())]


def get(name: str) -> Site:
    """The site of that name; KeyError naming the known ones otherwise."""
    try:
        return _registry()[name]
    except KeyError:
        known = ", ".join(sorted(_registry())) or "none"
        raise KeyError(f"no site named {name!r} (registered: {known})") from None


def for_host(host: str | None) -> Site | None:
    """The site a host belongs to (a subdomain of a site's host counts), else None."""
    return next((site for site in all_sites() if site.serves(host)), None)


def article_id_from_url(url: str | None) -> str | None:
    """The article id of a URL: by its host's site, else by the first site that reads one.

    A local copy of a site (127.0.0.1 in the tests, a mirror) has no registered host, so
    every site's own URL rule is asked.
    """
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # "http://[bad": no host of any site's
        return None
    site = for_host(host)
    if site is not None:
        return site.article_id_from_url(url)
    return next(
        (found for s in all_sites() if (found := s.article_id_from_url(url)) is not None), None
    )
