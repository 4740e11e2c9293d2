"""The project spider under bad input and a 429/503 storm, on copies of the local test site.

Pathological pages are real article pages of tests/site with one thing broken each; the
crawl must end with every article stored (missing fields null) or counted, never a spider
error, and in bounded memory.
"""

from __future__ import annotations

import random
import re
from urllib.parse import unquote, urlsplit

import pytest

from tests.site import render
from tests.site.model import SITE_NOW, Site, build_site, make_article
from tests.site.server import SiteServer
from tests.support.safety import crawl

SPIDER = "boursorama"
HTML = {"Content-Type": "text/html; charset=utf-8"}


def _breakers() -> dict[str, callable]:
    def huge(page):  # about 9.6 MB of paragraphs, under DOWNLOAD_MAXSIZE
        filler = "<p>" + "Les marchés européens ont terminé en hausse. " * 40 + "</p>"
        return page.replace("</article>", filler * 5300 + "</article>", 1)

    def deep(page):
        nest = "<div>" * 10_000 + "texte enfoui" + "</div>" * 10_000
        return page.replace("</article>", nest + "</article>", 1)

    def very_deep(page):  # as deep as fits in DOWNLOAD_MAXSIZE
        nest = "<div>" * 850_000 + "texte enfoui" + "</div>" * 850_000
        return page.replace("</article>", nest + "</article>", 1)

    def links(page):
        anchors = "".join(
            f'<a href="/bourse/actualites/lien-{i}">lien {i}</a> ' for i in range(50_000)
        )
        return page.replace("</article>", f"<p>{anchors}</p></article>", 1)

    def comment(page):
        return page.replace("</article>", "<!-- " + "x" * 1_000_000 + " --></article>", 1)

    def no_title(page):  # neither a headline nor a <title> to fall back on
        page = re.sub(r"<title>.*?</title>", "", page, count=1, flags=re.S)
        return re.sub(r"<h1.*?</h1>", "", page, count=1, flags=re.S)

    def no_provider(page):
        return re.sub(r'<strong class="c-source__name.*?</strong>', "", page, count=1, flags=re.S)

    def no_date(page):
        return re.sub(r'<span class="c-source__time">.*?</span>', "", page, flags=re.S)

    def impossible_date(page):
        return re.sub(r"\d\d/\d\d/\d{4} à", "31/02/2024 à", page)

    def html_title(page):
        title = "Les <b>marchés</b> <script>alert(1)</script>montent <i>encore</i>"
        return re.sub(
            r"(<h1[^>]*><span>).*?(</span>)", rf"\g<1>{title}\g<2>", page, count=1, flags=re.S
        )

    def quote_page(page):  # an article URL answering with a quote page: not an article
        return (
            "<html><head><title>CAC 40 - Cours</title></head><body><div class='c-faceplate'>"
            "<span class='c-instrument'>7 512,33</span></div></body></html>"
        )

    return {
        name: function
        for name, function in locals().items()
        if callable(function) and not name.startswith("_")
    }


BREAKERS = _breakers()


@pytest.fixture(scope="module")
def broken_site():
    rng = random.Random(11)
    articles = [make_article(rng, i, SITE_NOW, comments=1) for i in range(len(BREAKERS))]
    site = Site(now=SITE_NOW, articles={a.article_id: a for a in articles}, listings={})
    routes = {}
    paths = {}
    for (name, breaker), article in zip(BREAKERS.items(), articles, strict=True):
        routes[article.path] = (200, HTML, breaker(render.article_page(article, site)).encode())
        paths[name] = article.path
    forum = "/bourse/forum/1rPCA/detail/431503891/"
    quote = "/cours/1rPCA/"
    routes[forum] = (200, HTML, b"<html><body><div class='c-forum'>Sujet</div></body></html>")
    routes[quote] = (200, HTML, BREAKERS["quote_page"]("").encode())
    site.routes = lambda: {**routes, "/robots.txt": (200, {}, b"")}
    with SiteServer(site) as server:
        server.paths = paths
        server.others = [forum, quote]
        yield server


