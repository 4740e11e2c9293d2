"""newscrawl.plain converts a record exactly as ``dataclasses.asdict`` does, only faster."""

from __future__ import annotations

import dataclasses
import enum

import pytest

from newscrawl.items import Article, Comment, Image, RelatedArticle
from newscrawl.plain import as_plain
from tests.site.model import SAMPLE_LISTINGS, build_bench_site
from tests.support.feeds_spider import make_article


class Mood(enum.IntEnum):
    GOOD = 1


@dataclasses.dataclass
class Extra:
    note: str = "x"


def parsed_bench_articles() -> list[Article]:
    from newscrawl.sites.boursorama.article import parse_article

    site = build_bench_site(6, kind="heavy", listings=SAMPLE_LISTINGS)
    return [
        parse_article(body, "https://www.boursorama.com" + path)
        for path, (_, _, body) in site.routes().items()
        if "-" in path.rsplit("/", 1)[-1]
    ]


ODD_VALUES = [
    {"nested": Extra(), "list": [Extra(), 1]},
    ("a", Extra()),
    {"a", "b"},
    Mood.GOOD,
    [[Extra(), ["deep"]], None, 1.5],
    b"bytes",
]


def test_records_are_the_dicts_asdict_makes():
    articles = [make_article(i) for i in range(12)] + parsed_bench_articles()
    assert any(article.comments for article in articles)
    for article in articles:
        plain = as_plain(article)
        assert plain == dataclasses.asdict(article)
        assert list(plain) == list(dataclasses.asdict(article))  # the same column order


@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_values_of_other_kinds_follow_asdicts_own_rule(value):
    article = Article(title="t", notes=value, comments=[Comment(text=value)])
    plain, expected = as_plain(article), dataclasses.asdict(article)
    assert plain == expected
    assert type(plain["notes"]) is type(expected["notes"])


def test_the_plain_record_shares_no_list_with_the_item():
    article = Article(
        authors=["A"],
        images=[Image(url="u")],
        related=[RelatedArticle(url="r")],
        comments=[Comment(text="c")],
    )
    plain = as_plain(article)
    plain["authors"].append("B")
    plain["images"][0]["url"] = "changed"
    assert article.authors == ["A"] and article.images[0].url == "u"
