"""Shared data for the monitor tests: fixture records, a normal run's stats, crawl access."""

from __future__ import annotations

import json
from pathlib import Path

# The one place these tests reach into the crawl's test helpers (they may move).
from tests.support.crawl_runner import ROOT, crawl_in_subprocess

FIXTURES = ROOT / "tests" / "fixtures" / "boursorama"


def fixture_record_paths() -> list[Path]:
    """expected.json of every parser fixture, before or after the move under articles/."""
    return sorted({*FIXTURES.glob("*/expected.json"), *FIXTURES.glob("articles/*/expected.json")})


def fixture_records() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in fixture_record_paths()]


def article_records() -> list[dict]:
    """Fixture records of article pages (the quote page is not one)."""
    return [record for record in fixture_records() if record.get("article_id")]


def normal_stats(records: int = 30, listings: int = 10) -> dict:
    """Stats shaped like a clean run of the bundled sample (names the crawl counts)."""
    pages = records + listings
    return {
        "finish_reason": "finished",
        "item_scraped_count": records,
        "response_received_count": pages,
        "downloader/request_count": pages,
        "newscrawl/pages/article": records,
        "newscrawl/pages/listing": listings,
        "newscrawl/run/listings_requested": listings,
    }


def crawl_bundled_sample(workdir: Path) -> dict:
    return crawl_in_subprocess(
        workdir,
        {},
        {
            "NEWSCRAWL_REPLAY": str(ROOT / "data" / "sample"),
            "NEWSCRAWL_INCREMENTAL": "False",
            "LOG_LEVEL": "INFO",
        },
    )
