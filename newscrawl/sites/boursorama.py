"""Boursorama pages -> raw fields: article pages (two layouts) and news listings.

Pure extraction: parsel/lxml only, no Scrapy, no normalisation beyond whitespace. Every
page part has a fallback chain because the site's markup has changed several times (the
h1 nesting in 2020-22, lazy images, cards vs lines in listings). A part that cannot be
found is None / [] and never raises: broken, truncated and non-article pages give what
they have.

Site evidence for every selector is in the project's site notes (boursorama-site.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newscrawl.items import Article, Comment, Image, RelatedArticle
from newscrawl.normalize.text import PARAGRAPH_BREAK, clean_inline, clean_text

# /<section>/actualites/<slug>-<32 hex>: the 32-hex tail is the article's stable id.
_ARTICLE_PATH = re.compile(r"^/[^/]+/actualites/(?:[^/]+/)*(?:[^/]*-)?([0-9a-f]{32})/?$")
_LISTING_PATH = re.compile(r"^/(?:[^/]+/actualites(?:/[^/]+)*|actualite-economique(?:/[^/]+)*)/?$")
_PAGE_NUMBER = re.compile(r"/page-(\d+)/?$")

# Subtrees that never carry article text: code, sharing buttons, ads, promotional inserts.
_NEVER_TEXT_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "form", "button", "select"}
)
_NEVER_TEXT_CLASSES = (
    "c-toolbar-sharing",
    "google-ad",
    "c-ad",
    "c-insert",
    "c-news-detail__insert",
    "c-news-detail__toolbar",
    "c-read-also",
)
_NEVER_TEXT_ATTRIBUTES = ("data-brs-gpt-slot", "data-ad-slot")
_DECORATION_CLASSES = ("c-avatar", "c-icon", "c-toolbar-sharing", "c-ad", "google-ad")
# Hidden helper text ("information fournie par") and "•" separators are not content.
_NOT_VALUE_CLASSES = ("u-sr-only", "c-source__bullet")

_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "ul", "ol", "li", "blockquote", "table", "figure",
     "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "aside", "dl", "dt", "dd", "pre"}
)  # fmt: skip
_HEADING_TAGS = frozenset({"h2", "h3", "h4"})
_IMAGE_TAGS = frozenset({"figure", "picture", "img"})

_INFO_PREFIX = re.compile(r"^\s*information\s+fournie\s+par\s*:?\s*", re.IGNORECASE)
_READ_MORE = re.compile(r"\s*Lire\s+la\s+suite\s*[.…]*\s*$", re.IGNORECASE)
_UPDATED = re.compile(r"^\s*mis\s+[àa]\s+jour", re.IGNORECASE)
_COUNT = re.compile(r"(\d[\d\s\u00a0\u202f.]*)\s*commentaires?", re.IGNORECASE)
_NO_COMMENT = re.compile(r"\baucun\s+commentaire", re.IGNORECASE)
_PROFILE_URL = re.compile(r"/profil/([^/?#]+)")
_PROFILE_TITLE = re.compile(r"informations du compte\s+(.+)$", re.IGNORECASE)
_TITLE_SUFFIX = re.compile(r"\s*[-|–]\s*Boursorama\s*$", re.IGNORECASE)
_PLACEHOLDER_IMAGE = re.compile(r"(?:^|/)(?:blank|spacer|pixel|transparent|1x1)[^/]*\.gif$", re.I)
_SPACES = re.compile(r"[ \t\r\n\f]+")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
# A cheap pre-filter (normalize-space over every text node costs ~8x more on a long page);
# the own-text check in Python keeps only elements whose text starts "Mis à jour".
_UPDATE_LINE_XPATH = ".//*[text()[contains(., 'jour') or contains(., 'JOUR')]]"
# Nesting beyond this is read flat: absurdly deep (broken) markup must not exhaust the stack.
_MAX_DEPTH = 150
_MESSAGE_XPATH = ".//*[contains(concat(' ', normalize-space(@class), ' '), ' c-message ')]"
# The nearest enclosing message of an element (the element itself excluded).
_OWNER_XPATH = "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' c-message ')][1]"
# How far above its heading the "A lire aussi" list may sit (heading > head > block > list).
_MAX_HEADING_CLIMB = 6
_ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting"}
)


# --- URLs --------------------------------------------------------------------------------


def article_id_from_url(url: str | None) -> str | None:
    """The 32-hex tail of an article URL on any host; None for any other URL."""
    if not url:
        return None
    match = _ARTICLE_PATH.match(urlsplit(url).path)
    return match.group(1) if match else None


def is_article_url(url: str | None) -> bool:
    return article_id_from_url(url) is not None


def is_listing_url(url: str | None) -> bool:
    """A news listing (``/bourse/actualites/``, ``/actualite-economique/``, ``/page-N``...)."""
    if not url or is_article_url(url):
        return False
    return bool(_LISTING_PATH.match(urlsplit(url).path))


def section_from_url(url: str | None) -> str | None:
    """First path segment: ``bourse``, ``actualite-economique``, ``videos``..."""
    if not url:
        return None
    segments = [part for part in urlsplit(url).path.split("/") if part]
    return segments[0] if segments else None


def decode_data_rel(value: str | None) -> str | None:
    """The link target some entries hide base64-encoded in ``data-rel`` instead of href."""
    if not value or not value.strip():
        return None
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            target = decode(padded).decode("utf-8").strip()
        except (binascii.Error, ValueError):
            continue
        if target.startswith(("/", "http://", "https://")):
            return target
    return None


# --- Selectors and text ------------------------------------------------------------------


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


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _has_class_prefix(element, prefixes: Iterable[str]) -> bool:
    # BEM: "c-ad--top" and "c-toolbar-sharing__list" belong to their block; "c-address" doesn't.
    return any(
        c == p or c.startswith((p + "--", p + "__")) for c in _classes(element) for p in prefixes
    )


def _is_element(node) -> bool:
    return isinstance(node.tag, str)


def _never_text(element) -> bool:
    return (
        element.tag in _NEVER_TEXT_TAGS
        or _has_class_prefix(element, _NEVER_TEXT_CLASSES)
        or any(element.get(name) is not None for name in _NEVER_TEXT_ATTRIBUTES)
    )


def _not_value(element) -> bool:
    return bool(_classes(element) & set(_NOT_VALUE_CLASSES)) or element.get("aria-hidden") == "true"


def _raw_text(element, *, skip=None, breaks: bool = False) -> str:
    """Text of an element with HTML source whitespace collapsed; ``<br>`` -> "\\n" if breaks."""
    pieces: list[str] = []

    def walk(node, depth: int) -> None:
        if depth > _MAX_DEPTH:
            pieces.append(_SPACES.sub(" ", "".join(node.itertext())))
            return
        if node.text:
            pieces.append(_SPACES.sub(" ", node.text))
        for child in node:
            if _is_element(child):
                if child.tag == "br":
                    pieces.append("\n" if breaks else " ")
                elif not (_never_text(child) or _not_value(child) or (skip and skip(child))):
                    walk(child, depth + 1)
            if child.tail:
                pieces.append(_SPACES.sub(" ", child.tail))

    if element is not None:
        walk(element, 0)
    return "".join(pieces)


def _inline(element, *, skip=None) -> str | None:
    """One-line text of an element, hidden helper text and bullets excluded; None if empty."""
    if element is None:
        return None
    return clean_inline(_raw_text(element, skip=skip))


def _first(*candidates):
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


def _css_first(scope, query: str):
    """First lxml element matching a CSS query under a Selector or lxml element scope."""
    if scope is None:
        return None
    found = scope.css(query) if isinstance(scope, Selector) else _sel(scope).css(query)
    return found[0].root if found else None


def _css_all(scope, query: str) -> list:
    if scope is None:
        return []
    found = scope.css(query) if isinstance(scope, Selector) else _sel(scope).css(query)
    return [s.root for s in found]


def _sel(element) -> Selector:
    return Selector(root=element, type="html")


def _inside(element, ancestors: Iterable) -> bool:
    ancestor_set = {a for a in ancestors if a is not None}
    node = element
    while node is not None:
        if node in ancestor_set:
            return True
        node = node.getparent()
    return False


def _fold(text: str) -> str:
    """Lower case without accents, for comparing headings ("À lire aussi" = "a lire aussi")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


