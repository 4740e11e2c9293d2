"""The archive tests' spider: follows every link and emits what each response looked like.

Run through ``tests.support.crawl_runner`` with ``SPIDER_MODULES=tests.support.archive_probe``.
"""

from __future__ import annotations

import scrapy

from newscrawl.incremental.fetchtime import fetched_at


class ProbeSpider(scrapy.Spider):
    """Follows every link and emits what a response looked like to the spider."""

    name = "archive_probe"
    handle_httpstatus_list = [404]

    def __init__(self, start_urls: str = "", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = start_urls.split(",")

    def parse(self, response):
        yield {
            "url": response.url,
            "status": response.status,
            "class": type(response).__name__,
            "title": response.css("title::text").get() if hasattr(response, "css") else None,
            "body": response.body.decode("latin-1"),
            "headers": {
                k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                for k, vs in response.headers.items()
            },
            "redirect_urls": response.meta.get("redirect_urls"),
            "fetched_at": fetched_at(response),
        }
        if hasattr(response, "css"):
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href)
