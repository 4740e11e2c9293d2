"""robots.txt per RFC 9309: 5xx or no answer means the host is not crawled; 4xx means allowed."""

from __future__ import annotations

import contextlib
import time

from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page

RULES_FORBIDDING_ALL = "User-agent: *\nDisallow: /\n"


def _site(robots_route):
    site = ScriptedServer({"/robots.txt": robots_route})
    site.routes["/"] = page(html("home", links=["/article"]))
    site.routes["/article"] = page(html("article"))
    return site


def test_robots_answering_5xx_keeps_the_host_out_of_the_run(tmp_path):
    with _site(page("busy", 503)) as site:
        result = crawl(tmp_path, {"start_urls": site.url("/")})
        assert set(site.paths()) == {"/robots.txt"}
        assert site.count("/robots.txt") == 4  # retried like any 503 first
    assert result["items"] == []
    assert result["stats"]["newscrawl/blocked/robots_unreachable"] == 1
    assert result["stats"]["newscrawl/robots/unreachable_hosts"] == 1
    assert f"robots.txt of 127.0.0.1:{site.port} is unreachable (HTTP 503)" in result["log"]


def test_control_with_the_setting_relaxed_the_same_host_is_crawled(tmp_path):
    with _site(page("busy", 503)) as site:
        result = crawl(
            tmp_path, {"start_urls": site.url("/")}, {"NEWSCRAWL_ROBOTS_UNREACHABLE_ALLOW": "True"}
        )
        assert site.count("/article") == 1
    assert sorted(item["title"] for item in result["items"]) == ["article", "home"]


def _stall(handler):
    time.sleep(2.5)
    with contextlib.suppress(OSError):
        page(RULES_FORBIDDING_ALL)(handler)


def test_robots_that_times_out_keeps_the_host_out_of_the_run(tmp_path):
    with _site(_stall) as site:
        settings = {"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"}
        result = crawl(tmp_path, {"start_urls": site.url("/")}, settings)
        assert set(site.paths()) == {"/robots.txt"}
    assert result["items"] == []
    assert result["stats"]["newscrawl/blocked/robots_unreachable"] == 1
    assert "is unreachable (DownloadTimeoutError" in result["log"]


def test_robots_answering_4xx_allows_everything_whatever_the_error_page_says(tmp_path):
    # Scrapy alone would read this 404 page as rules and forbid the whole site.
    with _site(page(RULES_FORBIDDING_ALL, 404)) as site:
        result = crawl(tmp_path, {"start_urls": site.url("/")})
        assert site.count("/article") == 1
    assert sorted(item["title"] for item in result["items"]) == ["article", "home"]
    assert result["stats"]["newscrawl/robots/unavailable_allowed"] == 1


def test_robots_rules_are_still_obeyed(tmp_path):
    with _site(page("User-agent: *\nDisallow: /article\n")) as site:
        result = crawl(tmp_path, {"start_urls": site.url("/")})
        assert site.count("/article") == 0
    assert [item["title"] for item in result["items"]] == ["home"]
    assert result["stats"]["robotstxt/forbidden"] == 1


def test_control_scrapy_alone_reads_the_404_page_as_rules(tmp_path):
    with _site(page(RULES_FORBIDDING_ALL, 404)) as site:
        crawl(tmp_path, {"start_urls": site.url("/")}, {"DOWNLOADER_MIDDLEWARES": "{}"})
        assert site.paths() == ["/robots.txt"]


def test_robots_redirected_to_a_private_address_counts_as_unreachable(tmp_path):
    with ScriptedServer(host="127.0.0.2") as other:
        other.routes["/robots.txt"] = page("User-agent: *\nAllow: /\n")
        with _site(page("", 302, {"Location": other.url("/robots.txt")})) as site:
            result = crawl(tmp_path, {"start_urls": site.url("/")})
            assert site.paths() == ["/robots.txt"]
        assert other.paths() == []
    assert result["stats"]["newscrawl/blocked/loopback"] == 1
    assert result["stats"]["newscrawl/blocked/robots_unreachable"] == 1


def test_requests_waiting_for_robots_txt_all_obey_it(tmp_path):
    # Several start URLs on one host reach the middleware while robots.txt is in flight.
    def slow_rules(handler):
        time.sleep(0.5)
        page("User-agent: *\nDisallow: /private\n")(handler)

    with ScriptedServer({"/robots.txt": slow_rules}) as site:
        for n in range(6):
            site.routes[f"/private{n}"] = page(html(f"private {n}"))
        site.routes["/open"] = page(html("open"))
        starts = [site.url(f"/private{n}") for n in range(6)] + [site.url("/open")]
        result = crawl(tmp_path, {"start_urls": ",".join(starts)})
        assert not [path for path in site.paths() if path.startswith("/private")]
        assert site.count("/open") == 1
    assert result["stats"]["robotstxt/forbidden"] == 6
