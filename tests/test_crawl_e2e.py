"""End-to-end crawls of the local copy of the site (tests/site) served on 127.0.0.1."""

from __future__ import annotations

from tests.site.model import OFFSITE_URL


def _listing_urls(server) -> str:
    return ",".join(server.url(root) for root in server.site.listings)


def test_crawl_finds_exactly_the_reachable_articles(site_server, run_crawl):
    expected = site_server.expectations
    result = run_crawl({"start_urls": _listing_urls(site_server)})

    ids = [item["article_id"] for item in result["items"]]
    assert len(ids) == len(set(ids)), "an article was emitted twice"
    # Not even fetched twice: the pipeline found no duplicate to drop.
    assert "newscrawl/duplicates" not in result["stats"]
    assert set(ids) == expected.crawled_ids
    assert not set(ids) & expected.not_crawled_ids

    stats = result["stats"]
    assert stats["item_scraped_count"] == len(expected.crawled_ids)
    assert stats["newscrawl/pages/article"] == len(expected.crawled_ids)
    assert stats["newscrawl/pages/listing"] == 3 + 2  # max_pages=3 of marches, 2 of societes
    assert stats["newscrawl/failed/http_404"] == 1
    assert stats["robotstxt/forbidden"] == 1
    assert stats["downloader/response_status_count/301"] == 1
    assert stats["offsite/filtered"] == 1
    assert "newscrawl/invalid" not in stats
    assert "newscrawl/dates/unparsed" not in stats
    assert stats.get("log_count/ERROR", 0) == 0


def test_each_page_is_requested_once_and_offsite_never(site_server, run_crawl):
    expected = site_server.expectations
    result = run_crawl({"start_urls": _listing_urls(site_server)})
    # The off-site host is not this server: only the stats can show it was not requested.
    assert result["stats"]["offsite/filtered"] == 1
    assert result["stats"]["dupefilter/filtered"] >= 1  # the article linked with ?xtor=

    for article in site_server.site.articles.values():
        times = site_server.requests[article.path]
        if article.article_id in expected.crawled_ids:
            assert times == 1, article.path
        else:
            assert times == 0, article.path
    assert site_server.requests[expected.robots_path] == 0
    assert site_server.requests[expected.missing_path] == 1
    assert all(times == 1 for times in site_server.requests.values())


def test_records_match_the_site(site_server, run_crawl):
    site = site_server.site
    result = run_crawl({"start_urls": _listing_urls(site_server)})
    by_id = {item["article_id"]: item for item in result["items"]}

    first = next(a for a in site.articles.values() if a.slug.startswith("article-numero-0-"))
    record = by_id[first.article_id]
    assert record["url"] == site_server.url(first.path)
    assert record["section"] == "bourse"
    assert record["title"] == first.title
    assert record["outlet_raw"] == first.provider
    assert record["published"] == first.published.isoformat(timespec="seconds")
    assert record["fetched_at"] == "2024-10-21T16:00:00+00:00"
    assert record["body"].split("\n\n")[0] == first.paragraphs[0]
    assert record["lead"] == first.paragraphs[0]
    assert record["comment_count"] == len(first.comments)
    assert [c["author"] for c in record["comments"]] == [c.author for c in first.comments]
    assert [c["published"] for c in record["comments"]] == [
        c.when.isoformat(timespec="seconds") for c in first.comments
    ]
    assert [r["position"] for r in record["related"]] == [1, 2, 3]
    assert record["related"][2]["url"] == OFFSITE_URL
    assert record["related"][0]["article_id"] == first.related[0]
    assert record["images"][0]["credit_agency"] == "AFP"
    assert record["version"] == 1 and record["language"] == "fr"

    redirected = by_id[site_server.expectations.redirect_id]
    assert redirected["url"] == site_server.url(site.articles[redirected["article_id"]].path)


def test_start_from_one_article_follows_its_related_links(site_server, run_crawl):
    site = site_server.site
    first = next(a for a in site.articles.values() if a.slug.startswith("article-numero-0-"))
    result = run_crawl({"start_urls": site_server.url(first.path)})
    ids = {item["article_id"] for item in result["items"]}
    second, related_only = first.related[0], first.related[1]
    # depth 0: the article; 1: its related; 2: their related (the cycle back is not re-fetched)
    expected = {first.article_id, second, related_only}
    expected |= {r for r in site.articles[second].related if r in site.articles}
    expected |= {r for r in site.articles[related_only].related if r in site.articles}
    assert ids == expected