# --- JSON-LD -----------------------------------------------------------------------------


def _json_ld_article(sel: Selector) -> dict:
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
            if any(t in _ARTICLE_TYPES for t in types if isinstance(t, str)):
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


def _json_ld_text(node: dict, key: str) -> str | None:
    value = node.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return clean_inline(value) if isinstance(value, str) else None


# --- Article page ------------------------------------------------------------------------


@dataclass
class _ArticleParts:
    """The page regions every field is looked up in, found once per page."""

    sel: Selector
    url: str
    detail: object | None
    h1: object | None
    source: object | None
    content: object | None
    comments: object | None
    related: object | None
    json_ld: dict


def parse_article(page: str | bytes | Selector, url: str) -> Article:
    """Raw fields of an article page; a non-article page gives an Article of Nones."""
    sel = to_selector(page)
    article = Article(url=url, article_id=article_id_from_url(url), section=section_from_url(url))
    parts = _find_parts(sel, url)
    if parts.detail is None and not parts.json_ld:
        return article  # a quote, forum or error page: nothing here is an article's

    article.title = _title(parts)
    article.outlet_raw = _outlet(parts)
    article.published_raw, article.updated_raw = _dates(parts)
    blocks, subheadings = _body_blocks(parts.content)
    paragraphs = [text for kind, text in blocks if kind == "p"]
    article.body = PARAGRAPH_BREAK.join(text for _, text in blocks) or None
    article.lead = paragraphs[0] if paragraphs else None
    article.subheadings = subheadings
    article.images = _images(parts)
    article.comment_count, article.comments = _comments(parts.comments)
    article.related = _related(parts)
    return article