@pytest.fixture(scope="module")
def broken_crawl(broken_site, tmp_path_factory):
    urls = [broken_site.url(path) for path in [*broken_site.paths.values(), *broken_site.others]]
    return crawl(tmp_path_factory.mktemp("broken"), {"start_urls": ",".join(urls)}, spider=SPIDER)


def _by_case(server, result) -> dict[str, dict]:
    names = {path: name for name, path in server.paths.items()}
    return {names[unquote(urlsplit(item["url"]).path)]: item for item in result["items"]}


def test_bad_pages_end_stored_or_counted_never_a_spider_error(broken_site, broken_crawl):
    stats = broken_crawl["stats"]
    assert not [key for key in stats if key.startswith("spider_exceptions")]
    assert stats.get("log_count/ERROR", 0) == 0, broken_crawl["log"][-3000:]
    stored = _by_case(broken_site, broken_crawl)
    # A page that is not an article (the quote page) is counted failed, not emitted.
    skipped = sum(
        v
        for k, v in stats.items()
        if k.startswith(
            ("newscrawl/skipped/", "newscrawl/dropped/", "newscrawl/failed/not_an_article/")
        )
    )
    assert len(stored) + skipped == len(BREAKERS), (sorted(stored), stats)
    # Records without a title are written, flagged in the log and counted.
    untitled = [name for name, record in stored.items() if record["title"] is None]
    assert stats.get("newscrawl/invalid/missing_title", 0) == len(untitled)
    for path in [*broken_site.paths.values(), *broken_site.others]:
        assert broken_site.requests[path] == 1
    # 10 MB of HTML, 10,000 levels, 50,000 links and a 1 MB comment in one process.
    assert broken_crawl["peak_rss_kb"] < 512 * 1024, broken_crawl["peak_rss_kb"]


def test_stored_records_keep_the_output_contract(broken_site, broken_crawl):
    for name, record in _by_case(broken_site, broken_crawl).items():
        for key, value in record.items():
            assert value != "", (name, key)
        assert record["article_id"] and record["url"], name
    stored = _by_case(broken_site, broken_crawl)
    for name in ("huge", "deep", "very_deep", "links", "comment"):
        assert stored[name]["title"] and stored[name]["published"], name
    assert stored["huge"]["body"].count("Les marchés européens") >= 5300 * 40
    assert "x" * 100 not in stored["comment"]["body"]


@pytest.mark.parametrize(
    ("case", "field"),
    [("no_title", "title"), ("no_provider", "outlet"), ("no_date", "published")],
)
def test_missing_parts_are_null(broken_site, broken_crawl, case, field):
    stored = _by_case(broken_site, broken_crawl)
    assert stored[case][field] is None
    others = {"title", "outlet", "published"} - {field}
    assert all(stored[case][other] is not None for other in others)


def test_an_impossible_date_gives_null_beside_its_raw_text(broken_site, broken_crawl):
    record = _by_case(broken_site, broken_crawl)["impossible_date"]
    assert record["published"] is None
    assert record["published_raw"].startswith("31/02/2024")
    assert broken_crawl["stats"]["newscrawl/dates/unparsed"] >= 1


def test_html_in_the_title_is_text_without_markup_or_script(broken_site, broken_crawl):
    title = _by_case(broken_site, broken_crawl)["html_title"]["title"]
    assert title.startswith("Les marchés")
    assert "<" not in title and "alert(1)" not in title


# --- a storm on the site ---------------------------------------------------------------------


