"""Boursorama's markup as data: one named table of selectors per page layout.

A chain of selectors is read in the order of ``LAYOUTS``: today's layout, then the
2020-22 one, then ``ANY_LAYOUT`` (what holds on any page of the site: looser classes and
generic HTML). The day a layout disappears from the site, drop its table from ``LAYOUTS``
(and its fixtures); the parser code does not change. The rules every layout shares (what
is never text, which tags are blocks) follow the tables.

Evidence for each selector: the pages under ``tests/fixtures/boursorama/``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Layout:
    """The selectors one layout contributes to each chain; () where it adds none."""

    name: str
    detail: tuple[str, ...] = ()
    """The article's main block."""
    comments: tuple[str, ...] = ()
    """The comments block (outside the detail block)."""
    title: tuple[str, ...] = ()
    """The h1, within the detail block."""
    source: tuple[str, ...] = ()
    """The provider and date line, within the detail block."""
    source_in_title: tuple[str, ...] = ()
    """The provider and date line, within the h1."""
    loose_source: tuple[str, ...] = ()
    """A provider line anywhere in the detail block, outside comments and related."""
    provider: tuple[str, ...] = ()
    """The provider's name, within a source line or a listing or related entry."""
    loose_provider: tuple[str, ...] = ()
    """The provider's name, within an article's source line only."""
    source_time: tuple[str, ...] = ()
    """The date spans of a source line; the first query that matches is taken."""
    source_time_spans: tuple[str, ...] = ()
    """Unclassed spans that may hold the date (digits tell a date from helper text)."""
    source_counters: tuple[str, ...] = ()
    """The comment counter beside the date, which is not a date."""
    content: tuple[str, ...] = ()
    """The body, anywhere on the page (broken markup can close the detail block early)."""
    content_in_detail: tuple[str, ...] = ()
    """The body, within the detail block only (too loose for the whole page)."""
    lead_image: tuple[str, ...] = ()
    """The lead image block, which broken markup may put outside the detail block."""
    image_holders: tuple[str, ...] = ()
    """XPath of the elements that hold a picture, in document order."""
    image_caption: tuple[str, ...] = ()
    """The caption, within an image holder."""
    comment_count: tuple[str, ...] = ()
    """The heading with the page's own comment count, within the comments block."""
    related_heading: tuple[str, ...] = ()
    """Headings that may read "A lire aussi"."""


TODAY = Layout(
    name="today",
    detail=("div.c-news-detail",),
    comments=("div.c-comment--full", "div.c-comment"),
    title=("h1.c-title-big",),
    source=("div.c-news-detail__source",),
    provider=("strong.c-source__name",),
    source_time=(".c-source__time",),
    source_counters=(".c-source__comments, .c-comments-count",),
    content=("article.c-news-detail__content",),
    lead_image=("div.c-image-news",),
    image_holders=("//div[contains(concat(' ', normalize-space(@class), ' '), ' c-image-news ')]",),
    image_caption=(".c-image-news__legend",),
    comment_count=(".c-heading__text",),
    related_heading=(".c-heading__text",),
)

# 2020-22: the provider and date sat in a div inside the h1 (so the h1's full text is
# title + provider + date), dates in unclassed spans, the body in a div, lazy images as
# div.c-thumb-lazy[data-original-src], paragraphs split by <br><br> (see body.py).
LAYOUT_2020_22 = Layout(
    name="2020-22",
    source_in_title=(".c-source", "div"),
    source_time_spans=("span",),
    content=("div.c-news-detail__content",),
    image_holders=("//*[@data-original-src]",),
)

ANY_LAYOUT = Layout(
    name="any",
    detail=(".c-news-detail", ".l-news-page__main", '[itemtype*="NewsArticle"]'),
    title=("h1",),
    loose_source=(".c-source",),
    provider=(".c-source__name",),
    loose_provider=("strong",),
    source_time=("time",),
    content=(
        ".c-news-detail__content",
        '[itemprop="articleBody"]',
        ".c-news-detail__content-video",  # video pages
    ),
    content_in_detail=("article",),
    image_holders=("//figure", "//picture", "//img"),
    image_caption=("figcaption", '[class*="legend"]'),
    comment_count=("h2, h3, .c-heading",),
    related_heading=("h2", "h3", ".c-block__head", ".c-title"),
)

LAYOUTS = (TODAY, LAYOUT_2020_22, ANY_LAYOUT)

_ROLES = frozenset(f.name for f in fields(Layout)) - {"name"}


def chain(role: str) -> tuple[str, ...]:
    """The selectors of one role, every layout's in ``LAYOUTS`` order."""
    if role not in _ROLES:
        raise KeyError(f"no selector role {role!r} in Layout")
    return tuple(query for layout in LAYOUTS for query in getattr(layout, role))


# --- rules every layout shares -------------------------------------------------------------

# Subtrees that never carry article text: code, sharing buttons, ads, promotional inserts.
NEVER_TEXT_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select"}
)
NEVER_TEXT_CLASSES = (
    "c-toolbar-sharing",
    "google-ad",
    "c-ad",
    "c-insert",
    "c-news-detail__insert",
    "c-news-detail__toolbar",
    "c-read-also",
)
NEVER_TEXT_ATTRIBUTES = ("data-brs-gpt-slot", "data-ad-slot")
# Pictures inside these are avatars, icons, sharing buttons and ads, not the article's.
DECORATION_TAGS = ("button", "svg")
DECORATION_CLASSES = ("c-avatar", "c-icon", "c-toolbar-sharing", "c-ad", "google-ad")
# Hidden helper text ("information fournie par") and "•" separators are not content.
NOT_VALUE_CLASSES = frozenset({"u-sr-only", "c-source__bullet"})

BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "ul", "ol", "li", "blockquote", "table", "figure",
     "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "aside", "dl", "dt", "dd", "pre"}
)  # fmt: skip
# Sub-headings of the body: any level below the title's h1.
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
IMAGE_TAGS = frozenset({"figure", "picture", "img"})

# The comment component of the site's forum, also used under articles.
MESSAGE_CLASS = "c-message"
MESSAGE_TEXT = (".c-message__text",)
