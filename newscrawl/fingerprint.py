"""One fingerprint per article, whatever URL leads to it.

The same article is linked under several hosts and query strings. Keyed on its id (read
from the URL by the site registry, ``newscrawl.sites``), the duplicate filter (Scrapy's in
one process, the shared Redis set across workers) lets it be requested once per crawl.
Being the duplicate filter's job, this happens after the spider middlewares: a link
dropped by DEPTH_LIMIT or as off-site does not use up the article, which a later listing
link may still reach. Everything else keeps Scrapy's default fingerprint, and so does a
redirect's follow-up: a moved article keeps its id in the new URL, and keyed on the id the
follow-up would be taken for a duplicate of the request that was redirected.
"""

from __future__ import annotations

import hashlib

from scrapy.utils.request import RequestFingerprinter

from newscrawl import sites


class ArticleRequestFingerprinter:
    def __init__(self, crawler=None):
        self._default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def fingerprint(self, request) -> bytes:
        if request.method == "GET" and not request.meta.get("redirect_urls"):
            article_id = sites.article_id_from_url(request.url)
            if article_id is not None:
                return hashlib.sha1(b"newscrawl-article:" + article_id.encode()).digest()
        return self._default.fingerprint(request)
