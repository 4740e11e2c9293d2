"""Boursorama (boursorama.com, bourse.boursobank.com): article pages and news listings.

- ``urls``: hosts, start listings, article ids, sections, listing pages, data-rel links
- ``layouts``: the selectors, one named table per page layout (today's, 2020-22)
- ``text``: how the markup reads as text (noise, providers, date spans, counters)
- ``article``: the page's regions and ``parse_article``
- ``header``, ``body``, ``images``, ``comments``, ``related``: one part of the page each
- ``listing``: ``parse_listing`` and the one entry reader (lines, cards, related entries)
"""

from __future__ import annotations

from newscrawl.sites import Listing, ListingEntry, Site
from newscrawl.sites.boursorama.article import SITE_NAME, parse_article
from newscrawl.sites.boursorama.listing import parse_listing
from newscrawl.sites.boursorama.urls import (
    HOSTS,
    START_URLS,
    article_id_from_url,
    decode_data_rel,
    is_article_url,
    is_listing_url,
    listing_page_number,
    section_from_url,
)
from newscrawl.sites.html import to_selector

SITE = Site(
    name=SITE_NAME,
    hosts=HOSTS,
    start_urls=START_URLS,
    article_id_from_url=article_id_from_url,
    is_article_url=is_article_url,
    is_listing_url=is_listing_url,
    listing_page_number=listing_page_number,
    parse_article=parse_article,
    parse_listing=parse_listing,
)

__all__ = [
    "SITE",
    "Listing",
    "ListingEntry",
    "article_id_from_url",
    "decode_data_rel",
    "is_article_url",
    "is_listing_url",
    "listing_page_number",
    "parse_article",
    "parse_listing",
    "section_from_url",
    "to_selector",
]
