"""The records a crawl emits, as plain dataclasses.

They import nothing from Scrapy so the site parser and the normalisers stay pure; Scrapy,
its feed exporters and itemadapter all accept dataclass items as they are. The field list
and meaning are the output contract (README, "Field reference"): change them on purpose.

A field the page does not have is ``None`` (scalar) or ``[]`` (list), never absent and
never an empty string. ``*_raw`` fields keep the text as the page shows it; their cleaned
siblings are filled by the pipelines (``newscrawl.normalize``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Image:
    url: str | None = None
    """Absolute URL of the picture (lazy-loading attributes resolved)."""
    caption: str | None = None
    """Caption text with the photo credit removed."""
    credit_raw: str | None = None
    """The credit as printed, e.g. ``( AFP / FRANCOIS WALSCHAERTS )``."""
    credit_agency: str | None = None
    """Canonical agency of the credit, e.g. ``AFP``."""
    credit_photographer: str | None = None
    """Photographer in title case, e.g. ``Francois Walschaerts``."""


@dataclass
class Comment:
    position: int = 0
    """1-based rank of the comment in page order."""
    author: str | None = None
    """Pseudonym of the commenter."""
    published: str | None = None
    """ISO 8601 with the Paris offset; a yearless date takes its year from the article."""
    published_raw: str | None = None
    """Date and time as printed, parts joined by one space, e.g. ``21 octobre 21:29``."""
    text: str | None = None
    """The comment text, paragraphs separated by a blank line."""


@dataclass
class RelatedArticle:
    position: int = 0
    """1-based rank in the "A lire aussi" block."""
    url: str | None = None
    """Absolute URL of the related article."""
    article_id: str | None = None
    """32-hex id at the end of ``url``, or null when the URL carries none."""
    title: str | None = None
    """Title of the related article."""
    outlet: str | None = None
    """Canonical provider name (alias table)."""
    outlet_raw: str | None = None
    """Provider as printed, "information fournie par" removed."""
    published: str | None = None
    """ISO 8601 with the Paris offset."""
    published_raw: str | None = None
    """Date and time as printed, e.g. ``16.08.2025 23:14``."""
    teaser: str | None = None
    """Teaser text without the trailing "Lire la suite"."""


@dataclass
class Article:
    url: str | None = None
    """Absolute URL of the article page (after redirects)."""
    article_id: str | None = None
    """The 32-hex tail of the URL: the stable id of the article."""
    site: str | None = None
    """Which site parser produced the record (the site's registry name, e.g. ``boursorama``)."""
    section: str | None = None
    """First path segment of the URL, e.g. ``bourse`` or ``actualite-economique``."""
    title: str | None = None
    """Headline text only (provider and date of the old layout excluded)."""
    outlet: str | None = None
    """Canonical provider name, e.g. ``Boursorama`` for "Boursorama avec Media Services"."""
    outlet_partners: list[str] = field(default_factory=list)
    """Partners named after "avec", e.g. ``["Media Services"]``."""
    outlet_raw: str | None = None
    """Provider line as printed, "information fournie par" removed."""
    published: str | None = None
    """Publication time, ISO 8601 with the Paris offset."""
    published_raw: str | None = None
    """Publication time as printed, e.g. ``21/10/2024 à 12:54``."""
    updated: str | None = None
    """Last update time from a "Mis à jour le ..." line, ISO 8601; else null."""
    updated_raw: str | None = None
    """The update line as printed; else null."""
    authors: list[str] = field(default_factory=list)
    """Authors from a byline ("par X et Y"), in order."""
    lead: str | None = None
    """First paragraph of the body, byline and dateline removed."""
    body: str | None = None
    """Body paragraphs and sub-headings in order, separated by a blank line."""
    subheadings: list[str] = field(default_factory=list)
    """Sub-headings of the body (h2 to h6), in order."""
    images: list[Image] = field(default_factory=list)
    """Pictures of the article, lead image first."""
    comment_count: int | None = None
    """The page's own comment count ("8 commentaires"), not len(comments)."""
    comments: list[Comment] = field(default_factory=list)
    """Comments shown on the page, in page order."""
    related: list[RelatedArticle] = field(default_factory=list)
    """The "A lire aussi" entries, in page order."""
    notes: list[str] = field(default_factory=list)
    """Editorial notes moved out of the body, e.g. Reuters's "((Traduction automatisée ...))"."""
    fetched_at: str | None = None
    """When the response was received (its ``Date`` header when present), ISO 8601 UTC."""
    language: str = "fr"
    """Language of the text."""
    version: int = 1
    """1 the first time an article is emitted; +1 each time a later crawl finds it changed."""


def article_key(article_id: str | None, url: str | None) -> str | None:
    """What identifies an article across pages, runs and workers: its id, else its URL."""
    return article_id or url
