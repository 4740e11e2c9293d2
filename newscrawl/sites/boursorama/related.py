"""The "A lire aussi" block: found by its heading, its entries read by the one entry reader."""

from __future__ import annotations

from parsel import Selector

from newscrawl.items import RelatedArticle
from newscrawl.normalize.text import fold_accents
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import chain
from newscrawl.sites.boursorama.listing import EntryForm, read_entry
from newscrawl.sites.boursorama.text import inline
from newscrawl.sites.boursorama.urls import is_article_url

# One query, so that the headings are met in document order whatever their form.
_HEADINGS = ", ".join(chain("related_heading"))
_HEADING_TEXT = "a lire aussi"
# How far above its heading the "A lire aussi" list may sit (heading > head > block > list).
_MAX_HEADING_CLIMB = 6
_LINE = "li.c-list-details-news__line"
# The "A lire aussi" block itself: a climb from its heading stops there when it holds its
# own list, even an empty one (above it are the page's other lists: most read, sharing).
_BLOCK_CLASS = "c-rebound"

RELATED_ENTRY = EntryForm(
    link=".c-list-details-news__title a",
    title_fallback=".c-list-details-news__title",
    source=".c-list-details-news__author",
    teaser=("p.c-list-details-news__content", ".c-list-details-news__content"),
    url_from_entry=True,
    counts_comments=False,
)


def related_block(sel: Selector, excluded: tuple):
    """The block whose heading says "A lire aussi" (div.c-rebound also holds SEO link lists).

    ``excluded`` are the comments and the body, where an "A lire aussi" insert is not it.
    """
    for heading in html.css_all(sel, _HEADINGS):
        if html.inside(heading, excluded) or not fold_accents(inline(heading) or "").startswith(
            _HEADING_TEXT
        ):
            continue
        node = heading.getparent()
        for _ in range(_MAX_HEADING_CLIMB):
            if node is None or node.tag in ("body", "html"):
                break
            if html.css_all(node, _LINE) or any(map(_links_an_article, html.css_all(node, "li a"))):
                return node
            if _BLOCK_CLASS in html.classes(node) and html.css_all(node, "ul, ol"):
                return node  # an "A lire aussi" whose own list is empty
            node = node.getparent()
    # No heading says "A lire aussi": the first entries of the block's kind, but not a
    # sidebar's cards (latest news, in an aside).
    for line in html.css_all(sel, _LINE):
        if not html.inside(line, excluded) and not _in_aside(line):
            return line.getparent()
    return None


def _in_aside(element) -> bool:
    return any(ancestor.tag == "aside" for ancestor in element.iterancestors())


def _links_an_article(anchor) -> bool:
    return bool(is_article_url(anchor.get("href")) or anchor.get("data-rel"))


def related(block, page_url: str) -> list[RelatedArticle]:
    if block is None:
        return []
    # Without the entries' own class, a list item is an entry when it links to an article:
    # not a sharing button or a "Voir plus" link.
    lines = html.css_all(block, _LINE) or [
        li for li in html.css_all(block, "li") if any(map(_links_an_article, html.css_all(li, "a")))
    ]
    return [_related_entry(line, position, page_url) for position, line in enumerate(lines, 1)]


def _related_entry(line, position: int, page_url: str) -> RelatedArticle:
    fields = read_entry(line, RELATED_ENTRY, page_url)
    return RelatedArticle(
        position=position, **fields.link(), published_raw=fields.date_raw, teaser=fields.teaser
    )
