"""Differential check: this checkout's parser and normalisers against another revision's.

    python -m benchmarks.parity [--against main]

Both revisions read the same pages and must give the same records, field for field:
every page of the generated test sites (the end-to-end site, the bundled sample, the
benchmark's heavy and light pages, and a sample site with every layout and image variant),
every fixture page, each fixture and sample page cut at thirteen points (truncated HTML),
and hand-made pathological pages (deep nesting, entities, odd comments, related and image
variants, JSON-LD only). Each page goes through ``parse_article`` (then every
normalisation step at a fixed time) and ``parse_listing``; a page given as bytes goes
through the charset sniffing too. The other revision's package comes from
``git archive``, so the working tree is not touched. Prints the pages that differ; exit 1
if any does.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "boursorama"
BASE = "https://www.boursorama.com"
ARTICLE_URL = BASE + "/bourse/actualites/un-article-" + "a" * 32
CUTS = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)

# Run by each revision in its own interpreter: one JSON record per page.
_DUMP = r"""
import dataclasses, json, sys
from datetime import datetime, timezone
from newscrawl.sites import boursorama
from newscrawl.normalize.article import STEPS
now = datetime(2024, 10, 21, 16, 0, tzinfo=timezone.utc)
print(json.dumps(boursorama.__file__))
for line in sys.stdin:
    case = json.loads(line)
    page = case["page"].encode("utf-8") if case["as_bytes"] else case["page"]
    record = {"name": case["name"]}
    try:
        article = boursorama.parse_article(page, case["url"])
        record["raw"] = dataclasses.asdict(article)
        article.fetched_at = "2024-10-21T16:00:00+00:00"
        problems = [p for step in STEPS.values() for p in step(article, now)]
        record["article"] = dataclasses.asdict(article)
        record["problems"] = [dataclasses.astuple(p) for p in problems]
    except Exception as error:
        record["article_error"] = repr(error)
    try:
        record["listing"] = dataclasses.asdict(boursorama.parse_listing(page, case["url"]))
    except Exception as error:
        record["listing_error"] = repr(error)
    print(json.dumps(record, ensure_ascii=False, sort_keys=True))
