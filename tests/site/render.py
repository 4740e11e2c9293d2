"""HTML of the local site, shaped like the real pages (see the project's site notes).

The markup follows the current article layout and the 2020 listing layout, chrome
included (meta refresh, cookie wall script, navigation, ads), so the crawler meets the
same noise as on the live site.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.site.model import Site, SiteArticle

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SHORT_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]

HEAD = """<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="600">
<title>{title} - Boursorama</title>
<link rel="icon" href="/bundles/boursoramaui/images/favicons/favicon-32x32.png">
{extra_head}
<script>window.didomiConfig = {{"notice": {{"enable": true}}}};</script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Organization",
"name":"Boursorama","url":"https://www.boursorama.com"}}</script>
</head>
<body class="t-news">
<header class="c-header-menubar"><nav class="c-navigation">
<ul class="c-navigation__list"><li><a href="/bourse/">Bourse</a></li>
<li><a href="/bourse/actualites/marches/">Marchés</a></li>
<li><a href="/bourse/actualites/societes/">Sociétés</a></li></ul></nav></header>
<div class="google-ad" data-brs-gpt-slot="/21710919803/Divers/top"></div>
"""
PLACEHOLDER_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
FOOT = """<footer class="c-footer"><p>Pages les plus populaires</p></footer>
<script src="/bundles/boursoramaui/js/app.js"></script>
</body></html>
"""


def article_date(when: datetime) -> str:
    return when.strftime("%d/%m/%Y à %H:%M")


def comment_day(when: datetime) -> str:
    return f"{when.day} {MONTHS[when.month - 1]}"


def listing_date(when: datetime, now: datetime) -> str:
    if when.date() == now.date():
        return when.strftime("%H:%M")
    if when.year == now.year:
        return f"{when.day:02d} {SHORT_MONTHS[when.month - 1]}"
    return f"{when.day:02d} {SHORT_MONTHS[when.month - 1]} {when.year}"


def _image(article: SiteArticle) -> str:
    if article.image_caption is None:
        return ""
    src = f"https://s.brsimg.com/static-00/images/{article.article_id}.jpg"
    alt = escape(article.image_caption)
    if article.lazy_image:
        return f"""<div class="c-image-news"><picture>
<img class="c-image lazyload" src="{PLACEHOLDER_GIF}" data-src="{src}" alt="{alt}">
<noscript><img src="{src}" alt="{alt}"></noscript></picture>
<p class="c-image-news__legend">{alt}</p></div>"""
    return f"""<div class="c-image-news"><picture>
<source media="(min-width: 768px)" srcset="{src}">
<img class="c-image" src="{src}" alt="{alt}"></picture>
<p class="c-image-news__legend">{alt}</p></div>"""


def _comment(comment) -> str:
    return f"""<div class="c-message">
<div class="c-source"><span class="c-source__by">par</span>
<button class="c-link c-source__username" type="button">{escape(comment.author)}</button>
<span class="c-source__bullet" aria-hidden="true">•</span>
<span class="c-source__time">{comment_day(comment.when)}</span>
<span class="c-source__bullet" aria-hidden="true">•</span>
<span class="c-source__time">{comment.when.strftime("%H:%M")}</span></div>
<p class="c-message__text">{escape(comment.text)}</p>
<button class="c-link">Signaler le commentaire</button></div>"""


def _related_entry(site: Site, ref: str) -> str:
    target = site.articles.get(ref)
    if target is None:  # an absolute URL to another site
        href, title, provider, when, teaser = ref, "Un article hors du site", "AFP", site.now, ""
    else:
        href, title, provider = target.path, target.title, target.provider
        when, teaser = target.published, target.paragraphs[0][:180] + " ..."
    return f"""<li class="c-list-details-news__line">
<p class="c-list-details-news__title"><a href="{escape(href)}" title="{escape(title)}"
 class="c-link">{escape(title)}</a></p>
<div class="c-list-details-news__author c-source"><span class="u-sr-only">information fournie
 par</span> <strong class="c-source__name">{escape(provider)}</strong>
