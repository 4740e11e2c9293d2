"""The article's pictures: lead image first, lazy-loading attributes resolved, captions."""

from __future__ import annotations

import re

from newscrawl.items import Image
from newscrawl.normalize.text import clean_inline
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import (
    DECORATION_CLASSES,
    DECORATION_TAGS,
    NEVER_TEXT_ATTRIBUTES,
    chain,
)
from newscrawl.sites.boursorama.parts import ArticleParts
from newscrawl.sites.boursorama.text import inline
from newscrawl.sites.boursorama.urls import absolute_url

_PLACEHOLDER_IMAGE = re.compile(r"(?:^|/)(?:blank|spacer|pixel|transparent|1x1)[^/]*\.gif$", re.I)
_LEAD_IMAGE = chain("lead_image")
_HOLDERS = html.compiled_xpath(" | ".join(chain("image_holders")))
_CAPTION = chain("image_caption")
# Lazy images keep their real address in one of these, in this order of trust.
_IMG_ADDRESSES = ("src", "data-src", "data-original-src", "data-lazy-src")
_IMG_SRCSETS = ("srcset", "data-srcset")


def images(parts: ArticleParts) -> list[Image]:
    if parts.detail is None:
        return []
    lead_blocks = [block for query in _LEAD_IMAGE for block in html.css_all(parts.sel, query)]
    # The lead image, the detail block and the body: apart only when broken markup split them.
    regions = [parts.detail, parts.content, *lead_blocks]
    done: list = []
    found: list[Image] = []
    seen: set[str] = set()
    for holder in _HOLDERS(parts.sel.root):
        if (
            not html.inside(holder, regions)
            or html.inside(holder, done)
            or html.inside(holder, (parts.comments, parts.related))
        ):
            continue
        if _is_decoration(holder):
            continue
        done.append(holder)
        url = _image_url(holder, parts.url)
        if url is None or url in seen:
            continue
        seen.add(url)
        found.append(Image(url=url, caption=_image_caption(holder)))
    return found


def _is_decoration(element) -> bool:
    """Avatars, icons, sharing buttons and ads: pictures on the page that are not the article's."""
    node = element
    while node is not None:
        if (
            node.tag in DECORATION_TAGS
            or html.has_class_prefix(node, DECORATION_CLASSES)
            or any(node.get(name) is not None for name in NEVER_TEXT_ATTRIBUTES)
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
    return _usable(value.split(",")[0].strip().split(" ")[0])


def _img_url(img) -> str | None:
    if img.get("width") == "1" and img.get("height") == "1":
        return None  # a tracking pixel, whatever its src
    return html.first(
        *[_usable(img.get(name)) for name in _IMG_ADDRESSES],
        *[_first_srcset_url(img.get(name)) for name in _IMG_SRCSETS],
    )


def _imgs_with_noscript_copy(holder) -> tuple[list, list]:
    """The holder's <img>s, and those of the <noscript> right after it (a lazy image's copy)."""
    imgs = [holder] if holder.tag == "img" else list(holder.iter("img"))
    sibling = holder.getnext()
    copies = list(sibling.iter("img")) if sibling is not None and sibling.tag == "noscript" else []
    return imgs, copies


def _image_url(holder, page_url: str) -> str | None:
    imgs, copies = _imgs_with_noscript_copy(holder)
    visible = [img for img in imgs if not _in_noscript(img, holder)]
    fallback = [img for img in imgs if img not in visible] + copies
    url = html.first(
        lambda: _usable(holder.get("data-original-src")),
        *[lambda img=img: _img_url(img) for img in visible],
        *[
            lambda s=s: _first_srcset_url(s.get("srcset") or s.get("data-srcset"))
            for s in holder.iter("source")
        ],
        *[lambda img=img: _img_url(img) for img in fallback],
    )
    return absolute_url(page_url, url) if url else None


def _in_noscript(element, stop) -> bool:
    node = element.getparent() if element is not stop else None
    while node is not None and node is not stop.getparent():
        if node.tag == "noscript":
            return True
        node = node.getparent()
    return False


def _image_caption(holder) -> str | None:
    legend = html.css_first_of(holder, _CAPTION)
    if legend is None:
        sibling = holder.getnext()
        if sibling is not None and (
            sibling.tag == "figcaption" or "legend" in (sibling.get("class") or "")
        ):
            legend = sibling
    imgs, copies = _imgs_with_noscript_copy(holder)
    imgs += copies  # a lazy <img> often has its alt only there
    return html.first(
        lambda: inline(legend),
        lambda: clean_inline(holder.get("data-image-alt")),
        *[lambda img=img: clean_inline(img.get("alt")) for img in imgs],
        *[lambda img=img: clean_inline(img.get("title")) for img in imgs],
    )
