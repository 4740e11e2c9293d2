"""A page's Selector without the reference cycle of ``response.selector``.

Scrapy's Selector keeps its response and the response caches its Selector: a cycle that
only Python's cyclic garbage collector frees. That collector runs after so many new Python
objects, and knows nothing of the lxml tree each Selector holds (a megabyte or two for an
80 KB page). The less Python work a page costs, the more pages wait for it: 290 dead
heavy pages were alive at once in a link-only crawl, 100 MB of trees. This Selector is
freed with the response, the moment its callback's output is handled.
"""

from __future__ import annotations

from parsel import Selector
from scrapy.http import HtmlResponse, JsonResponse, TextResponse, XmlResponse
from scrapy.utils.response import get_base_url


def page_form(response: TextResponse) -> tuple[str | None, str]:
    """The document type and base URL ``response.selector`` reads the page with."""
    if isinstance(response, XmlResponse):
        kind = "xml"
    elif isinstance(response, JsonResponse):
        kind = "json"
    elif isinstance(response, HtmlResponse):
        kind = "html"
    else:
        kind = None  # as Scrapy does: parsel tells the type from the text
    return kind, get_base_url(response)


def selector_of(text: str, kind: str | None, base_url: str) -> Selector:
    """The page as ``page_form`` says to read it: in the engine or in an extraction worker."""
    return Selector(text=text, type=kind, base_url=base_url)


def page_selector(response: TextResponse) -> Selector:
    """What ``response.selector`` finds, document type and base URL included."""
    return selector_of(response.text, *page_form(response))