"""


def _site_pages():
    from tests.site.model import build_bench_site, build_sample_site, build_site

    variants = build_sample_site(seed=5)
    for number, article in enumerate(variants.articles.values()):
        article.layout = ("current", "old", "video")[number % 3]
        article.lazy_image = number % 2 == 0
    sites = {
        "site": build_site()[0],
        "sample": build_sample_site(),
        "heavy": build_bench_site(20, kind="heavy"),
        "light": build_bench_site(40, kind="light"),
        "variants": variants,
    }
    for label, site in sites.items():
        for path, (status, _, body) in sorted(site.routes().items()):
            if status == 200 and path != "/robots.txt":
                yield f"{label}{path}", BASE + path, body.decode("utf-8")


def _fixture_pages():
    for kind in ("articles", "listings"):
        for folder in sorted((FIXTURES / kind).iterdir()):
            if (folder / "page.html").is_file():
                meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                page = (folder / "page.html").read_bytes().decode("utf-8", errors="replace")
                yield f"fixture/{kind}/{folder.name}", meta["url"], page


def _source_line(provider: str, when: str) -> str:
    return (
        f'<div class="c-source"><strong class="c-source__name">{provider}</strong>'
        f'<span class="c-source__time">{when}</span></div>'
    )


def _pathological_pages() -> dict[str, str]:
    detail = '<div class="c-news-detail"><h1 class="c-title-big">Titre</h1>'
    related_target = base64.b64encode(f"/bourse/actualites/r-{'c' * 32}".encode()).decode()
    messages = "".join(
        f'<div class="c-message"><div class="c-source"><button class="c-source__username">'
        f'u{i}</button><span class="c-source__time">{i % 28 + 1} mars</span>'
        f'<span class="c-source__time">10:{i % 60:02d}</span></div>'
        f'<p class="c-message__text">t {i} &lt;b&gt;</p></div>'
        for i in range(300)
    )
    return {
        "empty": "",
        "spaces": "   ",
        "text": "du texte seul",
        "brackets": "<<<>>>",
        "deep-div": detail + '<article class="c-news-detail__content">' + "<div>" * 400 + "x"
        + "</div>" * 400 + "</article></div>",
        "deep-inline": '<div class="c-news-detail"><h1>' + "<span>" * 300 + "T" + "</span>" * 300
        + "</h1>" + _source_line("AFP", "21/10/2024 à 12:54")
        + '<article class="c-news-detail__content"><p>' + "<b>" * 500 + "x" + "</b>" * 500
        + "</p></article></div>",
        "br-paragraphs": detail + '<div class="c-news-detail__content">a<br><br>b<br>c<br> <br>'
        "d&amp;amp;e&nbsp;f<i>g</i>h<table><tr><td>1</td><td> </td><td>2</td></tr></table>"
        "<ul><li>x<ul><li>y</li></ul>z</li></ul></div></div>",
        "entities": '<div class="c-news-detail"><h1>&amp;#039;Q&#8217;&nbsp;&thinsp;</h1>'
        '<article class="c-news-detail__content"><p>\u200bA\u00a0:\u202fB &amp;eacute; e\u0301'
        "</p><p>   </p><p><!-- c --><script>x</script>C<noscript>n</noscript>"
        "&amp;amp;amp;</p></article></div>",
        "nested-messages": detail + '</div><div class="c-comment"><h2 class="c-heading">12 '
        'commentaires</h2><div class="c-message"><div class="c-source"><button '
        'class="c-source__username">a</button><span class="c-source__time">2 janv.</span>'
        '</div><p class="c-message__text">un</p><div class="c-message"><span '
        'class="c-source__author">b</span><p class="c-message__text">deux<br>lignes</p>'
        '</div></div><div class="c-message"><span data-popover-url="/profil/zed/">z</span>'
        '<div class="c-message__text">trois</div></div></div>',
        "text-holders": detail + '</div><div class="c-comment"><h3>Aucun commentaire</h3><div>'
        '<p class="c-message__text">p1</p><p class="c-message__text">p2</p></div><section>'
        '<span title="Voir les informations du compte Bob">B</span>'
        '<p class="c-message__text">p3</p></section></div>',
        "json-ld-only": '<html><head><script type="application/ld+json">{"@graph":[{"@type":'
        '"NewsArticle","headline":" H ","author":[{"name":"AFP"}],"datePublished":'
        '"2024-10-21T12:54:00+02:00"}]}</script><meta property="og:title" content="OG">'
        "</head><body><p>x</p></body></html>",
        "bad-json-ld": '<script type="application/ld+json">{bad</script>'
        '<script type="application/ld+json">' + "[" * 3000 + "]" * 3000 + "</script>"
        '<div itemtype="http://schema.org/NewsArticle"><h1>t</h1>'
        '<div itemprop="articleBody">b</div></div>',
        "images": detail + '<figure><img src="data:x" data-src="/a.jpg" alt="A"><figcaption>'
        'Cap ( AFP / JOHN DOE )</figcaption></figure><div class="c-avatar"><img src="/av.png">'
        '</div><picture><source srcset="/p.webp 1x, /q.webp 2x"><img width="1" height="1" '
        'src="/t.gif"></picture><noscript><img src="/n.jpg" alt="N"></noscript>'
        '<div class="c-thumb-lazy" data-original-src="/o.jpg" data-image-alt="Alt"></div>'
        '<img src="/spacer.gif"><img srcset="/s.jpg 100w"></div>',
        "related-variants": detail + '<article class="c-news-detail__content"><p>b</p>'
        '<div class="c-block"><h3>À lire aussi</h3><ul><li><a href="/bourse/actualites/in-'
        + "b" * 32 + '">Dans le corps</a></li></ul></div></article></div><div>'
        '<div class="c-block__head">A LIRE AUSSI</div><div><ul><li><a data-rel="'
        + related_target + '">R</a><span class="c-source__time">26 janv.</span>'
        '<span class="c-source__time">13:04</span></li><li>sans lien</li></ul></div></div>',
        "update-lines": detail + "<p>Mis à jour le 21/10/2024 à 13:00</p><p>Toujours ce jour"
        '</p><div class="c-source">information fournie par Reuters <span>21/10/2024</span> '
        '<span class="u-sr-only">x1</span><span class="c-source__comments">3</span></div></div>',
        "listing-odd": '<ul><li class="c-list-news__line"><span class="c-list-news__date">jeu.'
        '</span><p class="c-list-news__title"><a data-rel="'
        + base64.b64encode(f"/bourse/actualites/x-{'d' * 32}".encode()).decode()
        + '">Ti</a></p><div class="c-comments-count__number">1 234</div></li>'
        '<li class="c-list-details-news__line"><div class="c-list-details-news__title">'
        '<a href="javascript:void(0)">C</a></div><div data-rel="x"></div></li>'
        '<a class="c-headlines" href="/bourse/actualites/h-' + "e" * 32
        + '" title="À la une : Une"><span class="c-source__name">AFP</span></a></ul>'
        '<div class="c-pagination"><span class="is-active">1</span><a href="/p2">2</a></div>',
        "many-comments": detail + '</div><div class="c-comment c-comment--full">'
        '<span class="c-heading__text">1 000 commentaires</span>' + messages + "</div>",
    }  # fmt: skip


def corpus() -> list[dict]:
    pages = [*_site_pages(), *_fixture_pages()]
    cases = [{"name": n, "url": u, "page": p, "as_bytes": False} for n, u, p in pages]
    rng = random.Random(3)
    for name, url, page in pages:
        if name.startswith(("fixture/", "sample/")) and page:
            size = len(page)
            cuts = {int(size * share) for share in CUTS} | {rng.randrange(size) for _ in range(6)}
            cases += [
                {"name": f"{name}@{cut}", "url": url, "page": page[:cut], "as_bytes": False}
                for cut in sorted(cuts)
            ]
    for name, page in _pathological_pages().items():
        for as_bytes in (False, True):
            kind = "bytes" if as_bytes else "text"
            case = {"name": f"odd/{name}/{kind}", "url": ARTICLE_URL, "page": page}
            cases.append({**case, "as_bytes": as_bytes})
    return cases


def records(package_root: Path, cases: list[dict]) -> list[dict]:
    """Every case through the newscrawl package under ``package_root``."""
    lines = "".join(json.dumps(case) + "\n" for case in cases)
    completed = subprocess.run(
        [sys.executable, "-c", _DUMP],
        input=lines,
        capture_output=True,
        text=True,
        cwd=package_root,  # python -c puts the working folder first on sys.path
        env={"PYTHONPATH": str(package_root), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    module, *lines = completed.stdout.splitlines()
    if not json.loads(module).startswith(str(package_root)):
        raise RuntimeError(f"{package_root}: the parser came from {module}")
    return [json.loads(line) for line in lines]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="main", help="git revision to compare with")
    options = parser.parse_args()
    cases = corpus()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "archive", options.against, "newscrawl"], cwd=ROOT, capture_output=True
        )
        if archive.returncode != 0:
            print(archive.stderr.decode(errors="replace").strip(), file=sys.stderr)
            return 2
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        theirs = records(Path(tmp), cases)
    ours = records(ROOT, cases)
    differing = [(a, b) for a, b in zip(theirs, ours, strict=True) if a != b]
    for before, after in differing[:20]:
        fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        print(f"DIFFERS {before['name']}: {', '.join(fields)}")
    print(f"{len(cases)} pages, {len(differing)} differ from {options.against}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
