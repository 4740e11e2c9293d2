"""Site-independent HTML helpers: selectors, CSS lookups, raw text, JSON-LD readers.

Every site parser is built on these. They take parsel Selectors or lxml elements, never
raise on odd markup, and know nothing about a particular site: what a site counts as
"not text" (ads, hidden helper text) it passes in as a predicate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator

from parsel import Selector

from newscrawl.normalize.text import clean_inline

ElementTest = Callable[[object], bool]

_SPACES = re.compile(r"[ \t\r\n\f]+")
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
    found = scope.css(query) if isinstance(scope, Selector) else _selector_of(scope).css(query)
    return found[0].root if found else None


def css_all(scope, query: str) -> list:
    if scope is None:
        return []
    found = scope.css(query) if isinstance(scope, Selector) else _selector_of(scope).css(query)
    return [s.root for s in found]


def css_first_of(scope, queries: Iterable[str]):
    """First element of the first query that matches: a fallback chain of selectors."""
    for query in queries:
        element = css_first(scope, query)
        if element is not None:
            return element
    return None


def _selector_of(element) -> Selector:
    return Selector(root=element, type="html")


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
    pieces: list[str] = []

    def walk(node, depth: int) -> None:
        if depth > MAX_DEPTH:
            pieces.append(_SPACES.sub(" ", "".join(node.itertext())))
            return
        if node.text:
            pieces.append(_SPACES.sub(" ", node.text))
        for child in node:
            if is_element(child):
                if child.tag == "br":
                    pieces.append("\n" if breaks else " ")
                elif not (ignore(child) or (skip and skip(child))):
                    walk(child, depth + 1)
            if child.tail:
                pieces.append(_SPACES.sub(" ", child.tail))

    if element is not None:
        walk(element, 0)
    return "".join(pieces)


def collapse_spaces(text: str) -> str:
    """HTML source whitespace as a browser shows it: one space."""
    return _SPACES.sub(" ", text)


# --- JSON-LD -----------------------------------------------------------------------------


def json_ld_article(sel: Selector) -> dict:
    """The page's NewsArticle JSON-LD object, or {}: a hint, never a requirement."""
    for raw in sel.css('script[type="application/ld+json"]::text').getall():
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
    return clean_inline(sel.css(f"{query}::attr(content)").get())