def _find_parts(sel: Selector, url: str) -> _ArticleParts:
    detail = _first(
        lambda: _css_first(sel, "div.c-news-detail"),
        lambda: _css_first(sel, ".c-news-detail"),
        lambda: _css_first(sel, ".l-news-page__main"),
        lambda: _css_first(sel, '[itemtype*="NewsArticle"]'),
    )
    comments = _first(
        lambda: _css_first(sel, "div.c-comment--full"),
        lambda: _css_first(sel, "div.c-comment"),
    )
    content = _content_block(sel, detail, comments)
    related = _related_block(sel, (comments, content))
    h1 = None
    if detail is not None:
        h1 = _first(
            lambda: _css_first(detail, "h1.c-title-big"),
            lambda: _css_first(detail, "h1"),
        )
    source = _source_block(detail, h1, comments, related)
    return _ArticleParts(
        sel=sel,
        url=url,
        detail=detail,
        h1=h1,
        source=source,
        content=content,
        comments=comments,
        related=related,
        json_ld=_json_ld_article(sel),
    )


def _source_block(detail, h1, comments, related):
    if detail is None:
        return None
    for candidate in (
        _css_first(detail, "div.c-news-detail__source"),
        _css_first(h1, ".c-source") if h1 is not None else None,  # 2020-22: inside the h1
        _css_first(h1, "div") if h1 is not None else None,
    ):
        if candidate is not None:
            return candidate
    for candidate in _css_all(detail, ".c-source"):
        if not _inside(candidate, (comments, related)):
            return candidate
    return None


def _content_block(sel: Selector, detail, comments):
    if detail is None:
        return None
    queries = (
        "article.c-news-detail__content",
        "div.c-news-detail__content",
        ".c-news-detail__content",
        '[itemprop="articleBody"]',
        ".c-news-detail__content-video",
        "article",
    )
    # Broken markup (a stray </div>) can close the detail block before its content.
    for scope, scoped_queries in ((detail, queries), (sel, queries[:5])):
        for query in scoped_queries:
            for candidate in _css_all(scope, query):
                if not _inside(candidate, (comments,)):
                    return candidate
    return None


def _title(parts: _ArticleParts) -> str | None:
    h1 = parts.h1

    # 2020-22 (and unclosed spans): the source line (provider, date) sits in a div in the h1.
    not_title = lambda e: e.tag == "div" or "c-source" in _classes(e)  # noqa: E731

    def h1_span():
        for child in h1 if h1 is not None else ():
            if _is_element(child) and child.tag == "span" and not _not_value(child):
                return _inline(child, skip=not_title)
        return None

    def h1_own_text():
        return _inline(h1, skip=not_title) if h1 is not None else None

    def title_tag():
        text = clean_inline(" ".join(parts.sel.css("title::text").getall()))
        return _TITLE_SUFFIX.sub("", text) if text else None

    return _first(
        h1_span,
        h1_own_text,
        lambda: _json_ld_text(parts.json_ld, "headline"),
        lambda: clean_inline(parts.sel.css('meta[property="og:title"]::attr(content)').get()),
        title_tag,
    )


