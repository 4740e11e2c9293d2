"""Articles for the corpus tests and benchmark: the extraction fixtures' expected records,
and synthetic ones with every kind of field filled."""

from __future__ import annotations

import json
from pathlib import Path

from newscrawl.corpus.records import from_record
from newscrawl.items import Article, Comment, Image, RelatedArticle

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "boursorama" / "articles"


def fixture_articles() -> list[Article]:
    """The expected record of every extraction fixture that is an article."""
    articles = []
    for expected in sorted(FIXTURES.glob("*/expected.json")):
        record = json.loads(expected.read_text(encoding="utf-8"))
        if record.get("article_id") or record.get("url"):
            articles.append(from_record(record))
    # An empty list would let every test built on it pass without testing anything.
    assert articles, f"no fixture records under {FIXTURES}"
    return articles


def synthetic_article(
    n: int,
    *,
    title: str | None = None,
    version: int = 1,
    outlet: str = "AFP",
    day: int = 1,
    month: int = 10,
) -> Article:
    article_id = f"{n:032x}"
    section = ("bourse", "actualite-economique", "patrimoine")[n % 3]
    return Article(
        url=f"https://www.boursorama.com/{section}/actualites/article-{n}-{article_id}",
        article_id=article_id,
        section=section,
        title=title or f"Titre numéro {n} : les marchés à l'épreuve",
        outlet=outlet,
        outlet_partners=["Media Services"] if n % 2 else [],
        outlet_raw=f"{outlet} avec Media Services" if n % 2 else outlet,
        published=f"2024-{month:02d}-{day:02d}T12:54:00+02:00",
        published_raw=f"{day:02d}/{month:02d}/2024 à 12:54",
        authors=["Yurii Kovalenko", "Serhiy Chalyi"][: n % 3],
        lead=f"Premier paragraphe de l'article {n}.",
        body=f"Premier paragraphe de l'article {n}.\n\n" + "Texte du corps. " * 150,
        subheadings=["Un sous-titre"],
        images=[
            Image(
                url=f"https://www.boursorama.com/i/{n}.jpg",
                caption="Légende",
                credit_raw="( AFP / JOHN DOE )",
                credit_agency="AFP",
                credit_photographer="John Doe",
            )
        ],
        comment_count=3,
        comments=[
            Comment(
                position=p,
                author=f"lecteur{p}",
                published=f"2024-{month:02d}-{day:02d}T21:2{p}:00+02:00",
                published_raw=f"{day} octobre 21:2{p}",
                text=f"=Commentaire {p}",
            )
            for p in (1, 2, 3)
        ],
        related=[
            RelatedArticle(
                position=p,
                url=f"https://www.boursorama.com/bourse/actualites/r-{n + p:032x}",
                article_id=f"{n + p:032x}",
                title=f"Lié {p}",
                outlet="Reuters",
                outlet_raw="Reuters",
                published="2024-10-20T09:00:00+02:00",
                published_raw="20.10.2024 09:00",
                teaser="Un résumé",
            )
            for p in (1, 2)
        ],
        fetched_at=f"2024-{month:02d}-{day:02d}T18:00:00+00:00",
        version=version,
    )
