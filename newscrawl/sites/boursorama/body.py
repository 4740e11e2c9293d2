"""The article body: paragraphs and sub-headings in page order."""

from __future__ import annotations

import re

from newscrawl.normalize.text import clean_inline, clean_text
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import BLOCK_TAGS, HEADING_TAGS, IMAGE_TAGS
from newscrawl.sites.boursorama.text import is_noise, raw_text

# Old pages separate paragraphs with <br><br> instead of <p>.
_BLANK_LINE = re.compile(r"\n[ ]*\n")
_LISTS = ("ul", "ol")


def _is_list(element) -> bool:
    return element.tag in _LISTS


def has_text(content, depth: int = 0) -> bool:
    """Whether a body candidate shows any text, noise left out; stops at the first."""
    if (content.text or "").strip():
        return True
    for child in content:
        shown = html.is_element(child) and not is_noise(child)
        if shown and (depth >= html.MAX_DEPTH or has_text(child, depth + 1)):
            return True
        if (child.tail or "").strip():
            return True
    return False


def body_blocks(content) -> tuple[list[tuple[str, str]], list[str]]:
    """("p" | "h", text) blocks in page order, and the sub-headings."""
    blocks: list[tuple[str, str]] = []
    loose: list[str] = []  # text and inline elements directly inside a container

    def flush() -> None:
        text = "".join(loose)
        loose.clear()
        for paragraph in _BLANK_LINE.split(text):
            add("p", paragraph)

    def add(kind: str, raw: str) -> None:
        text = clean_text(raw)
        if text:
            blocks.append((kind, text))

    def walk(container, depth: int = 0) -> None:
        if depth > html.MAX_DEPTH:
            add("p", raw_text(container, breaks=True))
            return
        if container.text:
            loose.append(html.collapse_spaces(container.text))
        for child in container:
            if not html.is_element(child) or is_noise(child):
                pass
            elif child.tag == "br":
                loose.append("\n")
            elif child.tag not in BLOCK_TAGS and child.tag not in IMAGE_TAGS:
                loose.append(raw_text(child, breaks=True))
            else:
                flush()
                block(child, depth + 1)
            if child.tail:
                loose.append(html.collapse_spaces(child.tail))
        flush()

    def block(element, depth: int) -> None:
        tag = element.tag
        if tag in HEADING_TAGS:
            add("h", raw_text(element))
        elif tag == "p":
            add("p", raw_text(element, breaks=True))
        elif tag == "li":
            nested = [c for c in element if html.is_element(c) and c.tag in _LISTS]
            add("p", raw_text(element, skip=_is_list, breaks=True))
            for sublist in nested:
                walk(sublist, depth + 1)
        elif tag == "tr":
            # Results tables in press releases: one line per row, so no figure is dropped.
            cells = [clean_inline(raw_text(cell)) for cell in element if html.is_element(cell)]
            add("p", " | ".join(c for c in cells if c))
        elif tag == "table":
            for row in element.iter("tr"):
                block(row, depth + 1)
        elif tag in IMAGE_TAGS or tag == "h1":
            pass  # images are read by images.py; an h1 in the body is the title again
        else:
            walk(element, depth)

    if content is not None:
        walk(content)
    subheadings = [text for kind, text in blocks if kind == "h"]
    return blocks, subheadings