def _provider_text(element) -> str | None:
    text = _inline(element)
    return clean_inline(_INFO_PREFIX.sub("", text)) if text else None


def _outlet(parts: _ArticleParts) -> str | None:
    source = parts.source

    def from_source_text():
        # No <strong>: "information fournie par X <date>" as plain text.
        if source is None:
            return None
        skip_times = lambda e: "c-source__time" in _classes(e) or e.tag in ("span", "time")  # noqa: E731
        text = clean_inline(_raw_text(source, skip=skip_times))
        return clean_inline(_INFO_PREFIX.sub("", text)) if text else None

    return _first(
        lambda: _provider_text(_css_first(source, "strong.c-source__name")),
        lambda: _provider_text(_css_first(source, ".c-source__name")),
        lambda: _provider_text(_css_first(source, "strong")),
        from_source_text,
        lambda: _json_ld_text(parts.json_ld, "author"),
    )


def _source_times(source) -> list[str]:
    spans = _css_all(source, ".c-source__time") or _css_all(source, "time")
    if not spans:
        # Older markup: unclassed spans; a date has digits, the helper text has none, and the
        # comment counter beside the date is not one.
        counters = _css_all(source, ".c-source__comments, .c-comments-count")
        spans = [
            s for s in _css_all(source, "span") if not _not_value(s) and not _inside(s, counters)
        ]
    texts = [_inline(span) for span in spans]
    return [t for t in texts if t and any(c.isdigit() for c in t)]


def _dates(parts: _ArticleParts) -> tuple[str | None, str | None]:
    times = _source_times(parts.source)
    published = next((t for t in times if not _UPDATED.match(t)), None)
    updated = next((t for t in times if _UPDATED.match(t)), None)
    if updated is None and parts.detail is not None:
        # An update line outside the source block, e.g. a <p> under the title; lxml finds
        # the candidates (own text starting "Mis à jour") without reading every element.
        for element in parts.detail.xpath(_UPDATE_LINE_XPATH):
            if not any(_UPDATED.match(own) for own in element.xpath("text()")):
                continue
            text = _inline(element)
            if (
                text
                and _UPDATED.match(text)
                and len(text) < 80
                and not _inside(element, (parts.content, parts.comments, parts.related))
            ):
                updated = text
                break
    published = _first(
        published,
        lambda: _json_ld_text(parts.json_ld, "datePublished"),
        lambda: clean_inline(
            parts.sel.css('meta[property="article:published_time"]::attr(content)').get()
        ),
        lambda: clean_inline(parts.sel.css('meta[itemprop="datePublished"]::attr(content)').get()),
    )
    return published, updated


# --- Body --------------------------------------------------------------------------------


