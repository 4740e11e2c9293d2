"""Site-independent HTML helpers: selectors, CSS lookups, raw text, JSON-LD readers.

Every site parser is built on these. They take parsel Selectors or lxml elements, never
raise on odd markup, and know nothing about a particular site: what a site counts as
"not text" (ads, hidden helper text) it passes in as a predicate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from newscrawl.normalize.text import clean_inline

ElementTest = Callable[[object], bool]

_SPACES = re.compile(r"[ \t\r\n\f]+")
# The runs _SPACES would change (a single space is already what it gives): fewer matches.
_SPACES_TO_COLLAPSE = re.compile(r"[\t\r\n\f][ \t\r\n\f]*| [ \t\r\n\f]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
# Nesting beyond this is read flat: absurdly deep (broken) markup must not exhaust the stack.
MAX_DEPTH = 150
ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
)


def to_selector(page: str | bytes | Selector) -> Selector:
    """One Selector per page: a Scrapy response's ``.selector`` is reused as is."""
    if isinstance(page, Selector):
        return page
    if isinstance(page, bytes):
        match = _CHARSET.search(page[:4096])
        encoding = match.group(1).decode("ascii") if match else "utf-8"
        try:
            page = page.decode(encoding, errors="replace")
        except LookupError:
            page = page.decode("utf-8", errors="replace")
    return Selector(text=page or "<html></html>")


# --- elements ----------------------------------------------------------------------------


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def has_class_prefix(element, prefixes: Iterable[str]) -> bool:
    # BEM: "c-ad--top" and "c-toolbar-sharing__list" belong to their block; "c-address" doesn't.
    if not element.get("class"):
        return False
    return any(
        c == p or c.startswith((p + "--", p + "__")) for c in classes(element) for p in prefixes
    )


def has_class_xpath(name: str) -> str:
    """XPath predicate body: the element's class list holds ``name`` as a whole word."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def is_element(node) -> bool:
    return isinstance(node.tag, str)


def inside(element, ancestors: Iterable) -> bool:
    """Whether the element is one of ``ancestors`` or below one of them."""
    ancestor_set = {a for a in ancestors if a is not None}
    node = element
    while node is not None:
        if node in ancestor_set:
            return True
        node = node.getparent()
    return False


def css_first(scope, query: str):
    """First lxml element matching a CSS query under a Selector or lxml element scope."""
    if scope is None:
        return None
    found = compiled_css(query)(_element_of(scope))
    return found[0] if found else None


def css_all(scope, query: str) -> list:
    if scope is None:
        return []
    return compiled_css(query)(_element_of(scope))


def css_first_of(scope, queries: Iterable[str]):
    """First element of the first query that matches: a fallback chain of selectors."""
    for query in queries:
        element = css_first(scope, query)
        if element is not None:
            return element
    return None


# parsel's own CSS dialect and namespaces, so a query finds what ``Selector.css`` finds.
_CSS = HTMLTranslator()
_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}


@cache
def compiled_css(query: str) -> etree.XPath:
    """A CSS query compiled once to an XPath evaluated on lxml elements (no Selector per node)."""
    return etree.XPath(_CSS.css_to_xpath(query), namespaces=_NAMESPACES, smart_strings=False)


@cache
def compiled_xpath(query: str) -> etree.XPath:
    return etree.XPath(query, namespaces=_NAMESPACES, smart_strings=False)


def _element_of(scope):
    return scope.root if isinstance(scope, Selector) else scope


# --- fallback chains ---------------------------------------------------------------------


def first(*candidates):
    """First candidate that is not None/empty: the fallback chains read as a list."""
    for candidate in candidates:
        value = candidate() if callable(candidate) else candidate
        if _present(value):
            return value
    return None


def _present(value) -> bool:
    # lxml elements without children are falsy: test them for None, text for emptiness.
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return value is not None


# --- text --------------------------------------------------------------------------------


def raw_text(element, *, ignore: ElementTest, skip=None, breaks: bool = False) -> str:
    """Text of an element with HTML source whitespace collapsed; ``<br>`` -> "\\n" if breaks.

    Subtrees ``ignore`` (the site's noise) or ``skip`` (the caller's) accepts are left out.
    """
    if element is None:
        return ""
    if not len(element):  # text only (most paragraphs): no walk
        text = element.text
        return collapse_spaces(text) if text else ""
    pieces: list[str] = []
    append = pieces.append

    def walk(node, depth: int) -> None:
        if depth > MAX_DEPTH:
            append(collapse_spaces("".join(node.itertext())))
            return
        if node.text:
            append(collapse_spaces(node.text))
        for child in node:
            if isinstance(child.tag, str):
                if child.tag == "br":
                    append("\n" if breaks else " ")
                elif not (ignore(child) or (skip and skip(child))):
                    if len(child):
                        walk(child, depth + 1)
                    elif child.text:
                        append(collapse_spaces(child.text))
            if child.tail:
                append(collapse_spaces(child.tail))

    walk(element, 0)
    return "".join(pieces)


def collapse_spaces(text: str) -> str:
    """HTML source whitespace as a browser shows it: one space."""
    # Most text needs nothing: C-speed substring tests spare it the regular expression.
    if "\n" in text or "  " in text or "\t" in text or "\r" in text or "\f" in text:
        return _SPACES_TO_COLLAPSE.sub(" ", text)
    return text


# --- JSON-LD -----------------------------------------------------------------------------


def json_ld_article(sel: Selector) -> dict:
    """The page's NewsArticle JSON-LD object, or {}: a hint, never a requirement."""
    for raw in css_all(sel, 'script[type="application/ld+json"]::text'):
        try:
            data = json.loads(raw, strict=False)
            nodes = list(_json_ld_nodes(data))
        except (ValueError, RecursionError):
            continue
        for node in nodes:
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(t in ARTICLE_TYPES for t in types if isinstance(t, str)):
                return node
    return {}


def _json_ld_nodes(data) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _json_ld_nodes(data["@graph"])


def json_ld_text(node: dict, key: str) -> str | None:
    """One-line text of a JSON-LD property: its first value, or that value's ``name``."""
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return clean_inline(value) if isinstance(value, str) else None


def meta_content(sel: Selector, query: str) -> str | None:
    """One-line ``content`` of a <meta> tag, e.g. ``meta[property="og:title"]``."""
    return clean_inline(css_first(sel, f"{query}::attr(content)"))
