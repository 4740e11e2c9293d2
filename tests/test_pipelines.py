"""The item pipelines: each runs its step of the one normaliser chain and counts problems."""

from __future__ import annotations

import logging
import random

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.items import Article
from newscrawl.normalize.article import STEPS, normalize_article
from newscrawl.pipelines import (
    AttributionPipeline,
    DatesPipeline,
    DeduplicationPipeline,
    TextCleanupPipeline,
    ValidationPipeline,
)

URL = "https://www.boursorama.com/bourse/actualites/x-" + "a" * 32
FETCHED = "2024-10-21T16:00:00+00:00"


def crawler_stats():
    crawler = get_crawler()
    return crawler.stats


def normalising_pipelines(stats=None) -> list:
    stats = stats or crawler_stats()
    return [TextCleanupPipeline(stats), DatesPipeline(stats), AttributionPipeline(stats)]


def raw_article(**fields) -> Article:
    values = {
        "url": URL,
        "article_id": "a" * 32,
        "title": "  Titre\u00a0 ",
        "outlet_raw": "information fournie par Le Club Bourse",
        "published_raw": "pas une date",
        "fetched_at": FETCHED,
    }
    values.update(fields)
    return Article(**values)


def test_the_pipelines_in_order_give_what_normalize_article_gives():
    """One chain: the crawl's pipelines and normalize_article run the same steps."""
    through_pipelines = raw_article()
    for pipeline in normalising_pipelines():
        through_pipelines = pipeline.process_item(through_pipelines)
    whole = raw_article()
    problems = normalize_article(whole)
    assert through_pipelines == whole
    assert [p.kind for p in problems] == ["dates/unparsed", "outlets/unknown"]
    assert [TextCleanupPipeline.step, DatesPipeline.step, AttributionPipeline.step] == list(STEPS)


def test_each_pipeline_counts_its_own_problems(caplog):
    stats = crawler_stats()
    item = raw_article()
    with caplog.at_level(logging.INFO, logger="newscrawl.pipelines"):
        for pipeline in normalising_pipelines(stats):
            item = pipeline.process_item(item)
    assert stats.get_value("newscrawl/dates/unparsed") == 1
    assert stats.get_value("newscrawl/outlets/unknown") == 1
    levels = {r.getMessage().split(":")[0]: r.levelno for r in caplog.records}
    assert levels == {"dates/unparsed": logging.WARNING, "outlets/unknown": logging.INFO}


@pytest.mark.parametrize("missing", ["url", "article_id", "title"])
def test_a_record_missing_a_required_field_is_counted_and_still_written(missing):
    stats = crawler_stats()
    item = raw_article(**{missing: None})
    assert ValidationPipeline(stats).process_item(item) is item
    assert stats.get_value(f"newscrawl/invalid/missing_{missing}") == 1
    assert stats.get_value("newscrawl/invalid") == 1


def test_duplicates_are_dropped_by_article_key_and_version():
    stats = crawler_stats()
    pipeline = DeduplicationPipeline(stats)
    pipeline.process_item(raw_article())
    pipeline.process_item(raw_article(version=2))
    with pytest.raises(DropItem):
        pipeline.process_item(raw_article(url=URL + "?xtor=RSS"))
    # Without an id the URL is the key.
    pipeline.process_item(raw_article(article_id=None, url="https://www.boursorama.com/x"))
    with pytest.raises(DropItem):
        pipeline.process_item(raw_article(article_id=None, url="https://www.boursorama.com/x"))
    assert stats.get_value("newscrawl/duplicates") == 2


def test_duplicates_of_odd_keys_and_versions_are_still_found():
    class Key(str):
        pass

    pipeline = DeduplicationPipeline(crawler_stats())
    for item in [
        raw_article(article_id=None, url=None),
        raw_article(article_id=Key("b" * 32)),
        raw_article(article_id="c" * 32, version=None),
    ]:
        assert pipeline.process_item(item) is item
        with pytest.raises(DropItem):
            pipeline.process_item(item)


@pytest.mark.parametrize("seed", range(10))
def test_duplicates_as_a_set_of_pairs_finds_them(seed):
    rng = random.Random(seed)
    pipeline, seen = DeduplicationPipeline(crawler_stats()), set()
    for _ in range(300):
        article_id, version = f"{rng.randrange(20):032x}", rng.choice([1, 1, 1, 2, 3])
        item = raw_article(article_id=article_id, version=version)
        if (article_id, version) in seen:
            with pytest.raises(DropItem):
                pipeline.process_item(item)
        else:
            assert pipeline.process_item(item) is item
            seen.add((article_id, version))
