"""The Boursorama parser beyond its saved pages: fallback chains, odd pages, URL rules.

The saved pages themselves (tests/fixtures/boursorama/{articles,listings}/) run in
tests/test_fixtures.py with every other site's. Each folder of the listings holds
``page.html`` (written from the saved 2020 listings' markup), ``meta.json`` (``url``,
``about``) and ``expected.json`` (entries, next_page, article_urls, written by hand).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from newscrawl import sites
from newscrawl.sites.boursorama import (
    article_id_from_url,
    decode_data_rel,
    is_article_url,
    is_listing_url,
    parse_article,
    parse_listing,
    section_from_url,
)

LISTINGS_DIR = Path(__file__).parent / "fixtures" / "boursorama" / "listings"
LISTING_CASES = sorted(p.name for p in LISTINGS_DIR.iterdir() if (p / "page.html").is_file())


def load_listing(name: str) -> tuple[bytes, dict, dict]:
    folder = LISTINGS_DIR / name
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return (folder / "page.html").read_bytes(), meta, expected


def test_listing_cases_cover_both_forms_and_pagination():
    """The fixture set keeps a line listing, a card listing, a last page and data-rel links."""
    html = {case: load_listing(case)[0] for case in LISTING_CASES}
    assert any(b"c-list-news__line" in page for page in html.values())
    assert any(b"c-list-details-news__line" in page for page in html.values())
    assert any(b'rel="next"' in page for page in html.values())
    assert any(b"data-rel" in page for page in html.values())
    assert any(load_listing(case)[2]["next_page"] is None for case in LISTING_CASES)


def test_listing_of_an_empty_or_foreign_page_is_empty():
    for page in ("", "<html><body><p>Erreur 503</p>", b"\xff\xfe garbage"):
        listing = parse_listing(page, "https://www.boursorama.com/bourse/actualites/")
        assert listing.entries == []
        assert listing.next_page is None
        assert listing.article_urls == []


HEX = "b0144d0747107a13b0144d0747107a13"

# url, article_id, is_article, is_listing, section
URLS = [
    (f"https://www.boursorama.com/bourse/actualites/le-cac-40-{HEX}", HEX, True, False, "bourse"),
    (
        f"https://www.boursorama.com/actualite-economique/actualites/guerre-{HEX}",
        HEX,
        True,
        False,
        "actualite-economique",
    ),
    (
        f"https://bourse.boursobank.com/patrimoine/actualites/x-{HEX}/",
        HEX,
        True,
        False,
        "patrimoine",
    ),
    (
        f"http://127.0.0.1:8123/videos/actualites/luxe-{HEX}?xtor=RSS#top",
        HEX,
        True,
        False,
        "videos",
    ),
    (f"https://www.boursorama.com/bourse/actualites/{HEX}", HEX, True, False, "bourse"),
    (f"https://www.boursorama.com/bourse/actualites/x-{HEX.upper()}", None, False, True, "bourse"),
    (f"https://www.boursorama.com/bourse/forum/1rPSWP/detail/{HEX}/", None, False, False, "bourse"),
    (f"https://www.boursorama.com/bourse/actualites/x-{HEX}0", None, False, True, "bourse"),
    ("https://www.boursorama.com/bourse/actualites/", None, False, True, "bourse"),
    ("https://www.boursorama.com/bourse/actualites/marches/page-3", None, False, True, "bourse"),
    ("https://www.boursorama.com/actualite-economique/", None, False, True, "actualite-economique"),
    (
        "https://www.boursorama.com/actualite-economique/page-2",
        None,
        False,
        True,
        "actualite-economique",
    ),
    ("https://www.boursorama.com/patrimoine/actualites/", None, False, True, "patrimoine"),
    ("https://www.boursorama.com/cours/actualites/1rPSWP/", None, False, True, "cours"),
    ("https://www.boursorama.com/cours/1rPSWP/", None, False, False, "cours"),
    ("https://www.boursorama.com/", None, False, False, None),
    ("", None, False, False, None),
    ("http://[bad/bourse/actualites/x-" + HEX, None, False, False, None),  # no URL
]


@pytest.mark.parametrize(("url", "article_id", "is_article", "is_listing", "section"), URLS)
def test_url_rules(url, article_id, is_article, is_listing, section):
    assert article_id_from_url(url) == article_id
    assert is_article_url(url) is is_article
    assert is_listing_url(url) is is_listing
    assert section_from_url(url) == section


DATA_REL = [
    ("L2JvdXJzZS9hY3R1YWxpdGVzL21hcmNoZXMvcGFnZS0z", "/bourse/actualites/marches/page-3"),
    ("L2JvdXJzZS9hY3R1YWxpdGVzL21hcmNoZXMvcGFnZS0z\n", "/bourse/actualites/marches/page-3"),
    ("aHR0cHM6Ly93d3cuYm91cnNvcmFtYS5jb20v", "https://www.boursorama.com/"),
    ("//4=", None),  # bytes that are not UTF-8
    ("bm90IGEgdXJs", None),  # "not a url"
    ("%%%", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "target"), DATA_REL)
def test_decode_data_rel(value, target):
    assert decode_data_rel(value) == target


# --- Fallback chains on minimal pages ------------------------------------------------------
# Each row: what the page lacks or shows differently, the page, the field, the value.
URL = "https://www.boursorama.com/bourse/actualites/un-titre-" + "c" * 32
DETAIL = '<div class="c-news-detail">{}</div>'
JSON_LD = (
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Titre JSON-LD",'
    ' "datePublished": "2024-02-01T10:00:00+01:00", "author": [{"name": "AOF"}]}</script>'
)
FALLBACKS = [
    (
        "title: h1 span",
        DETAIL.format('<h1 class="c-title-big"><span>Titre</span></h1>'),
        "title",
        "Titre",
    ),
    (
        "title: h1 own text, source div and its spans left out",
        DETAIL.format(
            '<h1 class="c-title-big">Titre <em>seul</em><div><strong>AFP</strong>'
            "<span>01/02/2024 à 10:00</span></div></h1>"
        ),
        "title",
        "Titre seul",
    ),
    ("title: JSON-LD headline", JSON_LD + DETAIL.format("<h1></h1>"), "title", "Titre JSON-LD"),
    (
        "title: og:title",
        '<meta property="og:title" content="Titre OG">' + DETAIL.format("<h1> </h1>"),
        "title",
        "Titre OG",
    ),
    (
        "title: <title> without the site suffix",
        "<title>Titre de page - Boursorama</title>" + DETAIL.format("<p>x</p>"),
        "title",
        "Titre de page",
    ),
    (
        "provider: plain source text without <strong>",
        DETAIL.format(
            '<div class="c-source c-news-detail__source">information fournie par AFP '
            '<span class="c-source__time">01/02/2024 à 10:00</span></div>'
        ),
        "outlet_raw",
        "AFP",
    ),
    ("provider: JSON-LD author", JSON_LD + DETAIL.format("<h1>T</h1>"), "outlet_raw", "AOF"),
    (
        "date: unclassed span, the comment counter beside it is not a date",
        DETAIL.format(
            '<h1>T</h1><div class="c-news-detail__source"><strong>AFP</strong>'
            '<span class="c-source__comments"><span class="c-comments-count__number">8</span>'
            "</span><span>01/02/2024 à 10:00</span></div>"
        ),
        "published_raw",
        "01/02/2024 à 10:00",
    ),
    (
        "date: JSON-LD datePublished",
        JSON_LD + DETAIL.format("<h1>T</h1>"),
        "published_raw",
        "2024-02-01T10:00:00+01:00",
    ),
    (
        "date: article:published_time meta",
        '<meta property="article:published_time" content="2024-02-01T10:00:00+01:00">'
        + DETAIL.format("<h1>T</h1>"),
        "published_raw",
        "2024-02-01T10:00:00+01:00",
    ),
    (
        "update line outside the source block",
        DETAIL.format(
            '<h1>T</h1><p class="c-news-detail__update">Mis à jour le 01/02/2024 à 12:00</p>'
        ),
        "updated_raw",
        "Mis à jour le 01/02/2024 à 12:00",
    ),
    (
        "count: one comment",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><span class="c-heading__text">1 commentaire</span></div>',
        "comment_count",
        1,
    ),
    (
        "count: thousands with a narrow nbsp",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><h2>1\u202f234 commentaires</h2></div>',
        "comment_count",
        1234,
    ),
    (
        "count: block without a count",
        DETAIL.format("<h1>T</h1>") + '<div class="c-comment c-comment--full"></div>',
        "comment_count",
        None,
    ),
    ("count: no block", DETAIL.format("<h1>T</h1>"), "comment_count", None),
    (
        "comment author: profile button title only",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-comment--full"><div class="c-message"><button data-popover-url="x" '
        'title="Afficher les informations du compte Lynx_75"></button>'
        '<p class="c-message__text">ok</p></div></div>',
        "comments",
        [
            {
                "position": 1,
                "author": "Lynx_75",
                "published": None,
                "published_raw": None,
                "text": "ok",
            }
        ],
    ),
    (
        "comments: a reply nested in a message is its own comment, in page order",
        DETAIL.format("<h1>T</h1>") + '<div class="c-comment--full"><div class="c-message">'
        '<div class="c-source"><button class="c-source__username">A</button>'
        '<span class="c-source__time">2 mai</span><span class="c-source__time">10:00</span></div>'
        '<p class="c-message__text">question</p>'
        '<div class="c-message"><div class="c-source"><button class="c-source__username">B'
        '</button><span class="c-source__time">2 mai 11:00</span></div>'
        '<p class="c-message__text">réponse</p></div></div></div>',
        "comments",
        [
            {
                "position": 1,
                "author": "A",
                "published": None,
                "published_raw": "2 mai 10:00",
                "text": "question",
            },
            {
                "position": 2,
                "author": "B",
                "published": None,
                "published_raw": "2 mai 11:00",
                "text": "réponse",
            },
        ],
    ),
    (
        "related: heading 'À LIRE AUSSI' over plain list items, no site classes",
        DETAIL.format("<h1>T</h1>")
        + '<section><h3>À LIRE AUSSI</h3><ul><li><a href="/bourse/actualites/autre-'
        + "d" * 32
        + '">Autre</a></li></ul></section>',
        "related",
        [
            {
                "position": 1,
                "url": "https://www.boursorama.com/bourse/actualites/autre-" + "d" * 32,
                "article_id": "d" * 32,
                "title": "Autre",
                "outlet": None,
                "outlet_raw": None,
                "published": None,
                "published_raw": None,
                "teaser": None,
            }
        ],
    ),
    (
        "related: an 'A lire aussi' block with no article link is not taken from the page",
        DETAIL.format("<h1>T</h1>")
        + '<div class="c-rebound"><h2>A lire aussi</h2></div>'
        + '<ul class="c-nav"><li><a href="/cours/1rPCS/">Axa</a></li></ul>',
        "related",
        [],
    ),
]


@pytest.mark.parametrize(
    ("page", "field", "value"),
    [row[1:] for row in FALLBACKS],
    ids=[row[0] for row in FALLBACKS],
)
def test_fallback_chain(page, field, value):
    record = dataclasses.asdict(parse_article(f"<html><head></head><body>{page}", URL))
    assert record[field] == value


# --- Nothing raises ------------------------------------------------------------------------
ODD_PAGES = [
    b"",
    "",
    "<",
    "<html><body></body></html>",
    b"\xff\xfe\x00<\x00h\x00t",
    "<?xml version='1.0'?><rss><channel><item>x</item></channel></rss>",
    '<div class="c-news-detail"><h1 class="c-title-big"><span>',
    "<html>" + "<div>" * 3000 + "profond",
    # Nesting deeper than Python's recursion limit, in the body and in the JSON-LD.
    '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    '<div class="c-news-detail"><h1>T</h1><article class="c-news-detail__content">'
    + "<div>" * 5000
    + "profond",
]


@pytest.mark.parametrize("page", ODD_PAGES, ids=range(len(ODD_PAGES)))
def test_odd_pages_give_an_article_not_an_error(page):
    article = parse_article(page, URL)
    assert article.url == URL
    assert article.article_id == "c" * 32


# --- Comments without the message component ------------------------------------------------


def test_comments_without_message_component_are_read_from_their_paragraphs():
    """No ``.c-message``: one comment per holder of text paragraphs, with its parts."""
    page = DETAIL.format("<h1>T</h1>") + (
        '<div class="c-comment--full"><h2>2 commentaires</h2>'
        '<div class="c-comment__item"><button class="c-source__username">Lynx_75</button>'
        '<span class="c-source__time">2 mai</span><span class="c-source__time">10:00</span>'
        '<p class="c-message__text">premier</p><p class="c-message__text">suite</p></div>'
        '<div class="c-comment__item"><span class="c-source__author">Ours</span>'
        '<p class="c-message__text">second</p></div></div>'
    )
    article = parse_article(f"<html><body>{page}", URL)
    assert article.comment_count == 2
    assert [dataclasses.asdict(c) for c in article.comments] == [
        {
            "position": 1,
            "author": "Lynx_75",
            "published": None,
            "published_raw": "2 mai 10:00",
            "text": "premier\n\nsuite",
        },
        {
            "position": 2,
            "author": "Ours",
            "published": None,
            "published_raw": None,
            "text": "second",
        },
    ]


def test_sub_headings_are_any_level_below_the_title():
    page = DETAIL.format(
        '<h1>T</h1><article class="c-news-detail__content"><p>Texte.</p>'
        "<h2>Deux</h2><h3>Trois</h3><h4>Quatre</h4><h5>Cinq</h5><h6>Six</h6></article>"
    )
    article = parse_article(f"<html><body>{page}", URL)
    assert article.subheadings == ["Deux", "Trois", "Quatre", "Cinq", "Six"]


# --- The site in the registry --------------------------------------------------------------


def test_the_site_is_registered_under_its_name_and_hosts():
    site = sites.get("boursorama")
    assert site.parse_article is parse_article and site.parse_listing is parse_listing
    for host in ("www.boursorama.com", "boursorama.com", "bourse.boursobank.com"):
        assert sites.for_host(host) is site
    assert sites.for_host("www.example.com") is None
    assert all(site.is_listing_url(url) for url in site.start_urls)


def test_an_unknown_site_name_is_a_clear_error():
    with pytest.raises(KeyError, match="no site named 'ailleurs' .registered: boursorama"):
        sites.get("ailleurs")


def test_records_name_the_site_that_parsed_them():
    assert parse_article("<html></html>", URL).site == "boursorama"


@pytest.mark.parametrize(
    ("url", "article_id"),
    [
        (f"https://www.boursorama.com/bourse/actualites/x-{HEX}", HEX),
        # A local copy of the site has no registered host: the site's URL rule still reads it.
        (f"http://127.0.0.1:8123/bourse/actualites/x-{HEX}", HEX),
        (f"https://www.boursorama.com/cours/1rPSWP/?x={HEX}", None),
        ("", None),
        (None, None),
    ],
)
def test_the_registry_reads_article_ids_on_any_host(url, article_id):
    assert sites.article_id_from_url(url) == article_id


def test_listing_article_urls_leave_out_entries_without_an_id_and_repeat_none():
    def entry(url, article_id):
        return sites.ListingEntry(url, article_id, "titre", None, None, None)

    listing = sites.Listing(
        url="https://www.boursorama.com/bourse/actualites/",
        entries=[
            entry(f"https://www.boursorama.com/bourse/actualites/a-{HEX}", HEX),
            entry("https://www.boursorama.com/cours/1rPSWP/", None),
            entry(f"https://bourse.boursobank.com/bourse/actualites/b-{HEX}", HEX),
            entry(None, None),
        ],
    )
    assert listing.article_urls == [f"https://www.boursorama.com/bourse/actualites/a-{HEX}"]


def test_every_registered_site_has_its_spider_with_the_sites_hosts():
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.test import get_crawler

    loader = SpiderLoader(Settings({"SPIDER_MODULES": ["newscrawl.spiders"]}))
    assert loader.list() == [site.name for site in sites.all_sites()]
    spider_class = loader.load("boursorama")
    crawler = get_crawler(spider_class, {"NEWSCRAWL_SITE_HOSTS": ["miroir.example.org"]})
    spider = spider_class.from_crawler(
        crawler, start_urls="http://127.0.0.1:8123/bourse/actualites/"
    )
    assert spider.site is sites.get("boursorama")
    assert set(spider.allowed_domains) == {
        "www.boursorama.com",
        "boursorama.com",
        "bourse.boursobank.com",
        "miroir.example.org",
        "127.0.0.1",
    }
    assert spider_class.from_crawler(get_crawler(spider_class)).start_list == list(
        sites.get("boursorama").start_urls
    )


# --- compiled queries: the parser's CSS lookups find what parsel's Selector.css finds -----


def _every_layout_query() -> list[str]:
    from newscrawl.sites.boursorama import layouts

    roles = {f.name for f in dataclasses.fields(layouts.Layout)} - {"name", "image_holders"}
    return sorted({query for role in roles for query in layouts.chain(role)})


@pytest.mark.parametrize(
    "folder",
    sorted(
        p for p in (Path(__file__).parent / "fixtures" / "boursorama").glob("*/*") if p.is_dir()
    ),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_compiled_css_finds_what_parsel_finds(folder):
    from parsel import Selector

    from newscrawl.sites import html

    page = (folder / "page.html").read_bytes().decode("utf-8", errors="replace")
    sel = Selector(text=page)
    scopes = [sel.root, *sel.root.iter("div", "li", "article", "h1")][:25]
    for query in [
        *_every_layout_query(),
        "title::text",
        'meta[property="og:title"]::attr(content)',
    ]:
        for scope in scopes:
            expected = [found.root for found in Selector(root=scope, type="html").css(query)]
            assert html.css_all(scope, query) == expected, (query, scope)


# --- pagination pacing: a long backfill does not queue every article before parsing one ---


@pytest.mark.parametrize(("queued", "priority"), [(0, 0), (500, 0), (501, -100)])
def test_the_next_listing_page_waits_behind_a_long_queue_of_articles(queued, priority):
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse, Request
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.test import get_crawler

    folder = LISTINGS_DIR / "marches_lines"
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    spider_class = SpiderLoader(Settings({"SPIDER_MODULES": ["newscrawl.spiders"]})).load(
        "boursorama"
    )
    crawler = get_crawler(spider_class)
    spider = spider_class.from_crawler(crawler)
    crawler.engine = SimpleNamespace(scheduler=[None] * queued)  # len() is what is read
    request = Request(meta["url"], meta={"listing_page": 1})
    response = HtmlResponse(meta["url"], body=(folder / "page.html").read_bytes(), request=request)
    outputs = list(spider.parse_listing(response))
    [next_page] = [r for r in outputs if r.meta.get("page_kind") == "listing"]
    articles = [r for r in outputs if r.meta.get("page_kind") == "article"]
    assert next_page.url.endswith("/page-2")
    assert next_page.priority == priority
    assert articles and all(r.priority == 0 for r in articles)  # depth adds their -1


BAD_HREF = "http://[bad/bourse/actualites/titre-" + "1" * 32  # an unclosed IPv6 host


def test_a_link_no_url_parser_reads_costs_only_itself():
    good = f"/bourse/actualites/suite-{'2' * 32}"
    article = parse_article(
        '<div class="c-news-detail"><h1 class="c-title-big"><span>Titre</span></h1>'
        '<article class="c-news-detail__content"><p>Texte.</p>'
        f'<img src="{BAD_HREF}.jpg"></article></div>'
        '<div class="c-rebound"><h2><span class="c-heading__text">A lire aussi</span></h2><ul>'
        f'<li class="c-list-details-news__line"><div class="c-list-details-news__title">'
        f'<a href="{BAD_HREF}">Lien cassé</a></div></li>'
        f'<li class="c-list-details-news__line"><div class="c-list-details-news__title">'
        f'<a href="{good}">La suite</a></div></li></ul></div>',
        f"https://www.boursorama.com/bourse/actualites/titre-{'0' * 32}",
    )
    assert article.body == "Texte."
    assert [(r.position, r.url, r.title) for r in article.related] == [
        (1, None, "Lien cassé"),
        (2, "https://www.boursorama.com" + good, "La suite"),
    ]
    listing = parse_listing(
        '<ul><li class="c-list-news__line"><a class="c-list-news__title-link" '
        f'href="{BAD_HREF}">Cassé</a></li><li class="c-list-news__line">'
        f'<a class="c-list-news__title-link" href="{good}">Bon</a></li></ul>'
        f'<link rel="next" href="http://[bad/page-2">',
        "https://www.boursorama.com/bourse/actualites/",
    )
    assert listing.article_urls == ["https://www.boursorama.com" + good]
    assert listing.next_page is None


def _related_of(after: str) -> list[tuple[int, str | None, str | None]]:
    page = (
        '<div class="c-news-detail"><h1 class="c-title-big"><span>Titre</span></h1>'
        '<article class="c-news-detail__content"><p>Texte.</p></article></div>' + after
    )
    article = parse_article(page, f"https://www.boursorama.com/bourse/actualites/t-{'0' * 32}")
    return [(r.position, r.url, r.title) for r in article.related]


def _line(n: str) -> str:
    return (
        '<li class="c-list-details-news__line"><div class="c-list-details-news__title">'
        f'<a href="/bourse/actualites/rel-{n * 32}">Rel {n}</a></div></li>'
    )


def _rel(n: str) -> tuple[int, str, str]:
    return (int(n), f"https://www.boursorama.com/bourse/actualites/rel-{n * 32}", f"Rel {n}")


HEADING = '<h2 class="c-heading"><span class="c-heading__text">A lire aussi</span></h2>'


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # The heading alone in div.c-rebound, its list beside it.
        (f'<div class="c-block"><div class="c-rebound">{HEADING}</div><ul>'
         f'{_line("1")}{_line("2")}</ul></div>', [_rel("1"), _rel("2")]),
        # Its own list empty, other lists above: none.
        (f'<div class="c-block"><div class="c-rebound">{HEADING}<ul></ul></div>'
         f'<ul><li><a href="/bourse/actualites/pop-{"9" * 32}">Pop</a></li></ul></div>', []),
        # No "A lire aussi" heading: the entries' own markup anywhere but in an aside.
        (f'<div class="c-block"><h2>Sur le même sujet</h2><ul>{_line("1")}</ul></div>',
         [_rel("1")]),
        (f'<aside><h2>Dernières actualités</h2><ul>{_line("1")}</ul></aside>', []),
    ],
    ids=["list beside the block", "empty own list", "other heading", "sidebar"],
)  # fmt: skip
def test_the_related_block_variants(after, expected):
    assert _related_of(after) == expected