<span class="c-source__time">{when.strftime("%d.%m.%Y")}</span>
<span class="c-source__time">{when.strftime("%H:%M")}</span></div>
<p class="c-list-details-news__content">{escape(teaser)} <a href="{escape(href)}">Lire la
 suite</a></p></li>"""


SOURCE_CLASS = {
    "current": "c-source__name--news",
    "old": "c-source__name--news",
    "video": "c-source--video-program",
}


def article_page(article: SiteArticle, site: Site) -> str:
    blocks = []
    for number, paragraph in enumerate(article.paragraphs):
        blocks.append(f"<p>{escape(paragraph)}</p>")
        if number == 1 and article.subheading:
            blocks.append(f"<h2>{escape(article.subheading)}</h2>")
    updated = ""
    if article.updated is not None:
        updated = (
            f'<span class="c-source__time">Mis à jour le {article_date(article.updated)}</span>'
        )
    count = len(article.comments)
    comments = ""
    if count:
        label = "commentaire" if count == 1 else "commentaires"
        comments = f"""<div class="c-comment c-comment--full"><h2 class="c-heading">
<span class="c-heading__text">{count} {label}</span></h2>
{"".join(_comment(c) for c in article.comments)}</div>"""
    related = ""
    if article.related:
        related = f"""<div class="c-rebound"><h2 class="c-heading">
<span class="c-heading__text">A lire aussi</span></h2><ul class="c-list-details-news">
{"".join(_related_entry(site, ref) for ref in article.related)}</ul></div>"""
    title = escape(article.title)
    source = f"""<span class="u-sr-only">information fournie par</span>
<strong class="c-source__name {SOURCE_CLASS[article.layout]}">{escape(article.provider)}</strong>
<span class="c-source__time">{article_date(article.published)}</span>{updated}"""
    sharing = '<ul class="c-toolbar-sharing__list"><li>Facebook</li><li>Twitter</li></ul>'
    if article.layout == "old":
        header = f"""<h1 class="c-title-big">{title}
<div class="c-source c-news-detail__source">{source}</div></h1>"""
        content = f'<div class="c-news-detail__content">{"".join(blocks)}{sharing}</div>'
    else:
        header = f"""<h1 class="c-title-big c-title--color-dark"><span>{title}</span></h1>
<div class="c-source c-news-detail__source">{source}</div>"""
        content = f'<article class="c-news-detail__content">{"".join(blocks)}{sharing}</article>'
    if article.layout == "video":
        content = f"""<div class="c-news-detail__content-video"><div class="c-video-player"
 data-video-id="{article.article_id[:8]}"></div></div>{content}"""
    return f"""{HEAD.format(title=title, extra_head="")}
<div class="l-news-page"><div class="l-news-page__main"><div class="c-news-detail">
{header}
{_image(article)}
{content}</div>
{comments}
{related}
</div></div>
{FOOT}"""


def listing_page(
    site: Site, root: str, number: int, total: int, ids: list[str], extra_paths: list[str]
) -> str:
    lines = []
    for article_id in ids:
        article = site.articles[article_id]
        lines.append(
            _listing_line(
                article.path,
                article.title,
                article.provider,
                listing_date(article.published, site.now),
                len(article.comments),
            )
        )
    for path in extra_paths:
        lines.append(_listing_line(path, "Article " + path.rsplit("-", 1)[0], "AFP", "09:00", 0))
    pagination = []
    for page in range(1, total + 1):
        href = root if page == 1 else f"{root}page-{page}"
        current = " is-active" if page == number else ""
        pagination.append(
            f'<a href="{href}" title="Page {page}" class="c-link c-pagination__link">'
            f'<span class="c-pagination__content{current}">{page}</span></a>'
        )
    next_link = f'<link rel="next" href="{root}page-{number + 1}">' if number < total else ""
    return f"""{HEAD.format(title="Actualités", extra_head=next_link)}
<div class="l-basic-page__main"><h1 class="c-title">Points des marchés boursiers</h1>
<div class="c-latest-news"><ul class="c-list-news u-relative" data-load-more-content>
{"".join(lines)}
</ul><div class="c-block__foot"><div class="c-pagination">{"".join(pagination)}</div></div>
</div></div>
{FOOT}"""


def _listing_line(path: str, title: str, provider: str, date: str, comments: int) -> str:
    count = ""
    if comments:
        count = f"""<div class="c-source__comments"><span class="c-comments-count">
<span class="c-comments-count__number" aria-label="{comments} commentaires">{comments}</span>
</span></div>"""
    return f"""<li class="c-list-news__line / o-flag">
<span class="c-list-news__date ">{date}</span>
<div class="c-list-news__content "><p class="c-list-news__title"><a href="{escape(path)}"
 title="{escape(title)}" class="c-link c-link--bold">{escape(title)}</a></p>
<div class="c-source c-source--inline "><strong class="c-source__name c-source__name--news">
<span class="c-source__bullet">•</span>{escape(provider)}</strong></div>{count}</div></li>"""
