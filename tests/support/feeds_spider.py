"""A network-free spider for the feed tests: it yields generated Article items, optionally
slowly, so a test can watch feeds grow and kill the crawl mid-way.

Run with ``scrapy crawl feedtest -s SPIDER_MODULES=tests.support.feeds_spider -a count=N -a delay=S
-a stats_out=PATH``; ``stats_out`` receives the final crawl stats as JSON.
"""

from __future__ import annotations

import asyncio
import json

import scrapy
from scrapy import signals

from newscrawl.items import Article, Comment, Image, RelatedArticle

# Text that breaks naive CSV/JSON writers and spreadsheets: every formula prefix, the CSV
# delimiters and quote, line breaks of all kinds, non-BMP characters.
NASTY = [
    '=HYPERLINK("http://x","clic")',
    "+33 1 23 45 67 89",
    "-2,5 % sur la séance",
    "@SUM(A1:A2)",
    "\tavec tabulation",
    "\rretour chariot",
    'guillemets "doubles", virgule; point-virgule',
    "ligne 1\nligne 2\r\nligne 3",
    "emoji 📈🇫🇷 et séparateur\u2028de ligne",
]


def make_article(i: int) -> Article:
    hexid = f"{i:032x}"
    nasty = NASTY[i % len(NASTY)]
    return Article(
        url=f"https://www.boursorama.com/bourse/actualites/article-{i}-{hexid}",
        article_id=hexid,
        section="bourse",
        # The first article lacks most fields, so no exporter may guess columns from it.
        title=None if i == 0 else f"Titre {i} : {nasty}",
        outlet=None if i == 0 else "AFP",
        outlet_partners=[] if i == 0 else ["Media Services"],
        outlet_raw=None if i == 0 else "AFP avec Media Services",
        published=None if i == 0 else "2024-10-21T12:54:00+02:00",
        published_raw=None if i == 0 else "21/10/2024 à 12:54",
        authors=[] if i == 0 else ["Yurii Kovalenko", nasty],
        lead=None if i == 0 else nasty,
        body=None if i == 0 else f"{nasty}\n\nSecond paragraphe.",
        subheadings=[] if i == 0 else [nasty],
        images=[]
        if i == 0
        else [Image(url=f"https://i.example/{i}.jpg", caption=nasty, credit_agency="AFP")],
        comment_count=None if i == 0 else i % 3,
        comments=[
            Comment(position=n, author=f"lecteur{n}", published_raw="21 octobre 21:29", text=nasty)
            for n in range(1, i % 3 + 1)
        ],
        related=[
            RelatedArticle(
                position=n,
                url=f"https://www.boursorama.com/bourse/actualites/r-{i}-{n}",
                title=nasty,
                outlet_raw="Reuters",
                teaser=nasty,
            )
            for n in range(1, i % 4 + 1)
        ],
        fetched_at="2024-10-21T11:00:00+00:00",
    )


class FeedTestSpider(scrapy.Spider):
    name = "feedtest"
    # The project's pipelines normalise real pages; these items are already final.
    custom_settings = {"ITEM_PIPELINES": {}}

    def __init__(self, count=5, delay=0, stats_out=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = int(count)
        self.delay = float(delay)
        self.stats_out = stats_out

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        # engine_stopped comes after the feeds are stored and the stats are final.
        crawler.signals.connect(spider._dump_stats, signal=signals.engine_stopped)
        return spider

    async def start(self):
        for i in range(self.count):
            if self.delay:
                await asyncio.sleep(self.delay)
            yield make_article(i)

    def _dump_stats(self):
        if self.stats_out:
            with open(self.stats_out, "w", encoding="utf-8") as out:
                json.dump(self.crawler.stats.get_stats(), out, default=str)
