"""Pages and archives that used to lose or hide articles without a word, end to end.

- a redirect loop is a counted failed page, not a request the duplicate filter drops;
- an off-site link carrying an article's id, listed before the site's own, does not hide it;
- a truncated replay archive fails the run unless it is declared partial.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.site import render
from tests.site.model import build_site
from tests.site.server import SiteServer
from tests.support.runs import ROOT, Crawls
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page, send

SPIDER = "boursorama"
ID_A, ID_B, ID_C = "a" * 32, "b" * 32, "c" * 32
LOOP_A = f"/bourse/actualites/boucle-{ID_A}/"
LOOP_B = f"/bourse/actualites/rebond-{ID_B}/"
SELF = f"/bourse/actualites/soi-meme-{ID_C}/"


def _to(location: str):
    return page("", 302, {"Location": location})


def test_a_redirect_loop_is_a_counted_failed_page(tmp_path):
    with ScriptedServer() as server:
        server.routes[LOOP_A] = _to(LOOP_B)
        server.routes[LOOP_B] = _to(LOOP_A)
        server.routes[SELF] = _to(SELF + "?again=1")
        server.routes[SELF + "?again=1"] = _to(SELF)
        urls = ",".join(server.url(path) for path in (LOOP_A, SELF))
        result = crawl(tmp_path, {"start_urls": urls}, spider=SPIDER)
    stats = result["stats"]
    assert stats.get("newscrawl/failed/redirect_loop") == 2, stats
    assert stats.get("newscrawl/failed") == 2
    assert not result["items"]


def test_a_redirect_to_an_unreadable_location_is_a_counted_failed_page(tmp_path):
    with ScriptedServer() as server:
        server.routes[LOOP_A] = _to("http://[bad/bourse/actualites/x-" + ID_B)
        result = crawl(tmp_path, {"start_urls": server.url(LOOP_A)}, spider=SPIDER)
    stats = result["stats"]
    assert stats.get("newscrawl/failed/bad_redirect") == 1, stats
    assert stats.get("newscrawl/failed") == 1
    assert not result["items"]


def _cut(full: bytes, times: int, *, the_same: bool):
    """The page cut short, with a Content-Length that says that is all, ``times`` times
    (cut at the same place each time, or each time a little further); then whole."""
    served = []

    def route(handler):
        served.append(handler.path)
        end = len(full) // 2 + (0 if the_same else 100 * len(served))
        send(handler, 200, full[:end] if len(served) <= times else full)

    return route


def _crawl_a_page_cut(tmp_path, times: int, *, the_same: bool = False) -> dict:
    """A crawl of one article page served cut ``times`` times."""
    site, _ = build_site()
    article = next(iter(site.articles.values()))
    with ScriptedServer() as server:
        full = render.article_page(article, site).encode("utf-8")
        server.routes[article.path] = _cut(full, times, the_same=the_same)
        return crawl(tmp_path, {"start_urls": server.url(article.path)}, spider=SPIDER)


def test_a_page_cut_short_is_asked_again_and_emitted_whole(tmp_path):
    result = _crawl_a_page_cut(tmp_path, times=1)
    stats = result["stats"]
    assert stats.get("retry/reason_count/truncated_html") == 1, stats
    [item] = result["items"]
    assert item["comments"] and item["related"]  # in the page's second half
    assert "newscrawl/failed/not_an_article/truncated" not in stats


def test_a_page_never_whole_and_never_the_same_is_a_counted_failed_page(tmp_path):
    result = _crawl_a_page_cut(tmp_path, times=99)
    stats = result["stats"]
    assert stats.get("newscrawl/failed/not_an_article/truncated") == 1, stats
    assert not result["items"]


def test_a_page_without_its_end_that_comes_back_the_same_is_taken_and_counted(tmp_path):
    # HTML may leave </html> out: one more fetch, then the page as it is, counted.
    result = _crawl_a_page_cut(tmp_path, times=99, the_same=True)
    stats = result["stats"]
    assert stats.get("retry/reason_count/truncated_html") == 1, stats
    assert stats.get("newscrawl/pages/without_html_end") == 1
    [item] = result["items"]
    assert item["title"] and item["body"]
    assert "newscrawl/failed/not_an_article/truncated" not in stats


def test_too_many_redirects_is_a_counted_failed_page(tmp_path):
    # A chain without a loop that outlasts REDIRECT_MAX_TIMES: Scrapy's own refusal.
    with ScriptedServer() as server:
        hops = [f"/bourse/actualites/etape-{n}-{ID_A}/" for n in range(5)]
        for here, there in zip(hops, hops[1:], strict=False):
            server.routes[here] = _to(there)
        server.routes[hops[-1]] = page(html("fin"))
        result = crawl(
            tmp_path, {"start_urls": server.url(hops[0])}, {"REDIRECT_MAX_TIMES": "2"}, SPIDER
        )
    assert result["stats"].get("newscrawl/failed/too_many_redirects") == 1, result["stats"]


def test_an_offsite_twin_listed_first_does_not_hide_the_article(tmp_path):
    site, _ = build_site()
    root = next(iter(site.listings))
    article_id = site.listings[root][0]
    article = site.articles[article_id]
    twin = f"https://partenaire.example/bourse/actualites/copie-{article_id}/"
    listing = render.listing_page(site, root, 1, 1, [article_id], [])
    (twin_line,) = re.findall(
        r'<li class="c-list-news__line.*?</li>',
        render.listing_page(site, root, 1, 1, [], [twin]),
        re.S,
    )
    # The partner's link, same 32-hex id, comes first in the page.
    first = listing.index('<li class="c-list-news__line')
    listing = listing[:first] + twin_line + listing[first:]
    routes = site.routes()
    routes[root] = (200, {"Content-Type": "text/html; charset=utf-8"}, listing.encode())
    site.routes = lambda: routes
    with SiteServer(site) as server:
        args = {"start_urls": server.url(root), "max_pages": "1"}
        result = crawl(tmp_path, args, {"DEPTH_LIMIT": "1"}, spider=SPIDER)
        fetched = server.requests[article.path]
    urls = {item["article_id"]: item["url"] for item in result["items"]}
    assert fetched == 1
    assert urls == {article_id: server.url(article.path)}


# --- a truncated replay archive --------------------------------------------------------------

SAMPLE = ROOT / "data" / "sample"


def _truncated_archive(folder: Path) -> Path:
    folder.mkdir()
    (source,) = SAMPLE.glob("*.warc.gz")
    data = source.read_bytes()
    (folder / source.name).write_bytes(data[: len(data) * 6 // 10])
    return folder


def _replay(tmp_path: Path, archive: Path, **settings):
    crawls = Crawls(tmp_path, (SAMPLE / "start_urls.txt").read_text().strip())
    return crawls.run({}, {"NEWSCRAWL_REPLAY": str(archive), **settings})


def test_a_truncated_replay_archive_fails_the_run(tmp_path):
    run = _replay(tmp_path / "cut", _truncated_archive(tmp_path / "archive"))
    assert run.returncode == 1, run.tail
    assert run.summary["status"] == "failed"
    assert "replay archive damaged" in run.summary["problems"]
    assert "stopped reading at a damaged record" in run.log


def test_a_truncated_archive_declared_partial_is_replayed_as_it_is(tmp_path):
    archive = _truncated_archive(tmp_path / "archive")
    run = _replay(tmp_path / "cut", archive, NEWSCRAWL_REPLAY_PARTIAL="True")
    assert run.returncode == 0, run.tail
    assert run.summary["status"] == "ok"
    assert "stopped reading at a damaged record" in run.log  # still warned


def test_control_the_whole_archive_replays_ok(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "archive")
    run = _replay(tmp_path / "whole", tmp_path / "archive")
    assert run.returncode == 0, run.tail
    assert run.summary["status"] == "ok"