class StormServer(SiteServer):
    """The local site with every third article rate-limited twice, every seventh down."""

    def __init__(self, site):
        super().__init__(site)
        ids = sorted(site.articles)
        self.flaky = {site.articles[i].path for i in ids[::3]}
        self.down = {site.articles[i].path for i in ids[1::7]} - self.flaky

    def _answer(self, path):
        status, headers, body = super()._answer(path)
        with self._lock:
            times = self.requests[path]
        if path in self.down:
            return 503, {"Retry-After": "0"}, b"maintenance"
        if path in self.flaky and times <= 2:
            return 429, {"Retry-After": "0"}, b"trop de requetes"
        return status, headers, body


def test_storm_every_requested_article_ends_stored_or_counted_failed(tmp_path):
    site, _ = build_site()
    with StormServer(site) as server:
        urls = ",".join(server.url(root) for root in site.listings)
        result = crawl(tmp_path, {"start_urls": urls}, spider=SPIDER)
        article_paths = {a.path for a in site.articles.values()}
        requested = {path for path in server.requests if path in article_paths}
        down_requested = requested & server.down
        counts = {path: server.requests[path] for path in requested}

    stats = result["stats"]
    stored = {item["article_id"] for item in result["items"]}
    failed = stats.get("newscrawl/failed/http_503", 0) + stats.get("newscrawl/failed/http_429", 0)
    assert down_requested and requested & server.flaky
    assert len(stored) + failed == len(requested)
    assert failed == len(down_requested)
    assert all(counts[path] == 4 for path in down_requested)  # 1 + RETRY_TIMES, then counted
    assert stats.get("log_count/ERROR", 0) == len(down_requested)  # one "gave up" line each


# --- a crawler trap --------------------------------------------------------------------------

TRAP_ROOT = "/bourse/actualites/marches/"


class TrapServer(SiteServer):
    """An endless site: every listing page has a next page, every article two new related."""

    def __init__(self):
        super().__init__(Site(now=SITE_NOW, articles={}, listings={TRAP_ROOT: []}))
        self.by_path = {}

    def _article(self, index: int):
        article = make_article(random.Random(index), index, SITE_NOW, comments=0)
        self.site.articles[article.article_id] = article
        self.by_path[article.path] = (index, article)
        return article

    def _answer(self, path):
        with self._lock:
            self.requests[path] += 1
            if path == "/robots.txt":
                return 200, {}, b""
            listing = re.fullmatch(re.escape(TRAP_ROOT) + r"(?:page-(\d+))?", path)
            if listing:
                number = int(listing.group(1) or 1)
                ids = [self._article(number * 1000 + i).article_id for i in range(8)]
                page = render.listing_page(self.site, TRAP_ROOT, number, number + 1, ids, [])
                return 200, HTML, page.encode()
            if path in self.by_path:
                index, article = self.by_path[path]
                article.related = [self._article(index * 10 + k).article_id for k in (1, 2)]
                return 200, HTML, render.article_page(article, self.site).encode()
        return 404, HTML, b"<h1>Page introuvable</h1>"


def _trap_crawl(tmp_path, max_pages: str):
    with TrapServer() as server:
        args = {"start_urls": server.url(TRAP_ROOT), "max_pages": max_pages}
        result = crawl(tmp_path, args, spider=SPIDER)
        listing = re.compile(re.escape(TRAP_ROOT) + r"(?:page-\d+)?")
        listing_pages = [p for p in server.requests if listing.fullmatch(p)]
        articles = [p for p in server.requests if p in server.by_path]
    return result, listing_pages, articles


def test_an_endless_site_is_bounded_by_max_pages_and_depth(tmp_path):
    result, listing_pages, articles = _trap_crawl(tmp_path, "3")
    assert len(listing_pages) == 3
    # 3 pages x 8 articles, each with 2 related at depth 2; their own related are too deep.
    assert len(articles) == 3 * 8 * (1 + 2)
    assert result["stats"]["finish_reason"] == "finished"
    assert len(result["items"]) == len(articles)


def test_control_the_trap_goes_as_far_as_the_bound_allows(tmp_path):
    _, listing_pages, _ = _trap_crawl(tmp_path, "6")
    assert len(listing_pages) == 6