def _body_blocks(content) -> tuple[list[tuple[str, str]], list[str]]:
    """("p" | "h", text) blocks in page order, and the sub-headings."""
    blocks: list[tuple[str, str]] = []
    loose: list[str] = []  # text and inline elements directly inside a container

    def flush() -> None:
        text = "".join(loose)
        loose.clear()
        # Old pages separate paragraphs with <br><br> instead of <p>.
        for paragraph in re.split(r"\n[ ]*\n", text):
            add("p", paragraph)

    def add(kind: str, raw: str) -> None:
        text = clean_text(raw)
        if text:
            blocks.append((kind, text))

    def walk(container, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            add("p", _raw_text(container, breaks=True))
            return
        if container.text:
            loose.append(_SPACES.sub(" ", container.text))
        for child in container:
            if not _is_element(child) or _never_text(child) or _not_value(child):
                pass
            elif child.tag == "br":
                loose.append("\n")
            elif child.tag not in _BLOCK_TAGS and child.tag not in _IMAGE_TAGS:
                loose.append(_raw_text(child, breaks=True))
            else:
                flush()
                block(child, depth + 1)
            if child.tail:
                loose.append(_SPACES.sub(" ", child.tail))
        flush()

    def block(element, depth: int) -> None:
        tag = element.tag
        if tag in _HEADING_TAGS or tag in ("h5", "h6"):
            add("h", _raw_text(element))
        elif tag == "p":
            add("p", _raw_text(element, breaks=True))
        elif tag == "li":
            nested = [c for c in element if _is_element(c) and c.tag in ("ul", "ol")]
            skip_lists = lambda e: e.tag in ("ul", "ol")  # noqa: E731
            add("p", _raw_text(element, skip=skip_lists, breaks=True))
            for sublist in nested:
                walk(sublist, depth + 1)
        elif tag == "tr":
            # Results tables in press releases: one line per row, so no figure is dropped.
            cells = [clean_inline(_raw_text(cell)) for cell in element if _is_element(cell)]
            add("p", " | ".join(c for c in cells if c))
        elif tag == "table":
            for row in element.iter("tr"):
                block(row, depth + 1)
        elif tag in _IMAGE_TAGS or tag == "h1":
            pass  # images are read by _images; an h1 in the body is the title again
        else:
            walk(element, depth)

    if content is not None:
        walk(content)
    subheadings = [text for kind, text in blocks if kind == "h"]
    return blocks, subheadings


# --- Images ------------------------------------------------------------------------------


def _images(parts: _ArticleParts) -> list[Image]:
    if parts.detail is None:
        return []
    lead_blocks = _css_all(parts.sel, "div.c-image-news")
    # The lead image, the detail block and the body: apart only when broken markup split them.
    regions = [parts.detail, parts.content, *lead_blocks]
    holders = parts.sel.root.xpath(
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' c-image-news ')]"
        " | //*[@data-original-src] | //figure | //picture | //img"
    )
    done: list = []
    images: list[Image] = []
    seen: set[str] = set()
    for holder in holders:
        if (
            not _inside(holder, regions)
            or _inside(holder, done)
            or _inside(holder, (parts.comments, parts.related))
        ):
            continue
        if _is_decoration(holder):
            continue
        done.append(holder)
        url = _image_url(holder, parts.url)
        if url is None or url in seen:
            continue
        seen.add(url)
        images.append(Image(url=url, caption=_image_caption(holder)))
    return images


def _is_decoration(element) -> bool:
    """Avatars, icons, sharing buttons and ads: pictures on the page that are not the article's."""
    node = element
    while node is not None:
        if (
            node.tag in ("button", "svg")
            or _has_class_prefix(node, _DECORATION_CLASSES)
            or any(node.get(name) is not None for name in _NEVER_TEXT_ATTRIBUTES)
        ):
            return True
        node = node.getparent()
    return False


