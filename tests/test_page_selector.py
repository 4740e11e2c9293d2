"""page_selector finds what response.selector finds, and dies with its response."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newscrawl.spiders.selector import page_selector

HTML = b"""<html><head><base href="https://www.boursorama.com/base/"><title>T</title></head>
<body><p class="x">Un <b>deux</b></p><a href="rel">lien</a></body></html>"""
XML = b"""<?xml version="1.0"?><rss><channel><item><title>A</title></item></channel></rss>"""

RESPONSES = [
    (HtmlResponse, HTML, "//p//text()"),
    (XmlResponse, XML, "//item/title/text()"),
    (TextResponse, HTML, "//p//text()"),
    (TextResponse, b"not markup at all", "//text()"),
]


@pytest.mark.parametrize(
    ("cls", "body", "query"), RESPONSES, ids=lambda v: getattr(v, "__name__", None)
)
def test_it_finds_what_response_selector_finds(cls, body, query):
    response = cls("https://www.boursorama.com/page", body=body, encoding="utf-8")
    ours, scrapys = page_selector(response), response.selector
    assert ours.type == scrapys.type
    assert ours.xpath(query).getall() == scrapys.xpath(query).getall()
    assert ours.root.base == scrapys.root.base


def test_the_page_is_freed_with_its_response_without_the_cyclic_collector():
    gc.disable()
    try:
        response = HtmlResponse("https://www.boursorama.com/page", body=HTML, encoding="utf-8")
        selector = page_selector(response)
        assert selector.css("p.x b::text").get() == "deux"
        alive = weakref.ref(response)
        del response, selector
        assert alive() is None
    finally:
        gc.enable()


def test_scrapys_own_selector_needs_the_cyclic_collector():
    """Why page_selector exists: if Scrapy breaks this cycle one day, it can go."""
    gc.disable()
    try:
        response = HtmlResponse("https://www.boursorama.com/page", body=HTML, encoding="utf-8")
        assert response.selector.css("p.x b::text").get() == "deux"
        alive = weakref.ref(response)
        del response
        assert alive() is not None
        gc.collect()
        assert alive() is None
    finally:
        gc.enable()
