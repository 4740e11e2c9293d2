"""A generated, deterministic copy of the site: articles, listings and their edge cases.

The model is plain data that tests can change between runs (add an article, a comment,
update a body); ``routes()`` renders it to the pages the local server answers with.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from newscrawl.sites.boursorama.urls import START_URLS
from tests.site import render

PARIS = ZoneInfo("Europe/Paris")
SITE_NOW = datetime(2024, 10, 21, 18, 0, tzinfo=PARIS)
OFFSITE_URL = "https://www.example.com/bourse/actualites/hors-site-" + "f" * 32

PROVIDERS = (
    "AFP",
    "Reuters",
    "AOF",
    "Cercle Finance",
    "Boursorama avec Media Services",
    "Boursorama avec AFP Services",
)
_WORDS = [
    "marché",
    "bourse",
    "action",
    "indice",
    "hausse",
    "baisse",
    "séance",
    "investisseurs",
    "résultats",
    "trimestre",
    "croissance",
    "inflation",
    "taux",
    "banque",
    "centrale",
    "pétrole",
    "euro",
    "dollar",
    "obligations",
    "dividende",
    "chiffre",
    "affaires",
    "bénéfice",
    "prévisions",
    "analystes",
    "secteur",
    "valeur",
    "titre",
    "volatilité",
]


def article_id_for(slug: str) -> str:
    return hashlib.md5(slug.encode()).hexdigest()


@dataclass
class SiteComment:
    author: str
    when: datetime
    text: str


@dataclass
class SiteArticle:
    slug: str
    title: str
    provider: str
    published: datetime
    paragraphs: list[str]
    subheading: str | None = None
    section: str = "bourse"
    image_caption: str | None = None
    comments: list[SiteComment] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    """Article ids of the "A lire aussi" entries, or absolute URLs for off-site ones."""
    updated: datetime | None = None
    layout: str = "current"
    """"current", "old" (2020-22: source line inside the h1) or "video"."""
    lazy_image: bool = False
    """Image behind a data: placeholder with the real URL in data-src."""

    @property
    def article_id(self) -> str:
        return article_id_for(self.slug)

    @property
    def path(self) -> str:
        return f"/{self.section}/actualites/{self.slug}-{self.article_id}"


@dataclass
class Site:
    now: datetime
    articles: dict[str, SiteArticle]
    listings: dict[str, list[str]]
    """Listing root path -> article ids in listing order (newest first)."""
    per_page: int = 8
    redirects: dict[str, str] = field(default_factory=dict)
    """Old path -> new path (301)."""
    missing: set[str] = field(default_factory=set)
    """Paths linked from listings that answer 404."""
    robots_disallowed: set[str] = field(default_factory=set)
    listing_extra_links: dict[str, list[str]] = field(default_factory=dict)
    """Listing root -> extra article paths on its first page (redirects, 404s, robots)."""

    def listing_pages(self, root: str) -> list[list[str]]:
        ids = self.listings[root]
        return [ids[i : i + self.per_page] for i in range(0, len(ids), self.per_page)] or [[]]

    def routes(self) -> dict[str, tuple[int, dict[str, str], bytes]]:
        """Path -> (status, headers, body) for every page of the site."""
        html = {"Content-Type": "text/html; charset=utf-8"}
        pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        for article in self.articles.values():
            body = render.article_page(article, self)
            pages[article.path] = (200, html, body.encode("utf-8"))
        for root in self.listings:
            pages_of_root = self.listing_pages(root)
            for number, ids in enumerate(pages_of_root, start=1):
                path = root if number == 1 else f"{root}page-{number}"
                extra = self.listing_extra_links.get(root, []) if number == 1 else []
                body = render.listing_page(self, root, number, len(pages_of_root), ids, extra)
                pages[path] = (200, html, body.encode("utf-8"))
        for old, new in self.redirects.items():
            pages[old] = (301, {"Location": new}, b"")
        robots = "User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in self.robots_disallowed)
        pages["/robots.txt"] = (200, {"Content-Type": "text/plain"}, robots.encode())
        return pages


def _sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def make_article(
    rng: random.Random,
    index: int,
    now: datetime,
    *,
    paragraphs: int = 4,
    comments: int = 2,
    padding_bytes: int = 0,
) -> SiteArticle:
    slug = f"article-numero-{index}-{rng.choice(_WORDS)}"
    provider = PROVIDERS[index % len(PROVIDERS)]
    # Through UTC: wall-clock arithmetic would make up times that never existed (DST gap).
    published = (now.astimezone(UTC) - timedelta(hours=3 * index + 1)).astimezone(PARIS)
    body = [" ".join(_sentence(rng) for _ in range(3)) for _ in range(paragraphs)]
    if padding_bytes:
        filler = []
        while sum(len(p) for p in filler) < padding_bytes:
            filler.append(" ".join(_sentence(rng, 20) for _ in range(5)))
        body.extend(filler)
    article_comments = [
        SiteComment(
            author=f"lecteur{index}_{n}",
            when=min(published.astimezone(UTC) + timedelta(minutes=37 * (n + 1)), now).astimezone(
                PARIS
            ),
            text=_sentence(rng, 12),
        )
        for n in range(comments)
    ]
    return SiteArticle(
        slug=slug,
        title=f"Titre {index} : {_sentence(rng, 8)[:-1]}",
        provider=provider,
        published=published,
        paragraphs=body,
        subheading=f"Sous-titre de l'article {index}" if index % 3 == 0 else None,
        image_caption=(
            f"Photo de l'article {index}, à Paris. ( AFP / PHOTOGRAPHE NUMERO-{index} )"
            if index % 4 != 1
            else None
        ),
        comments=article_comments,
    )


@dataclass
class SiteExpectations:
    """What a crawl of the site with the default bounds must find."""

    crawled_ids: set[str]
    not_crawled_ids: set[str]
    redirect_id: str
    missing_path: str
    robots_path: str


def build_site(seed: int = 7) -> tuple[Site, SiteExpectations]:
    """The end-to-end test site: ~30 articles with every routing edge case.

    - /bourse/actualites/marches/ : 4 pages of 8 (the 4th beyond max_pages=3)
    - /bourse/actualites/societes/ : 2 pages
    - related-only articles at depth 2, one at depth 3 (beyond DEPTH_LIMIT=2)
    - a related-link cycle, an off-site related link, a 301, a 404, a robots.txt block
    """
    rng = random.Random(seed)
    now = SITE_NOW
    listed = [make_article(rng, i, now) for i in range(36)]
    related_only = [make_article(rng, 100 + i, now) for i in range(4)]
    too_deep = make_article(rng, 200, now)
    redirected = make_article(rng, 300, now)
    robots_blocked = make_article(rng, 400, now)
    everything = [*listed, *related_only, too_deep, redirected, robots_blocked]
    articles = {a.article_id: a for a in everything}

    marches = [a.article_id for a in listed[:26]]  # pages of 8, 8, 8, 2
    societes = [a.article_id for a in listed[26:]]  # pages of 8, 2
    beyond_max_pages = set(marches[24:])

    # A cycle between two listed articles, and their links into related-only articles.
    first, second = listed[0], listed[1]
    first.related = [second.article_id, related_only[0].article_id, OFFSITE_URL]
    second.related = [first.article_id, related_only[1].article_id]
    listed[30].related = [related_only[2].article_id, related_only[3].article_id]
    related_only[0].related = [too_deep.article_id, first.article_id]

    old_path = f"/bourse/actualites/ancien-titre-{redirected.article_id}"
    missing_path = "/bourse/actualites/article-supprime-" + "0" * 32
    site = Site(
        now=now,
        articles=articles,
        listings={
            "/bourse/actualites/marches/": marches,
            "/bourse/actualites/societes/": societes,
        },
        redirects={old_path: redirected.path},
        missing={missing_path},
        robots_disallowed={robots_blocked.path},
        listing_extra_links={
            # A marches article again, under another URL: still fetched once.
            "/bourse/actualites/societes/": [
                old_path,
                missing_path,
                robots_blocked.path,
                listed[10].path + "?xtor=RSS-1",
            ]
        },
    )
    crawled = (set(marches) - beyond_max_pages) | set(societes)
    crawled |= {a.article_id for a in related_only} | {redirected.article_id}
    not_crawled = beyond_max_pages | {too_deep.article_id, robots_blocked.article_id}
    return site, SiteExpectations(
        crawled_ids=crawled,
        not_crawled_ids=not_crawled,
        redirect_id=redirected.article_id,
        missing_path=missing_path,
        robots_path=robots_blocked.path,
    )


# The benchmark's page kinds: (comments, padding bytes of extra body) per article.
BENCH_PAGE_KINDS = {
    "heavy": (10, 66_000),  # ~80 KB: a long press release under a busy forum thread
    "light": (3, 7_500),  # ~18 KB: a typical news item
}


def build_bench_site(
    articles: int = 2000,
    seed: int = 11,
    kind: str = "heavy",
    listings: tuple[str, ...] = ("/bourse/actualites/marches/",),
) -> Site:
    """A large site for benchmarks: 4 related entries per article and pages of one kind,
    ``heavy`` (~80 KB, 10 comments) or ``light`` (~18 KB, 3 comments), the articles dealt
    over ``listings`` in turn (``SAMPLE_LISTINGS``: the real crawl's five).
    """
    comments, padding = BENCH_PAGE_KINDS[kind]
    rng = random.Random(seed)
    now = SITE_NOW
    pages = [
        make_article(rng, i, now, paragraphs=6, comments=comments, padding_bytes=padding)
        for i in range(articles)
    ]
    ids = [a.article_id for a in pages]
    for i, article in enumerate(pages):
        article.related = [ids[(i + k) % len(ids)] for k in (1, 2, 3, 4)]
    return Site(
        now=now,
        articles={a.article_id: a for a in pages},
        listings=dealt(ids, listings),
        per_page=20,
    )


def dealt(ids: list[str], listings: tuple[str, ...]) -> dict[str, list[str]]:
    """The ids dealt over the listings in turn, like cards: listing n gets ids n, n+k, ..."""
    return {root: ids[n :: len(listings)] for n, root in enumerate(listings)}


# The real crawl's five start listings (their paths): one long listing would make a crawl a
# chain, page N+1 known only once page N is parsed.
SAMPLE_LISTINGS = tuple(urlsplit(url).path for url in START_URLS)


def build_sample_site(seed: int = 23) -> Site:
    """The bundled offline sample: every default listing of the spider, ~30 articles that
    show each case the parser handles (layouts, lazy image, video, bylines, datelines, the
    Reuters footer, an update line, many comments, none), with related links between them.
    """
    rng = random.Random(seed)
    now = SITE_NOW
    articles = [make_article(rng, i, now, comments=i % 4) for i in range(30)]
    articles[1].layout = "old"
    articles[2].lazy_image = True
    articles[3].layout, articles[3].section = "video", "videos"
    articles[3].provider = "Boursorama"
    articles[4].provider = "Reuters"
    articles[4].paragraphs.insert(0, "par Marie Dupont et Jean Martin")
    articles[4].paragraphs.append(
        "((Traduction automatisée par Reuters, veuillez consulter la clause de "
        "non-responsabilité https://bit.ly/rtrsauto))"
    )
    articles[5].provider = "AOF"
    articles[5].paragraphs[0] = "(AOF) - " + articles[5].paragraphs[0]
    articles[6].provider = "Cercle Finance"
    articles[6].paragraphs[0] = "(CercleFinance.com) - " + articles[6].paragraphs[0]
    articles[7].updated = articles[7].published + timedelta(hours=1, minutes=9)
    articles[8].comments = [
        SiteComment(f"abonne{n}", articles[8].published + timedelta(minutes=11 * n), f"Avis {n}.")
        for n in range(1, 24)
        if articles[8].published + timedelta(minutes=11 * n) <= now
    ]
    articles[9].section = "actualite-economique"
    articles[10].section = "patrimoine"
    for i, article in enumerate(articles):
        article.related = [articles[(i + k) % len(articles)].article_id for k in (1, 7)]
    ids = [a.article_id for a in articles]
    return Site(
        now=now,
        articles={a.article_id: a for a in articles},
        listings=dealt(ids, SAMPLE_LISTINGS),
        per_page=4,
    )
