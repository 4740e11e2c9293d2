"""Is the page at an article URL an article? The decision, as a pure function.

A site behind an anti-bot wall, a consent wall, a CDN error page or a file where the
article should be still answers 200: parsed as an article it would give a record of Nones,
and the crawl state would mark the article done. ``classify_page`` tells those pages
apart, from the parsed ``Article`` and a few facts of the response (``PageFacts``), so
the spider can count them as failed (``newscrawl/failed/not_an_article/<kind>``) and leave
them for the next run.

The kinds, in the order they are decided:

- ``empty``: no body, or only whitespace;
- ``not_html``: a PDF, an image, JSON, plain text... (by Content-Type, or by the bytes when
  there is none);
- ``truncated``: HTML cut short (a server that closed the connection early, or announced
  a Content-Length shorter than the page), whose record would be a part of the article,
  its comments and "A lire aussi" gone. ``newscrawl.middlewares.limits.TruncatedHtmlMiddleware``
  decides (``PageFacts.cut_short``): a page without its ``</html>`` is asked again, and
  one that comes back the very same is taken as it is (HTML may leave the tag out); only a
  page that never came back the same, nor whole, is this kind;
- then, only for a page the parser found neither a title nor a body in (a real article
  can mention "captcha" or carry a consent script):
  ``challenge`` (a "are you human" check), ``consent`` (a cookie wall), else ``no_content``.

A page with a title and no body (a video page: a player, no paragraph) is an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newscrawl.items import Article

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Enough of the page to hold a wall's text and scripts; walls are small pages.
SAMPLE_BYTES = 64 * 1024

# Lower-case substrings of walls' text or markup (anti-bot vendors' script and class names
# included): French first, the site's language.
CHALLENGE_MARKERS = (
    "vérification que vous êtes un humain",
    "vérifions que vous êtes un humain",
    "vérifiez que vous êtes un humain",
    "êtes-vous un robot",
    "verifying you are human",
    "verify you are human",
    "are you a robot",
    "checking your browser",
    "just a moment...",
    "attention required! | cloudflare",
    "cf-chl-",
    "challenge-platform",
    "captcha-delivery.com",
    "datadome",
    "px-captcha",
    "_incapsula_resource",
    "g-recaptcha",
    "h-captcha",
)
CONSENT_MARKERS = (
    "vos choix concernant les cookies",
    "gérer mes choix",
    "accepter et fermer",
    "nous et nos partenaires",
    "cookie consent",
    "didomi",
    "onetrust",
    "sp_message_container",
)
# A whole page's closing tag, in the encodings a page's bytes may be in (UTF-16 both ways).
_HTML_END = re.compile(
    rb"</html\s*>|<\x00/\x00[hH]\x00[tT]\x00[mM]\x00[lL]\x00|\x00<\x00/\x00[hH]\x00[tT]\x00[mM]\x00[lL]",
    re.IGNORECASE,
)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL
)


@dataclass(frozen=True)
class PageFacts:
    status: int
    media_type: str
    """Content-Type without parameters, lower case; "" when the response has none."""
    body: bytes
    cut_short: bool = False
    """The page never came whole: without its ``</html>``, and different at each fetch."""

    @property
    def empty(self) -> bool:
        return not self.body.strip()

    @property
    def html(self) -> bool:
        if self.media_type:
            return self.media_type in HTML_TYPES
        return bool(_HTML_START.match(self.body[:1024]))

    def sample(self) -> str:
        """The start of the page as lower-case text, markup included."""
        return self.body[:SAMPLE_BYTES].decode("utf-8", errors="replace").lower()


def lacks_html_end(body: bytes) -> bool:
    """No ``</html>`` anywhere in the page: cut short, or a page that leaves it out."""
    return _HTML_END.search(body) is None


def page_facts(
    status: int, content_type: str | bytes | None, body: bytes, *, cut_short: bool = False
) -> PageFacts:
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return PageFacts(status=status, media_type=media_type, body=body or b"", cut_short=cut_short)


def classify_page(article: Article | None, facts: PageFacts) -> str | None:
    """None when the page is an article; else why not: empty, not_html, truncated,
    challenge, consent or no_content. ``article`` is None when the page was not parsed
    (not HTML)."""
    if facts.empty:
        return "empty"
    if not facts.html or article is None:
        return "not_html"
    if facts.cut_short:
        return "truncated"
    if article.title or article.body:
        return None
    sample = facts.sample()
    if any(marker in sample for marker in CHALLENGE_MARKERS):
        return "challenge"
    if any(marker in sample for marker in CONSENT_MARKERS):
        return "consent"
    return "no_content"