def _usable(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.startswith(("data:", "about:", "javascript:")) or _PLACEHOLDER_IMAGE.search(value):
        return None
    return value


def _first_srcset_url(value: str | None) -> str | None:
    if not value:
        return None
    first = value.split(",")[0].strip().split(" ")[0]
    return _usable(first)


def _img_url(img) -> str | None:
    if img.get("width") == "1" and img.get("height") == "1":
        return None  # a tracking pixel, whatever its src
    return _first(
        _usable(img.get("src")),
        _usable(img.get("data-src")),
        _usable(img.get("data-original-src")),
        _usable(img.get("data-lazy-src")),
        _first_srcset_url(img.get("srcset")),
        _first_srcset_url(img.get("data-srcset")),
    )


def _image_url(holder, page_url: str) -> str | None:
    imgs = [holder] if holder.tag == "img" else list(holder.iter("img"))
    visible = [img for img in imgs if not _in_noscript(img, holder)]
    fallback = [img for img in imgs if img not in visible]
    # The next sibling <noscript> is the no-JS copy of a lazy image.
    sibling = holder.getnext()
    if sibling is not None and sibling.tag == "noscript":
        fallback += list(sibling.iter("img"))
    url = _first(
        lambda: _usable(holder.get("data-original-src")),
        *[lambda img=img: _img_url(img) for img in visible],
        *[
            lambda s=s: _first_srcset_url(s.get("srcset") or s.get("data-srcset"))
            for s in holder.iter("source")
        ],
        *[lambda img=img: _img_url(img) for img in fallback],
    )
    return urljoin(page_url, url) if url else None


def _in_noscript(element, stop) -> bool:
    node = element.getparent() if element is not stop else None
    while node is not None and node is not stop.getparent():
        if node.tag == "noscript":
            return True
        node = node.getparent()
    return False


def _image_caption(holder) -> str | None:
    legend = _first(
        lambda: _css_first(holder, ".c-image-news__legend"),
        lambda: _css_first(holder, "figcaption"),
        lambda: _css_first(holder, '[class*="legend"]'),
    )
    if legend is None:
        sibling = holder.getnext()
        if sibling is not None and (
            sibling.tag == "figcaption" or "legend" in (sibling.get("class") or "")
        ):
            legend = sibling
    imgs = [holder] if holder.tag == "img" else list(holder.iter("img"))
    sibling = holder.getnext()
    if sibling is not None and sibling.tag == "noscript":
        imgs += list(sibling.iter("img"))  # a lazy <img> often has its alt only there
    return _first(
        lambda: _inline(legend),
        lambda: clean_inline(holder.get("data-image-alt")),
        *[lambda img=img: clean_inline(img.get("alt")) for img in imgs],
        *[lambda img=img: clean_inline(img.get("title")) for img in imgs],
    )


# --- Comments ----------------------------------------------------------------------------


def _comments(block) -> tuple[int | None, list[Comment]]:
    """The page's own comment count (None without a comments block) and the comments."""
    if block is None:
        return None, []
    count = _comment_count(block)
    messages = block.xpath(_MESSAGE_XPATH)
    if not messages:
        messages = [p.getparent() for p in _css_all(block, ".c-message__text")]
    comments = []
    for position, message in enumerate(messages, start=1):
        comments.append(_comment(message, position))
    return count, comments


def _comment_count(block) -> int | None:
    headings = _css_all(block, ".c-heading__text") or _css_all(block, "h2, h3, .c-heading")
    for heading in headings:
        text = _inline(heading) or ""
        if _NO_COMMENT.search(text):
            return 0
        match = _COUNT.search(text)
        if match:
            return int(re.sub(r"\D", "", match.group(1)))
    return None


def _own(message, query: str) -> list:
    """Elements of a message, not of a reply nested in it (a reply is its own comment)."""
    return [
        e for e in _css_all(message, query) if next(iter(e.xpath(_OWNER_XPATH)), None) is message
    ]


def _comment(message, position: int) -> Comment:
    username = next(iter(_own(message, ".c-source__username")), None)
    profile = _first(
        lambda: next(iter(_own(message, "[data-popover-url*='/profil/']")), None),
        lambda: next(iter(_own(message, "[title*='informations du compte']")), None),
    )

    def from_profile_url():
        match = (
            _PROFILE_URL.search(profile.get("data-popover-url", ""))
            if profile is not None
            else None
        )
        return match.group(1) if match else None

    def from_profile_title():
        match = _PROFILE_TITLE.search(profile.get("title", "")) if profile is not None else None
        return clean_inline(match.group(1)) if match else None

    author = _first(
        lambda: _inline(username),
        lambda: _inline(next(iter(_own(message, ".c-source__author")), None)),
        from_profile_title,
        from_profile_url,
    )
    # A forum message also shows its last reply's author and time in a second .c-source.
    source = username.getparent() if username is not None else None
    if source is None or not _css_all(source, ".c-source__time"):
        source = next(
            (s for s in _own(message, ".c-source") if _css_all(s, ".c-source__time")), None
        )
    published_raw = _joined_times(source)
    texts = _own(message, "p.c-message__text") or _own(message, ".c-message__text")
    paragraphs = [clean_text(_raw_text(p, breaks=True)) for p in texts]
    text = PARAGRAPH_BREAK.join(p for p in paragraphs if p) or None
    return Comment(position=position, author=author, published_raw=published_raw, text=text)


# --- "A lire aussi" ----------------------------------------------------------------------


def _related_block(sel: Selector, excluded: tuple):
    """The block whose heading says "A lire aussi" (div.c-rebound also holds SEO link lists).

    ``excluded`` are the comments and the body, where an "A lire aussi" insert is not it.
    """
    for heading in _css_all(sel, ".c-heading__text, h2, h3, .c-block__head, .c-title"):
        if _inside(heading, excluded) or not _fold(_inline(heading) or "").startswith(
            "a lire aussi"
        ):
            continue
        node = heading.getparent()
        for _ in range(_MAX_HEADING_CLIMB):
            if node is None or node.tag in ("body", "html"):
                break
            if _css_all(node, ".c-list-details-news__line") or any(
                is_article_url(a.get("href")) or a.get("data-rel") for a in _css_all(node, "li a")
            ):
                return node
            node = node.getparent()
    for line in _css_all(sel, "li.c-list-details-news__line"):
        if not _inside(line, excluded):
            return line.getparent()
    return None


def _related(parts: _ArticleParts) -> list[RelatedArticle]:
    block = parts.related
    if block is None:
        return []
    lines = _css_all(block, "li.c-list-details-news__line") or [
        li for li in _css_all(block, "li") if _css_all(li, "a")
    ]
    return [
        _related_entry(line, position, parts.url) for position, line in enumerate(lines, start=1)
    ]


def _related_entry(line, position: int, page_url: str) -> RelatedArticle:
    link = _entry_link(line, ".c-list-details-news__title a")
    url = _link_url(link, page_url) or _link_url(line, page_url)
    author = _first(lambda: _css_first(line, ".c-list-details-news__author"), line)
    teaser = _first(
        lambda: _css_first(line, "p.c-list-details-news__content"),
        lambda: _css_first(line, ".c-list-details-news__content"),
    )
    return RelatedArticle(
        position=position,
        url=url,
        article_id=article_id_from_url(url),
        title=_first(
            lambda: _inline(link),
            lambda: clean_inline(link.get("title")) if link is not None else None,
            lambda: _inline(_css_first(line, ".c-list-details-news__title")),
        ),
        outlet_raw=_first(
            lambda: _provider_text(_css_first(author, "strong.c-source__name")),
            lambda: _provider_text(_css_first(author, ".c-source__name")),
        ),
        published_raw=_joined_times(author),
        teaser=_teaser(teaser),
    )


def _teaser(element) -> str | None:
    # The "..." before "Lire la suite" stays: it tells the reader the teaser is truncated.
    text = _inline(element)
    if text is None:
        return None
    return clean_inline(_READ_MORE.sub("", text))


def _entry_link(scope, query: str):
    link = _css_first(scope, query)
    if link is None:
        # Obfuscated entries carry the target in data-rel, on an <a> or on any element.
        link = next(iter(_css_all(scope, "a[href], a[data-rel], [data-rel]")), None)
    return link


def _link_url(element, page_url: str) -> str | None:
    """Absolute target of a link: its href, else the base64 target in data-rel."""
    if element is None:
        return None
    href = (element.get("href") or "").strip()
    if href and href != "#" and not href.lower().startswith(("javascript:", "mailto:")):
        return urljoin(page_url, href)
    target = decode_data_rel(element.get("data-rel"))
    if target is None:
        carrier = _css_first(element, "[data-rel]")
        target = decode_data_rel(carrier.get("data-rel")) if carrier is not None else None
    return urljoin(page_url, target) if target else None


# --- Listings ----------------------------------------------------------------------------


@dataclass
class ListingEntry:
    url: str | None
    article_id: str | None
    title: str | None
    outlet_raw: str | None
    date_raw: str | None
    """As printed: "15:57", "jeu.", "25 janv.", "26 oct. 2022" or "16.08.2025 23:14"."""
    comment_count: int | None
    """The entry's comment counter; None when the entry shows none."""


@dataclass
class Listing:
    url: str
    entries: list[ListingEntry] = field(default_factory=list)
    next_page: str | None = None

    @property
    def article_urls(self) -> list[str]:
        """Article URLs of the entries, in page order, each article once."""
        urls: list[str] = []
        seen: set[str] = set()
        for entry in self.entries:
            key = entry.article_id or entry.url
            if entry.url and entry.article_id and key not in seen:
                seen.add(key)
                urls.append(entry.url)
        return urls


def parse_listing(page: str | bytes | Selector, url: str) -> Listing:
    """Entries (lines, cards, "À la une" headlines) in page order, and the next page's URL."""
    sel = to_selector(page)
    readers = (
        ("c-list-news__line", _line_entry),
        ("c-list-details-news__line", _card_entry),
        ("c-headlines", _headline_entry),
    )
    union = " | ".join(
        f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
        for name, _ in readers
    )
    entries = []
    for element in sel.root.xpath(union):  # document order, whatever the entry's form
        for name, read in readers:
            if name in _classes(element):
                entries.append(read(element, url))
                break
    return Listing(url=url, entries=entries, next_page=_next_page(sel, url))


def _line_entry(line, page_url: str) -> ListingEntry:
    link = _entry_link(line, ".c-list-news__title a")
    entry_url = _link_url(link, page_url)
    return ListingEntry(
        url=entry_url,
        article_id=article_id_from_url(entry_url),
        title=_first(
            lambda: clean_inline(link.get("title")) if link is not None else None,
            lambda: _inline(link),
        ),
        outlet_raw=_first(
            lambda: _provider_text(_css_first(line, "strong.c-source__name")),
            lambda: _provider_text(_css_first(line, ".c-source__name")),
        ),
        date_raw=_first(
            lambda: _inline(_css_first(line, ".c-list-news__date")),
            lambda: _joined_times(line),
        ),
        comment_count=_entry_comment_count(line),
    )


def _card_entry(card, page_url: str) -> ListingEntry:
    link = _entry_link(card, ".c-list-details-news__title a")
    entry_url = _link_url(link, page_url)
    return ListingEntry(
        url=entry_url,
        article_id=article_id_from_url(entry_url),
        title=_first(
            lambda: _inline(link),
            lambda: clean_inline(link.get("title")) if link is not None else None,
        ),
        outlet_raw=_first(
            lambda: _provider_text(_css_first(card, "strong.c-source__name")),
            lambda: _provider_text(_css_first(card, ".c-source__name")),
        ),
        date_raw=_joined_times(card),
        comment_count=_entry_comment_count(card),
    )


def _headline_entry(link, page_url: str) -> ListingEntry:
    # "À la une" cards: the link wraps the whole card; its title attribute has a prefix.
    entry_url = _link_url(link, page_url)
    title_attr = clean_inline(re.sub(r"^\s*[ÀA] la une\s*:\s*", "", link.get("title") or ""))
    return ListingEntry(
        url=entry_url,
        article_id=article_id_from_url(entry_url),
        title=_first(lambda: _inline(_css_first(link, ".c-event__link")), title_attr),
        outlet_raw=_provider_text(_css_first(link, ".c-source__name")),
        date_raw=_joined_times(link),
        comment_count=_entry_comment_count(link),
    )


def _joined_times(scope) -> str | None:
    """Date and time printed in two spans ("16.08.2025" + "23:14"), joined by one space."""
    times = [_inline(span) for span in _css_all(scope, ".c-source__time")]
    return clean_inline(" ".join(t for t in times if t)) or None


def _entry_comment_count(scope) -> int | None:
    number = _css_first(scope, ".c-comments-count__number")
    if number is None:
        return None
    for text in (number.get("aria-label"), _raw_text(number)):
        digits = re.sub(r"\D", "", text or "")
        if digits:
            return int(digits)
    return None


def _next_page(sel: Selector, page_url: str) -> str | None:
    href = sel.css('link[rel="next"]::attr(href)').get()
    if href and href.strip():
        return urljoin(page_url, href.strip())
    pagination = _css_first(sel, ".c-pagination")
    if pagination is None:
        return None
    current = _current_page(pagination, page_url)
    # Page links are <a href>, or elements whose target is base64 in data-rel.
    for link in _css_all(pagination, "a, [data-rel]"):
        if (_inline(link) or "").strip() == str(current + 1):
            return _link_url(link, page_url)
    return None


def _current_page(pagination, page_url: str) -> int:
    active = _css_first(pagination, ".is-active")
    text = (_inline(active) or "") if active is not None else ""
    if text.isdigit():
        return int(text)
    return listing_page_number(page_url)


def listing_page_number(url: str) -> int:
    """The page a listing URL shows: ``.../page-3`` is 3, the listing root is 1."""
    match = _PAGE_NUMBER.search(urlsplit(url).path)
    return int(match.group(1)) if match else 1


__all__ = [
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
