"""The regions of an article page that every part is read from."""

from __future__ import annotations

from dataclasses import dataclass

from parsel import Selector


@dataclass
class ArticleParts:
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
