"""Which answers at an article URL are not an article: one case per row."""

from __future__ import annotations

import pytest

from newscrawl.items import Article
from newscrawl.sites.boursorama import parse_article
from newscrawl.sites.pages import classify_page, page_facts
from tests.site.model import build_site
from tests.site.render import article_page

URL = "https://www.boursorama.com/bourse/actualites/x-" + "a" * 32
HTML = "text/html; charset=utf-8"


def _real_article_page() -> bytes:
    site, _ = build_site()
    article = next(iter(site.articles.values()))
    return article_page(article, site).encode("utf-8")


def _page(body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>".encode()


CASES = [
    # (id, content type, body, expected kind)
    ("article", HTML, _real_article_page(), None),
    ("empty", HTML, b"", "empty"),
    ("whitespace", HTML, b" \r\n\t ", "empty"),
    ("pdf", "application/pdf", b"%PDF-1.7\n1 0 obj", "not_html"),
    ("json", "application/json", b'{"error": "rate limited"}', "not_html"),
    ("plain text", "text/plain", b"Service Unavailable", "not_html"),
    ("pdf without type", None, b"%PDF-1.4\n", "not_html"),
    ("html without type", None, _page("<p>Vérification que vous êtes un humain</p>"), "challenge"),
    ("challenge fr", HTML, _page("<p>Vérification que vous êtes un humain...</p>"), "challenge"),
    ("cloudflare", HTML, _page("<h1>Just a moment...</h1><div id='cf-chl-widget'>"), "challenge"),
    ("datadome", HTML, _page("<script src='https://ct.captcha-delivery.com/c.js'>"), "challenge"),
    ("consent", HTML, _page("<div>Vos choix concernant les cookies</div>"), "consent"),
    ("nothing", HTML, _page("<div class='c-error'>Oups</div>"), "no_content"),
    ("bare html", HTML, b"<html></html>", "no_content"),
    # Cut before its end (a connection closed early, a short Content-Length): not emitted.
    ("article cut in half", HTML, _real_article_page()[:6000], "truncated"),
    ("cut right before the end", HTML, _real_article_page().rstrip()[:-7], "truncated"),
    ("closing tag in capitals", HTML, _real_article_page().replace(b"</html>", b"</HTML >"), None),
    ("scripts after the end", HTML, _real_article_page() + b"<script>x()</script>" * 100, None),
    (
        "a challenge cut short",
        HTML,
        _page("<p>Vérification que vous êtes un humain")[:-20],
        "truncated",
    ),
]


@pytest.mark.parametrize(
    ("content_type", "body", "kind"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_page_kind(content_type, body, kind):
    facts = page_facts(200, content_type, body)
    article = parse_article(body, URL) if facts.html and not facts.empty else None
    assert classify_page(article, facts) == kind


def test_an_article_that_mentions_a_captcha_or_carries_a_consent_script_is_an_article():
    facts = page_facts(200, HTML, _page("<script src='didomi.js'></script> captcha"))
    article = Article(url=URL, title="Le captcha, ce mal nécessaire", body="Texte.")
    assert classify_page(article, facts) is None


def test_a_video_page_with_a_title_and_no_text_is_an_article():
    facts = page_facts(200, HTML, _page("<video></video>"))
    assert classify_page(Article(url=URL, title="Vidéo : le CAC 40"), facts) is None


def test_the_content_type_is_read_from_bytes_and_without_parameters():
    assert page_facts(200, b"Application/PDF; name=x.pdf", b"%PDF").media_type == "application/pdf"
