"""The article's header: title, provider line ("outlet") and publication and update dates."""

from __future__ import annotations

import re

from newscrawl.normalize.text import clean_inline
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import chain
from newscrawl.sites.boursorama.parts import ArticleParts
from newscrawl.sites.boursorama.text import (
    inline,
    not_value,
    provider_of,
    provider_text,
    raw_text,
    without_provider_prefix,
)

_TITLE_SUFFIX = re.compile(r"\s*[-|–]\s*Boursorama\s*$", re.IGNORECASE)
_UPDATED = re.compile(r"^\s*mis\s+[àa]\s+jour", re.IGNORECASE)
_UPDATED_LATER = re.compile(r"(?<=\S)[\s,;|–—-]*(?=mis\s+[àa]\s+jour)", re.IGNORECASE)
_CLOCK = re.compile(r"\d{1,2}\s*[:h]\s*\d{2}")
_BARE_CLOCK = re.compile(r"^\d{1,2}\s*[:h]\s*\d{2}$")
# A source line without spans: "information fournie par AFP 21/10/2024 à 12:54".
_TRAILING_DATE = re.compile(
    r"\s*(?:\ble\s+)?"
    r"(\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:\s*(?:[àa]|-)?\s*\d{1,2}\s*[:h]\s*\d{2})?)\s*$"
)
# A cheap pre-filter (normalize-space over every text node costs ~8x more on a long page);
# the own-text check in Python keeps only elements whose text starts "Mis à jour".
_UPDATE_LINE_XPATH = html.compiled_xpath(".//*[text()[contains(., 'jour') or contains(., 'JOUR')]]")
_OWN_TEXT = html.compiled_xpath("text()")
_LOOSE_PROVIDER = chain("loose_provider")
_SOURCE_TIME = chain("source_time")
_SOURCE_TIME_SPANS = chain("source_time_spans")
_SOURCE_COUNTERS = ", ".join(chain("source_counters"))
_PUBLISHED_META = ('meta[property="article:published_time"]', 'meta[itemprop="datePublished"]')


def _not_title(element) -> bool:
    # 2020-22 (and unclosed spans): the source line (provider, date) sits in a div in the h1.
    return element.tag == "div" or "c-source" in html.classes(element)


def title(parts: ArticleParts) -> str | None:
    h1 = parts.h1

    def h1_span():
        for child in h1 if h1 is not None else ():
            if html.is_element(child) and child.tag == "span" and not not_value(child):
                return inline(child, skip=_not_title)
        return None

    def h1_own_text():
        return inline(h1, skip=_not_title) if h1 is not None else None

    def title_tag():
        text = clean_inline(" ".join(html.css_all(parts.sel, "title::text")))
        return _TITLE_SUFFIX.sub("", text) if text else None

    return html.first(
        h1_span,
        h1_own_text,
        lambda: html.json_ld_text(parts.json_ld, "headline"),
        lambda: html.meta_content(parts.sel, 'meta[property="og:title"]'),
        title_tag,
    )


def _skip_times(element) -> bool:
    return "c-source__time" in html.classes(element) or element.tag in ("span", "time")


def outlet(parts: ArticleParts) -> str | None:
    source = parts.source

    def from_source_text():
        # No <strong>: "information fournie par X <date>" as plain text.
        if source is None:
            return None
        text = clean_inline(raw_text(source, skip=_skip_times))
        return without_provider_prefix(_TRAILING_DATE.sub("", text) if text else text)

    return html.first(
        lambda: provider_of(source),
        *[lambda q=q: provider_text(html.css_first(source, q)) for q in _LOOSE_PROVIDER],
        from_source_text,
        lambda: html.json_ld_text(parts.json_ld, "author"),
    )


def _source_times(source) -> list[str]:
    spans = next((found for q in _SOURCE_TIME if (found := html.css_all(source, q))), [])
    if not spans:
        # Older markup: unclassed spans; a date has digits, the helper text has none, and the
        # comment counter beside the date is not one.
        counters = html.css_all(source, _SOURCE_COUNTERS)
        spans = [
            span
            for query in _SOURCE_TIME_SPANS
            for span in html.css_all(source, query)
            if not not_value(span) and not html.inside(span, counters)
        ]
    texts = [inline(span) for span in spans]
    return _time_lines([t for t in texts if t and any(c.isdigit() for c in t)])


def _time_lines(texts: list[str]) -> list[str]:
    """One text per printed date: a date and its time in two spans ("16.08.2025" + "23:14")
    joined by a space, and "Publié le X, mis à jour le Y" in one span split in two."""
    lines: list[str] = []
    for text in texts:
        if lines and _BARE_CLOCK.match(text) and not _CLOCK.search(lines[-1]):
            lines[-1] = f"{lines[-1]} {text}"
            continue
        published, *updated = _UPDATED_LATER.split(text, maxsplit=1)
        lines.append(published)
        lines.extend(updated)
    return lines


def _plain_source_date(source) -> str | None:
    """The date at the end of a source line printed without spans."""
    if source is None:
        return None
    found = _TRAILING_DATE.search(clean_inline(raw_text(source)) or "")
    return found.group(1) if found else None


def _update_line(parts: ArticleParts) -> str | None:
    """An update line outside the source block, e.g. a <p> under the title."""
    # lxml finds the candidates (own text starting "Mis à jour") without reading every element.
    for element in _UPDATE_LINE_XPATH(parts.detail):
        if not any(_UPDATED.match(own) for own in _OWN_TEXT(element)):
            continue
        text = inline(element)
        if (
            text
            and _UPDATED.match(text)
            and len(text) < 80
            and not html.inside(element, (parts.content, parts.comments, parts.related))
        ):
            return text
    return None


def dates(parts: ArticleParts) -> tuple[str | None, str | None]:
    """The publication and update lines as printed (either may be None)."""
    times = _source_times(parts.source)
    published = next((t for t in times if not _UPDATED.match(t)), None)
    updated = next((t for t in times if _UPDATED.match(t)), None)
    if updated is None and parts.detail is not None:
        updated = _update_line(parts)
    if published is None and not times:
        published = _plain_source_date(parts.source)
    published = html.first(
        published,
        lambda: html.json_ld_text(parts.json_ld, "datePublished"),
        *[lambda q=q: html.meta_content(parts.sel, q) for q in _PUBLISHED_META],
    )
    return published, updated
