"""The comments block: the page's own count and each comment (author, time, text).

A comment is the forum's message component (``.c-message``); a reply nested in a message
is a comment of its own. Pages without that component are read from their text
paragraphs (``.c-message__text``): one comment per element that holds them.
"""

from __future__ import annotations

import re

from newscrawl.items import Comment
from newscrawl.normalize.text import PARAGRAPH_BREAK, clean_inline, clean_text
from newscrawl.sites import html
from newscrawl.sites.boursorama.layouts import MESSAGE_CLASS, MESSAGE_TEXT, chain
from newscrawl.sites.boursorama.text import inline, joined_times, raw_text

_COUNT = re.compile(r"(\d[\d\s\u00a0\u202f.]*)\s*commentaires?", re.IGNORECASE)
_NO_COMMENT = re.compile(r"\baucun\s+commentaire", re.IGNORECASE)
_PROFILE_URL = re.compile(r"/profil/([^/?#]+)")
_PROFILE_TITLE = re.compile(r"informations du compte\s+(.+)$", re.IGNORECASE)
_COUNT_HEADINGS = chain("comment_count")
_MESSAGE_XPATH = html.compiled_xpath(f".//*[{html.has_class_xpath(MESSAGE_CLASS)}]")
# The nearest enclosing message of an element (the element itself excluded).
_OWNER_XPATH = html.compiled_xpath(f"ancestor::*[{html.has_class_xpath(MESSAGE_CLASS)}][1]")


def comments(block) -> tuple[int | None, list[Comment]]:
    """The page's own comment count (None without a comments block) and the comments."""
    if block is None:
        return None, []
    messages = _MESSAGE_XPATH(block)
    owner_of = _message_of
    if not messages:
        # One comment per holder of text paragraphs, in page order, each holder once.
        holders = (p.getparent() for q in MESSAGE_TEXT for p in html.css_all(block, q))
        messages = list(dict.fromkeys(h for h in holders if h is not None))
        owner_of = _nearest(frozenset(messages))
    # Only a message with a reply in it (the owner of another message) can hold elements of
    # another comment: the others own everything under them, with no lookup per element.
    with_replies = {owner_of(message) for message in messages}
    found = [
        _comment(message, position, owner_of if message in with_replies else None)
        for position, message in enumerate(messages, start=1)
    ]
    return _comment_count(block), found


def _message_of(element):
    """The message component an element belongs to: its nearest enclosing ``.c-message``."""
    return next(iter(_OWNER_XPATH(element)), None)


def _nearest(holders: frozenset):
    """Without the message component: the nearest enclosing holder of text paragraphs."""

    def owner_of(element):
        node = element.getparent()
        while node is not None and node not in holders:
            node = node.getparent()
        return node

    return owner_of


def _comment_count(block) -> int | None:
    headings = next((found for q in _COUNT_HEADINGS if (found := html.css_all(block, q))), [])
    for heading in headings:
        text = inline(heading) or ""
        if _NO_COMMENT.search(text):
            return 0
        match = _COUNT.search(text)
        if match:
            return int(re.sub(r"\D", "", match.group(1)))
    return None


def _comment(message, position: int, owner_of) -> Comment:
    """``owner_of``: the comment an element belongs to; None when the message has no reply."""

    def own(query: str) -> list:
        """Elements of this message, not of a reply nested in it (a reply is its own comment)."""
        found = html.css_all(message, query)
        return found if owner_of is None else [e for e in found if owner_of(e) is message]

    def first_own(query: str):
        return next(iter(own(query)), None)

    username = first_own(".c-source__username")
    profile = html.first(
        lambda: first_own("[data-popover-url*='/profil/']"),
        lambda: first_own("[title*='informations du compte']"),
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

    author = html.first(
        lambda: inline(username),
        lambda: inline(first_own(".c-source__author")),
        from_profile_title,
        from_profile_url,
    )
    # A forum message also shows its last reply's author and time in a second .c-source.
    source = username.getparent() if username is not None else None
    if source is None or not html.css_all(source, ".c-source__time"):
        source = next((s for s in own(".c-source") if html.css_all(s, ".c-source__time")), None)
    texts = own("p.c-message__text") or own(".c-message__text")
    paragraphs = [clean_text(raw_text(p, breaks=True)) for p in texts]
    return Comment(
        position=position,
        author=author,
        published_raw=joined_times(source),
        text=PARAGRAPH_BREAK.join(p for p in paragraphs if p) or None,
    )
