"""Which answers at an article URL are not an article: one case per row."""

from __future__ import annotations

import pytest

from newscrawl.items import Article
from newscrawl.sites.boursorama import parse_article
from newscrawl.sites.pages import classify_page, lacks_html_end, page_facts
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


WHOLE = _real_article_page()


@pytest.mark.parametrize(
    ("body", "lacks"),
    [
        (WHOLE, False),
        (WHOLE[:6000], True),  # cut in half
        (WHOLE.rstrip()[:-7], True),  # cut right before its end
        (WHOLE.replace(b"</html>", b"</HTML >"), False),
        (WHOLE + b"<script>x()</script>" * 5000, False),  # 100 KB of scripts after the end
        (WHOLE.decode().encode("utf-16"), False),  # UTF-16, with its BOM
        (WHOLE.decode().encode("utf-16-be"), False),
        (WHOLE.replace(b"</html>", b""), True),  # a page that leaves it out: asked again
    ],
    ids=["whole", "half", "end", "capitals", "scripts after", "utf-16", "utf-16-be", "no tag"],
)
def test_lacks_html_end(body, lacks):
    assert lacks_html_end(body) is lacks


def test_a_page_that_never_came_whole_is_truncated():
    cut = WHOLE[:6000]
    assert classify_page(parse_article(cut, URL), page_facts(200, HTML, cut, cut_short=True)) == (
        "truncated"
    )
    # The same bytes without the mark (they came back the same): an article.
    assert classify_page(parse_article(cut, URL), page_facts(200, HTML, cut)) is None
