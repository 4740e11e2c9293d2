"""How Boursorama's markup reads as text: noise left out, providers, dates, counters."""

from __future__ import annotations

import re

from newscrawl.normalize.outlets import strip_provider_prefix
from newscrawl.normalize.text import clean_inline
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import (
    NEVER_TEXT_ATTRIBUTES,
    NEVER_TEXT_CLASSES,
    NEVER_TEXT_TAGS,
    NOT_VALUE_CLASSES,
    chain,
)

_PROVIDER = chain("provider")
_NOT_DIGIT = re.compile(r"\D")


def never_text(element) -> bool:
    """Code, sharing buttons, ads and inserts: subtrees that never carry article text."""
    return (
        element.tag in NEVER_TEXT_TAGS
        or html.has_class_prefix(element, NEVER_TEXT_CLASSES)
        or any(element.get(name) is not None for name in NEVER_TEXT_ATTRIBUTES)
    )


def not_value(element) -> bool:
    """Hidden helper text and separators: shown to screen readers, not part of a value."""
    return bool(html.classes(element) & NOT_VALUE_CLASSES) or element.get("aria-hidden") == "true"


def is_noise(element) -> bool:
    """``never_text`` or ``not_value``, in one look at the element (it runs on every node)."""
    if element.tag in NEVER_TEXT_TAGS:
        return True
    get = element.get
    if get("aria-hidden") == "true" or any(get(name) is not None for name in NEVER_TEXT_ATTRIBUTES):
        return True
    names = get("class")
    if not names:
        return False
    found = set(names.split())
    return bool(found & NOT_VALUE_CLASSES) or html.has_class_prefix(element, NEVER_TEXT_CLASSES)


def raw_text(element, *, skip=None, breaks: bool = False) -> str:
    """The element's text as printed, the site's noise left out (see ``html.raw_text``)."""
    return html.raw_text(element, ignore=is_noise, skip=skip, breaks=breaks)


def inline(element, *, skip=None) -> str | None:
    """One-line text of an element, hidden helper text and bullets excluded; None if empty."""
    if element is None:
        return None
    return clean_inline(raw_text(element, skip=skip))


def without_provider_prefix(text: str | None) -> str | None:
    return clean_inline(strip_provider_prefix(text)) if text else None


def provider_text(element) -> str | None:
    """A provider name as printed, "information fournie par" removed."""
    return without_provider_prefix(inline(element))


def provider_of(scope) -> str | None:
    """The provider named in a source line, entry or card: the first selector that gives one."""
    for query in _PROVIDER:
        text = provider_text(html.css_first(scope, query))
        if text:
            return text
    return None


def joined_times(scope) -> str | None:
    """Date and time printed in two spans ("16.08.2025" + "23:14"), joined by one space."""
    times = [inline(span) for span in html.css_all(scope, ".c-source__time")]
    return clean_inline(" ".join(t for t in times if t)) or None


def comments_counter(scope) -> int | None:
    """An entry's comment counter; None when the entry shows none."""
    number = html.css_first(scope, ".c-comments-count__number")
    if number is None:
        return None
    for text in (number.get("aria-label"), raw_text(number)):
        digits = _NOT_DIGIT.sub("", text or "")
        if digits:
            return int(digits)
    return None
