"""An article page -> raw fields: the page's regions found once, then each part read.

A part that cannot be found is None / [] and never raises: broken, truncated and
non-article pages give what they have.
"""

from __future__ import annotations

from parsel import Selector

from newscrawl.items import Article
from newscrawl.normalize.text import PARAGRAPH_BREAK
from newscrawl.sites import html
from newscrawl.sites.boursorama import body, comments, header, images, related
from newscrawl.sites.boursorama.layouts import chain
from newscrawl.sites.boursorama.parts import ArticleParts
from newscrawl.sites.boursorama.urls import article_id_from_url, section_from_url

SITE_NAME = "boursorama"

_DETAIL = chain("detail")
_COMMENTS = chain("comments")
_TITLE = chain("title")
_SOURCE = chain("source")
_SOURCE_IN_TITLE = chain("source_in_title")
_LOOSE_SOURCE = chain("loose_source")
_CONTENT = chain("content")
_CONTENT_IN_DETAIL = chain("content_in_detail")


def parse_article(page: str | bytes | Selector, url: str) -> Article:
    """Raw fields of an article page; a non-article page gives an Article of Nones."""
    sel = html.to_selector(page)
    article = Article(
        url=url,
        article_id=article_id_from_url(url),
        site=SITE_NAME,
        section=section_from_url(url),
    )
    parts = find_parts(sel, url)
    if parts.detail is None and not parts.json_ld:
        return article  # a quote, forum or error page: nothing here is an article's

    article.title = header.title(parts)
    article.outlet_raw = header.outlet(parts)
    article.published_raw, article.updated_raw = header.dates(parts)
    blocks, subheadings = body.body_blocks(parts.content)
    paragraphs = [text for kind, text in blocks if kind == "p"]
    article.body = PARAGRAPH_BREAK.join(text for _, text in blocks) or None
    article.lead = paragraphs[0] if paragraphs else None
    article.subheadings = subheadings
    article.images = images.images(parts)
    article.comment_count, article.comments = comments.comments(parts.comments)
    article.related = related.related(parts.related, url)
    return article


def find_parts(sel: Selector, url: str) -> ArticleParts:
    detail = html.css_first_of(sel, _DETAIL)
    comments_block = html.css_first_of(sel, _COMMENTS)
    content = _content_block(sel, detail, comments_block)
    related_block = related.related_block(sel, (comments_block, content))
    h1 = html.css_first_of(detail, _TITLE) if detail is not None else None
    return ArticleParts(
        sel=sel,
        url=url,
        detail=detail,
        h1=h1,
        source=_source_block(detail, h1, comments_block, related_block),
        content=content,
        comments=comments_block,
        related=related_block,
        json_ld=html.json_ld_article(sel),
    )


def _source_block(detail, h1, comments_block, related_block):
    if detail is None:
        return None
    found = html.css_first_of(detail, _SOURCE)
    if found is None and h1 is not None:
        found = html.css_first_of(h1, _SOURCE_IN_TITLE)
    if found is not None:
        return found
    for query in _LOOSE_SOURCE:
        for candidate in html.css_all(detail, query):
            if not html.inside(candidate, (comments_block, related_block)):
                return candidate
    return None


def _content_block(sel: Selector, detail, comments_block):
    """The first body block with text in it (a video page may hold an empty one, sharing
    buttons only, before the one with its text), else the first candidate as before: the
    loose ``article`` of the detail block is only a fallback, never preferred for its text
    (an image-only body beside a promoted card)."""
    if detail is None:
        return None

    def candidates(chains):
        # Broken markup (a stray </div>) can close the detail block before its content.
        for scope, queries in chains:
            for query in queries:
                for candidate in html.css_all(scope, query):
                    if not html.inside(candidate, (comments_block,)):
                        yield candidate

    with_text = next(
        (c for c in candidates(((detail, _CONTENT), (sel, _CONTENT))) if body.has_text(c)), None
    )
    if with_text is not None:
        return with_text
    return next(candidates(((detail, _CONTENT + _CONTENT_IN_DETAIL), (sel, _CONTENT))), None)
