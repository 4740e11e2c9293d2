"""A baseline spider that follows the same links as boursorama but extracts nothing.

The ratio of the two spiders' page rates is the cost of extraction and normalisation.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy

from newscrawl.spiders.selector import page_selector


class LinkOnlySpider(scrapy.Spider):
    name = "linkonly"

    def __init__(self, start_urls=None, max_pages=3, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The same comma-separated list the boursorama spider takes (newscrawl.config).
        self.start_list = [url.strip() for url in (start_urls or "").split(",") if url.strip()]
        self.max_pages = int(max_pages)
        # The address guard lets the start hosts through, as for the boursorama spider.
        self.start_hosts = {urlsplit(url).hostname for url in self.start_list} - {None}

    async def start(self):
        for url in self.start_list:
            yield scrapy.Request(url, meta={"page": 1, "depth_reset": True})

    def parse(self, response):
        if "page" in response.meta:
            # The full spider's Selector, freed with the response (newscrawl.spiders.selector).
            page = page_selector(response)
            for href in page.css("p.c-list-news__title a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_article)
            next_page = page.css('link[rel="next"]::attr(href)').get()
            if next_page and response.meta["page"] < self.max_pages:
                meta = {"page": response.meta["page"] + 1, "depth_reset": True}
                yield response.follow(next_page, meta=meta)

    def parse_article(self, response):
        page = page_selector(response)
        for href in page.css(".c-list-details-news__title a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
