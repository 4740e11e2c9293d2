"""News listings -> entries in page order and the next page; the one entry reader.

Listing lines, listing cards and "A lire aussi" entries print the same things (a title
link, a provider, a date, maybe a teaser or a comment counter) in slightly different
markup: each form is a table (``EntryForm``) read by one reader (``read_entry``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsel import Selector

from newscrawl.normalize.text import clean_inline
from newscrawl.sites import Listing, ListingEntry, html
from newscrawl.sites.boursorama.text import (
    comments_counter,
    inline,
    joined_times,
    provider_of,
    provider_text,
)
from newscrawl.sites.boursorama.urls import (
    absolute_url,
    article_id_from_url,
    entry_link,
    link_url,
    listing_page_number,
)

_READ_MORE = re.compile(r"\s*Lire\s+la\s+suite\s*[.…]*\s*$", re.IGNORECASE)
_HEADLINE_PREFIX = re.compile(r"^\s*[ÀA] la une\s*:\s*")


@dataclass(frozen=True)
class EntryForm:
    """Where one form of entry prints each of its parts."""

    link: str
    """The title link."""
    title_attribute_first: bool = False
    """The link's title attribute holds the full title (the text may be shortened)."""
    title_fallback: str | None = None
    """The title's element, when the link has no text and no title attribute."""
    source: str | None = None
    """The block with the provider and the date spans; None: the entry itself."""
    printed_date: str | None = None
    """A date element of its own, read before the date spans."""
    teaser: tuple[str, ...] = ()
    url_from_entry: bool = False
    """The entry itself may carry the target, when the title link has none."""
    counts_comments: bool = True


@dataclass
class EntryFields:
    url: str | None
    article_id: str | None
    title: str | None
    outlet_raw: str | None
    date_raw: str | None
    teaser: str | None
    comment_count: int | None

    def link(self) -> dict[str, str | None]:
        """The fields every kind of entry has: where it leads, its title and provider."""
        return {
            "url": self.url,
            "article_id": self.article_id,
            "title": self.title,
            "outlet_raw": self.outlet_raw,
        }


LINE = EntryForm(
    link=".c-list-news__title a", title_attribute_first=True, printed_date=".c-list-news__date"
)
CARD = EntryForm(link=".c-list-details-news__title a")


def read_entry(element, form: EntryForm, page_url: str) -> EntryFields:
    link = entry_link(element, form.link)
    url = link_url(link, page_url)
    if url is None and form.url_from_entry:
        url = link_url(element, page_url)
    text = (lambda: inline(link)) if link is not None else None
    attribute = (lambda: clean_inline(link.get("title"))) if link is not None else None
    titles = (attribute, text) if form.title_attribute_first else (text, attribute)
    source = element
    if form.source:
        source = html.first(lambda: html.css_first(element, form.source), element)
    return EntryFields(
        url=url,
        article_id=article_id_from_url(url),
        title=html.first(
            *titles,
            (lambda: inline(html.css_first(element, form.title_fallback)))
            if form.title_fallback
            else None,
        ),
        outlet_raw=provider_of(source),
        date_raw=html.first(
            (lambda: inline(html.css_first(element, form.printed_date)))
            if form.printed_date
            else None,
            lambda: joined_times(source),
        ),
        teaser=_teaser(html.css_first_of(element, form.teaser)),
        comment_count=comments_counter(element) if form.counts_comments else None,
    )


def _teaser(element) -> str | None:
    # The "..." before "Lire la suite" stays: it tells the reader the teaser is truncated.
    text = inline(element)
    if text is None:
        return None
    return clean_inline(_READ_MORE.sub("", text))


# --- listing pages -------------------------------------------------------------------------


def parse_listing(page: str | bytes | Selector, url: str) -> Listing:
    """Entries (lines, cards, "À la une" headlines) in page order, and the next page's URL."""
    sel = html.to_selector(page)
    readers = (
        ("c-list-news__line", lambda element: _listing_entry(element, LINE, url)),
        ("c-list-details-news__line", lambda element: _listing_entry(element, CARD, url)),
        ("c-headlines", lambda element: _headline_entry(element, url)),
    )
    union = " | ".join(f"//*[{html.has_class_xpath(name)}]" for name, _ in readers)
    entries = []
    # Document order, whatever the entry's form.
    for element in html.compiled_xpath(union)(sel.root):
        for name, read in readers:
            if name in html.classes(element):
                entries.append(read(element))
                break
    return Listing(url=url, entries=entries, next_page=_next_page(sel, url))


def _listing_entry(element, form: EntryForm, page_url: str) -> ListingEntry:
    fields = read_entry(element, form, page_url)
    return ListingEntry(
        **fields.link(), date_raw=fields.date_raw, comment_count=fields.comment_count
    )


def _headline_entry(link, page_url: str) -> ListingEntry:
    # "À la une" cards: the link wraps the whole card; its title attribute has a prefix.
    entry_url = link_url(link, page_url)
    title_attr = clean_inline(_HEADLINE_PREFIX.sub("", link.get("title") or ""))
    return ListingEntry(
        url=entry_url,
        article_id=article_id_from_url(entry_url),
        title=html.first(lambda: inline(html.css_first(link, ".c-event__link")), title_attr),
        outlet_raw=provider_text(html.css_first(link, ".c-source__name")),
        date_raw=joined_times(link),
        comment_count=comments_counter(link),
    )


def _next_page(sel: Selector, page_url: str) -> str | None:
    href = html.css_first(sel, 'link[rel="next"]::attr(href)')
    if href and href.strip():
        return absolute_url(page_url, href.strip())
    pagination = html.css_first(sel, ".c-pagination")
    if pagination is None:
        return None
    current = _current_page(pagination, page_url)
    # Page links are <a href>, or elements whose target is base64 in data-rel.
    for page_link in html.css_all(pagination, "a, [data-rel]"):
        if (inline(page_link) or "").strip() == str(current + 1):
            return link_url(page_link, page_url)
    return None


def _current_page(pagination, page_url: str) -> int:
    active = html.css_first(pagination, ".is-active")
    text = (inline(active) or "") if active is not None else ""
    if text.isdigit():
        return int(text)
    return listing_page_number(page_url)
