"""WARC capture and offline replay (newscrawl/archive*.py), end to end.

A small site on 127.0.0.1 (links, a redirect, a 404, gzip and chunked bodies, a page without
a Date header, a non-ASCII header, robots.txt) is crawled with capture on; the same crawl is
then replayed with the server stopped and must give the same items. Crawls run in
subprocesses because Twisted's reactor cannot be restarted inside pytest.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive.capture import WarcCaptureMiddleware
from newscrawl.archive.reader import ArchiveIndex, archive_files, complete_records
from newscrawl.archive.recover import recover
from newscrawl.archive.replay import WarcReplayMiddleware
from newscrawl.archive.writer import HttpExchange, RotatingWarcWriter, http_block
from newscrawl.config import ConfigError
from newscrawl.monitors.report import REPORT_HTML, REPORT_JSON
from tests.support.crawl_runner import ENV, ROOT, crawl_command, crawl_in_subprocess
from tests.support.scripted_server import ScriptedServer

DATE = "Mon, 21 Oct 2024 10:54:00 GMT"


def _page(title: str, *links: str) -> bytes:
    anchors = "".join(f'<a href="{link}">{link}</a> ' for link in links)
    return f"<html><head><title>{title}</title></head><body>{anchors}</body></html>".encode()


HTML = [("Content-Type", "text/html; charset=utf-8")]
# path -> (status, headers, body); special handling below for "/chain/<n>" and "/chunked".
ROUTES: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {
    "/robots.txt": (200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow: /private\n"),
    "/": (
        200,
        [*HTML, ("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2; Path=/")],
        _page(
            "Accueil",
            "/a",
            "/b?y=2&x=1",
            "/old",
            "/missing",
            "/gz",
            "/nodate",
            "/chunked",
            "/private",
        ),
    ),
    "/a": (200, [*HTML, ("X-Note", "caf\u00e9 cr\u00e8me")], _page("Page A", "/b?x=1&y=2")),
    # No link back to the start URL (start requests skip the duplicate filter) and only the
    # redirect leads to /c: which request comes first never changes the items.
    "/b": (200, HTML, _page("Page B", "/a")),
    "/old": (301, [("Location", "/c")], b""),
    "/c": (200, HTML, _page("Page C \u00e9t\u00e9")),
    "/missing": (404, HTML, b"<html><title>Introuvable</title></html>"),
    "/gz": (
        200,
        [*HTML, ("Content-Encoding", "gzip")],
        gzip.compress(_page("Compressée", "/a"), mtime=0),
    ),
    "/nodate": (200, HTML, _page("Sans date")),
    "/private": (200, HTML, _page("Interdit")),
}


def _respond(handler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    path = urlsplit(handler.path).path
    handler.send_response_only(status)
    if path != "/nodate":
        handler.send_header("Date", DATE)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _chunked(handler) -> None:
    handler.send_response_only(200)
    handler.send_header("Date", DATE)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for part in (b"<html><title>En ", b"morceaux</title>", b"</html>"):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
    handler.wfile.write(b"0\r\n\r\n")


def _chain_or_absent(handler) -> None:
    """``/chain/<n>`` links to ``/chain/<n+1>`` forever; any other unknown path is a 404."""
    path = urlsplit(handler.path).path
    if path.startswith("/chain/"):
        n = int(path.rsplit("/", 1)[1])
        _respond(handler, 200, HTML, _page(f"Maillon {n}", f"/chain/{n + 1}") + b" " * 2000)
    else:
        _respond(handler, 404, HTML, b"absent")


def small_site() -> ScriptedServer:
    routes = {
        path: functools.partial(_respond, status=st, headers=hd, body=bd)
        for path, (st, hd, bd) in ROUTES.items()
    }
    routes["/chunked"] = _chunked
    return ScriptedServer(routes, fallback=_chain_or_absent)


# The probe's dict items are not Articles: keep the project's pipelines and feeds out of it.
# DOWNLOADER_MIDDLEWARES and NEWSCRAWL_* come from settings.py.
PROBE = {
    "SPIDER_MODULES": "tests.support.archive_probe",
    "ITEM_PIPELINES": "{}",
    "FEEDS": "{}",
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "LOG_LEVEL": "INFO",
    "DEPTH_LIMIT": "0",
    "TELNETCONSOLE_ENABLED": "False",
}


def _probe_settings(settings: dict[str, object]) -> dict[str, str]:
    return {**PROBE, **{name: str(value) for name, value in settings.items()}}


def _probe_command(out: Path, log: Path, start: str, settings: dict[str, object]) -> list[str]:
    given = _probe_settings(settings)
    return crawl_command(out, log, log.parent, {"start_urls": start}, given, "archive_probe")


@pytest.fixture
def crawl(tmp_path):
    def run(start: str, **settings) -> dict:
        given = _probe_settings(settings)
        return crawl_in_subprocess(
            tmp_path, {"start_urls": start}, given, "archive_probe", timeout=120
        )

    return run


@pytest.fixture
def site():
    with small_site() as server:
        yield server


def _records(path: Path) -> list[tuple[str, str | None, str | None]]:
    """(WARC-Type, target URI, HTTP status) of each record of a file."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            status = record.http_headers.get_statuscode() if record.http_headers else None
            if record.rec_type == "request":
                status = None
            uri = record.rec_headers.get_header("WARC-Target-URI")
            out.append((record.rec_type, uri, status))
    return out


def _record_time(folder: Path, uri: str) -> str:
    """The WARC-Date of the response record for ``uri``, as ISO 8601 UTC to the second."""
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                target = record.rec_headers.get_header("WARC-Target-URI")
                if record.rec_type == "response" and target == uri:
                    stamp = record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
                    return datetime.fromisoformat(stamp).replace(microsecond=0).isoformat()
    raise AssertionError(f"no response record for {uri}")


def _warcio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", *args], capture_output=True, text=True, timeout=60
    )


def _by_url(items: list[dict]) -> dict[str, dict]:
    by_url = {item["url"]: item for item in items}
    assert len(by_url) == len(items), "a URL was emitted twice"
    return by_url


# --- Capture and replay --------------------------------------------------------------------


@pytest.fixture
def captured(site, crawl, tmp_path):
    """A live crawl of the small site with capture on, then the server stopped."""
    archive = tmp_path / "warc"
    live = crawl(site.base + "/", NEWSCRAWL_ARCHIVE=archive)
    hits = list(site.hits)
    site.stop()
    return {"live": live, "archive": archive, "hits": hits, "base": site.base}


def test_replay_with_server_stopped_gives_the_live_items(captured, crawl):
    live = captured["live"]
    replay = crawl(captured["base"] + "/", NEWSCRAWL_REPLAY=captured["archive"])

    live_items, replay_items = _by_url(live["items"]), _by_url(replay["items"])
    assert len(live_items) == 8  # /, a, b?y=2&x=1, c (via /old), missing, gz, nodate, chunked
    assert set(replay_items) == set(live_items)
    for url, item in live_items.items():
        for field, value in item.items():
            assert replay_items[url][field] == value, (url, field)
    # A page without a Date header: the replay (a new process, seconds later) takes the time
    # from the record, not from its own clock.
    nodate = captured["base"] + "/nodate"
    assert replay_items[nodate]["fetched_at"] == _record_time(captured["archive"], nodate)

    stats = replay["stats"]
    assert "newscrawl/replay/missing" not in stats
    # The only download "exception" is robots.txt's IgnoreRequest; a network attempt would
    # add a connection error (the server is stopped).
    errors = {k: v for k, v in stats.items() if k.startswith("downloader/exception_type")}
    assert errors == {"downloader/exception_type_count/scrapy.exceptions.IgnoreRequest": 1}
    assert stats["newscrawl/replay/hits"] == live["stats"]["newscrawl/archive/responses"]
    assert stats["robotstxt/forbidden"] == 1
    assert stats["downloader/response_status_count/301"] == 1


def test_items_cover_the_awkward_cases(captured):
    items = _by_url(captured["live"]["items"])
    base = captured["base"]
    assert items[base + "/c"]["redirect_urls"] == [base + "/old"]
    assert items[base + "/missing"]["status"] == 404
    assert "Compressée" in items[base + "/gz"]["body"].encode("latin-1").decode()
    assert items[base + "/a"]["headers"]["X-Note"] == ["caf\u00e9 cr\u00e8me"]
    assert items[base + "/"]["headers"]["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    assert items[base + "/chunked"]["title"] == "En morceaux"
    # Without a Date header fetched_at comes from the record time, not from the Date of others.
    assert items[base + "/"]["fetched_at"] == "2024-10-21T10:54:00+00:00"
    assert items[base + "/nodate"]["fetched_at"] == _record_time(
        captured["archive"], base + "/nodate"
    )
    # b was linked twice with its query in two orders: fetched once.
    assert captured["hits"].count("/b") == 1


def test_archive_holds_raw_request_response_pairs(captured):
    files = sorted(captured["archive"].iterdir())
    assert len(files) == 1 and files[0].name.endswith(".warc.gz"), files
    records = _records(files[0])
    assert records[0][0] == "warcinfo"
    base = captured["base"]
    responses = {uri: status for kind, uri, status in records if kind == "response"}
    requests = [uri for kind, uri, _ in records if kind == "request"]
    assert sorted(requests) == sorted(responses)
    assert responses[base + "/robots.txt"] == "200"
    assert responses[base + "/old"] == "301"
    assert responses[base + "/missing"] == "404"
    assert base + "/private" not in responses

    with open(files[0], "rb") as stream:
        iterator = ArchiveIterator(stream)
        by_id, gz_payload, chunked_headers = {}, None, None
        for record in iterator:
            by_id[record.rec_headers.get_header("WARC-Record-ID")] = record.rec_type
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "request":
                assert by_id[record.rec_headers.get_header("WARC-Concurrent-To")] == "response"
            elif uri == base + "/gz":
                gz_payload = record.raw_stream.read()
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
            elif uri == base + "/chunked":
                chunked_headers = record.http_headers
    # Stored as received: still gzip, and de-chunked with the framing header renamed.
    assert gzip.decompress(gz_payload).startswith(b"<html><head><title>Compress")
    # Twisted drops Transfer-Encoding: the record is de-chunked and says nothing of chunks.
    assert chunked_headers.get_header("Transfer-Encoding") is None


def test_warcio_check_and_index_accept_the_archive(captured):
    (path,) = captured["archive"].iterdir()
    checked = _warcio("check", "-v", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    records = _records(path)
    assert checked.stdout.count("digest pass") == len(records)

    indexed = _warcio("index", "-f", "warc-type,warc-target-uri,http:status", str(path))
    assert indexed.returncode == 0, indexed.stderr
    lines = [json.loads(line) for line in indexed.stdout.splitlines()]
    assert [line["warc-type"] for line in lines] == [kind for kind, _, _ in records]
    statuses = {
        line["warc-target-uri"]: line["http:status"]
        for line in lines
        if line["warc-type"] == "response"
    }
    assert statuses[captured["base"] + "/missing"] == "404"


def test_missing_url_is_a_counted_404_and_never_fetched(captured, crawl):
    base = captured["base"]
    # A live server on another port: replay must not ask it anything.
    with small_site() as site:
        result = crawl(
            f"{base}/,{base}/nowhere,{site.base}/a", NEWSCRAWL_REPLAY=captured["archive"]
        )
    assert site.hits == []
    stats = result["stats"]
    # /nowhere, and the other host's /a and its robots.txt.
    assert stats["newscrawl/replay/missing"] == 3
    assert f"Not in the replay archive, answered 404: {base}/nowhere" in result["log"]
    urls = {item["url"] for item in result["items"]}
    assert base + "/nowhere" in urls  # the probe spider accepts 404s
    missing = next(item for item in result["items"] if item["url"] == base + "/nowhere")
    assert missing["status"] == 404 and missing["headers"]["X-Newscrawl-Replay"] == ["missing"]
    assert site.base + "/a" in urls


def test_replay_with_capture_on_records_nothing_again(captured, crawl, tmp_path):
    (first,) = captured["archive"].iterdir()
    again = tmp_path / "again"
    rerun = crawl(captured["base"] + "/", NEWSCRAWL_REPLAY=first, NEWSCRAWL_ARCHIVE=again)
    # Replayed responses were not fetched now: a new record would carry a false date.
    assert rerun["stats"]["newscrawl/replay/hits"] == 10
    assert "newscrawl/archive/responses" not in rerun["stats"]
    assert not again.exists()


def _exchange(url: str, date: str, body: bytes) -> HttpExchange:
    return HttpExchange(
        url=url,
        request_block=http_block("GET / HTTP/1.1", [(b"Host", b"example.test")]),
        request_body=b"",
        response_block=http_block("HTTP/1.1 200 OK", [(b"X-Raw", b"\xe9t\xc3\xa9")]),
        response_body=body,
        warc_date=date,
    )


def test_latest_record_wins_whatever_the_file_order(tmp_path):
    for name, date, body in [
        ("new", "2025-01-02T00:00:00.000000Z", b"new"),
        ("old", "2025-01-01T00:00:00.000000Z", b"old"),
    ]:
        writer = RotatingWarcWriter(tmp_path / name, "t", 10**6, {})
        writer.write(_exchange("http://example.test/p?b=2&a=1#top", date, body))
        writer.close()
    for order in (["new", "old"], ["old", "new"]):
        index = ArchiveIndex(archive_files([str(tmp_path / name) for name in order]))
        recorded = index.get("http://example.test/p?a=1&b=2")
        assert recorded.body == b"new"
        # Header bytes come back exactly, whatever their encoding.
        assert recorded.headers == [(b"X-Raw", b"\xe9t\xc3\xa9")]
    with pytest.raises(FileNotFoundError):
        archive_files([str(tmp_path / "nope")])


# --- The middlewares in process ------------------------------------------------------------


def _crawler(**settings):
    base = {"NEWSCRAWL_ARCHIVE_MAX_SIZE": 10**6, "NEWSCRAWL_ARCHIVE_PREFIX": "t"}
    return get_crawler(settings_dict={**base, **settings})


def test_round_trip_keeps_headers_body_and_record_time(tmp_path):
    capture_crawler = _crawler(NEWSCRAWL_ARCHIVE=str(tmp_path / "w"))
    capture = WarcCaptureMiddleware.from_crawler(capture_crawler)
    url = "http://example.test/x?b=2&a=1"
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        # Twisted strips it, other download handlers may not: it must not claim chunking
        # of a de-chunked record, yet come back on replay.
        "Transfer-Encoding": "chunked",
        "X-Raw": b"\xe9t\xc3\xa9",
        "Set-Cookie": ["a=1", "b=2"],
    }
    live = HtmlResponse(url, status=203, headers=headers, body=b"<p>x</p>", protocol="HTTP/1.1")
    request = Request(url)
    assert capture.process_response(request=request, response=live) is live
    cached = HtmlResponse(url + "&c=3", body=b"old", flags=["cached"])
    capture.process_response(request=Request(url + "&c=3"), response=cached)
    capture.spider_closed(None)
    assert capture_crawler.stats.get_value("newscrawl/archive/responses") == 1

    (path,) = (tmp_path / "w").iterdir()
    with open(path, "rb") as stream:
        (response_record,) = [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
        stored = response_record.http_headers
    assert stored.get_header("Transfer-Encoding") is None
    assert stored.get_header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert stored.statusline == "203 Non-Authoritative Information"

    replay_crawler = _crawler(NEWSCRAWL_REPLAY=f"{tmp_path / 'nothing-here.warc.gz'}")
    # The setting's own rule: one line naming the missing archive.
    with pytest.raises(ConfigError, match="nothing-here.warc.gz does not exist"):
        WarcReplayMiddleware.from_crawler(replay_crawler)
    replay_crawler = _crawler(NEWSCRAWL_REPLAY=str(tmp_path / "w"))
    replay = WarcReplayMiddleware.from_crawler(replay_crawler)
    again = Request("http://example.test/x?a=1&b=2")
    replayed = replay.process_request(request=again)
    assert type(replayed) is HtmlResponse and replayed.url == again.url
    assert (replayed.status, replayed.body, replayed.protocol) == (203, b"<p>x</p>", "HTTP/1.1")
    assert replayed.headers == live.headers
    assert again.meta["newscrawl_fetched_at"] == request.meta["newscrawl_fetched_at"]
    assert replayed.flags == ["replayed"]

    gone = replay.process_request(request=Request(url + "&c=3"))
    assert gone.status == 404
    assert replay_crawler.stats.get_value("newscrawl/replay/missing") == 1
    assert replay_crawler.stats.get_value("newscrawl/replay/hits") == 1


def test_off_by_default_and_placed_next_to_the_downloader():
    settings = Settings()
    settings.setmodule("newscrawl.settings")
    project = {k: v for k, v in settings.copy_to_dict().items() if k.startswith("NEWSCRAWL_")}
    for cls in (WarcCaptureMiddleware, WarcReplayMiddleware):
        with pytest.raises(NotConfigured):
            cls.from_crawler(get_crawler(settings_dict=project))
    order = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    ours = [
        order["newscrawl.archive.capture.WarcCaptureMiddleware"],
        order["newscrawl.archive.replay.WarcReplayMiddleware"],
    ]
    others = [
        v for k, v in order.items() if not k.startswith("newscrawl.archive.") and v is not None
    ]
    # Capture sees responses before any other middleware changes them; replay answers
    # after every other middleware has prepared the request.
    assert min(ours) > max(others)
    assert ours[1] > ours[0]


# --- Rotation and interruption -------------------------------------------------------------


def test_rotation_at_a_small_bound_gives_several_valid_files(site, crawl, tmp_path):
    archive = tmp_path / "warc"
    live = crawl(site.base + "/", NEWSCRAWL_ARCHIVE=archive, NEWSCRAWL_ARCHIVE_MAX_SIZE=3000)
    files = sorted(archive.iterdir())
    assert len(files) >= 4
    assert live["stats"]["newscrawl/archive/files"] == len(files)
    assert all(path.name.endswith(".warc.gz") for path in files)
    responses = 0
    for path in files:
        records = _records(path)
        assert records[0][0] == "warcinfo"  # every file stands alone
        responses += sum(kind == "response" for kind, _, _ in records)
        if len(records) > 3:  # more than one exchange: the bound was respected
            assert path.stat().st_size <= 3000
        checked = _warcio("check", str(path))
        assert checked.returncode == 0, checked.stdout
    assert responses == live["stats"]["newscrawl/archive/responses"]

    site.stop()
    replay = crawl(site.base + "/", NEWSCRAWL_REPLAY=archive)
    assert _by_url(replay["items"]) == _by_url(live["items"])


def test_killed_capture_leaves_a_readable_open_file(site, tmp_path):
    archive = tmp_path / "warc"
    out, log = tmp_path / "killed.json", tmp_path / "killed.log"
    command = _probe_command(out, log, site.base + "/chain/0", {"NEWSCRAWL_ARCHIVE": archive})
    proc = subprocess.Popen(command, cwd=ROOT, env=ENV)
    try:
        # The chain never ends: wait until a few pages are in, then kill without warning.
        # /chain/6 is only asked for once /chain/5 went through capture to the spider.
        for _ in range(2400):
            if "/chain/6" in site.hits:
                break
            assert proc.poll() is None, log.read_text("utf-8") if log.exists() else ""
            threading.Event().wait(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)

    (path,) = archive.iterdir()
    assert path.name.endswith(".warc.gz.open")
    records = _records(path)
    chain = {uri for kind, uri, _ in records if kind == "response" and "/chain/" in uri}
    assert {f"{site.base}/chain/{n}" for n in range(6)} <= chain
    # Replay can read an unfinished file named explicitly, up to its last complete record.
    index = ArchiveIndex(archive_files([str(path)]))
    assert set(chain) <= set(index.refs)
    recorded = index.get(site.base + "/chain/0")
    assert recorded.status == 200 and b"Maillon 0" in recorded.body
    # A folder's unfinished file is left out (it may still be written) until recovered.
    assert archive_files([str(archive)]) == []
    finished, count, _ = recover(path)
    assert archive_files([str(archive)]) == [finished]
    assert finished.name == path.name.removesuffix(".open") and count >= 1 + 2 * 6
    checked = _warcio("check", str(finished))
    assert checked.returncode == 0, checked.stdout


def test_a_record_cut_anywhere_is_left_out_and_the_rest_kept(tmp_path):
    writer = RotatingWarcWriter(tmp_path / "w", "t", 10**6, {})
    bodies = {f"http://example.test/{n}": bytes([65 + n]) * 3000 for n in range(3)}
    for n, (url, body) in enumerate(bodies.items()):
        writer.write(_exchange(url, f"2025-01-0{n + 1}T00:00:00.000000Z", body))
        if n == 1:
            two_done = writer._size
    (path,) = (tmp_path / "w").iterdir()  # still .open: the writer was not closed
    data = path.read_bytes()
    first_two = set(list(bodies)[:2])
    for cut in range(two_done + 1, len(data)):
        damaged = tmp_path / f"cut{cut}.warc.gz.open"
        damaged.write_bytes(data[:cut])
        index = ArchiveIndex([damaged])
        assert first_two <= set(index.refs) <= set(bodies), cut
        for url in index.refs:
            assert index.get(url).body == bodies[url], (cut, url)
        finished, count, _ = recover(damaged)
        problems: list[str] = []
        assert len(list(complete_records(finished, problems))) == count and not problems
        assert count >= 1 + 2 * 2


# --- The project spider on the local copy of the site --------------------------------------


def _feeds(folder: Path) -> dict[str, list[str]]:
    """Each feed file of a run's single folder, as its sorted lines (row order may vary).

    The run's report beside them is left out: it names the run and its timings."""
    (run,) = (folder / "boursorama").iterdir()
    return {
        path.name: sorted(path.read_text("utf-8").splitlines())
        for path in run.iterdir()
        if path.name not in (REPORT_HTML, REPORT_JSON)
    }


def test_replayed_project_crawl_gives_the_live_feeds(site_server, run_crawl, tmp_path):
    start = ",".join(site_server.url(root) for root in site_server.site.listings)
    archive = tmp_path / "warc"
    live = run_crawl(
        {"start_urls": start},
        {
            "NEWSCRAWL_ARCHIVE": str(archive),
            "NEWSCRAWL_FEEDS_DIR": str(tmp_path / "live-feeds"),
            "NEWSCRAWL_STATE_DIR": str(tmp_path / "live-state"),
        },
    )
    site_server.stop()
    replay = run_crawl(
        {"start_urls": start},
        {
            "NEWSCRAWL_REPLAY": str(archive),
            "NEWSCRAWL_FEEDS_DIR": str(tmp_path / "replay-feeds"),
            "NEWSCRAWL_STATE_DIR": str(tmp_path / "replay-state"),
        },
    )
    assert live["items"], "the live crawl found nothing"
    key = "article_id"
    assert sorted(replay["items"], key=lambda i: i[key]) == sorted(
        live["items"], key=lambda i: i[key]
    )
    live_feeds, replay_feeds = _feeds(tmp_path / "live-feeds"), _feeds(tmp_path / "replay-feeds")
    assert len(live_feeds) >= 2 and all(live_feeds.values())
    assert replay_feeds == live_feeds
    stats = replay["stats"]
    assert stats["newscrawl/replay/hits"] == live["stats"]["newscrawl/archive/responses"]
    assert "newscrawl/replay/missing" not in stats


def _make_sample():
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "scripts/make_sample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_make_sample_records_public_urls_that_replay(tmp_path, run_crawl):
    make_sample = _make_sample()
    out = tmp_path / "sample"
    first = make_sample.serve_and_capture(out)
    assert first.returncode == 0, first.log.read_text("utf-8")[-3000:]
    again = make_sample.serve_and_capture(out)  # re-runnable: replaces, never piles up
    assert again.returncode == 0 and sorted(out.glob("*.warc.gz")) == again.files

    uris = {uri for path in again.files for kind, uri, _ in _records(path) if uri}
    assert uris and all(uri.startswith("https://www.boursorama.com/") for uri in uris)
    assert "https://www.boursorama.com/robots.txt" in uris
    for path in again.files:
        assert _warcio("check", str(path)).returncode == 0

    start = (out / "start_urls.txt").read_text("utf-8").strip()
    replay = run_crawl({"start_urls": start}, {"NEWSCRAWL_REPLAY": str(out)})
    assert replay["items"]
    assert all(item["url"].startswith("https://www.boursorama.com/") for item in replay["items"])
    assert "newscrawl/replay/missing" not in replay["stats"]


def test_the_writer_has_no_unused_current_path():
    # Nothing read it: the file in progress is only ever the ``.open`` name the writer keeps.
    assert not hasattr(RotatingWarcWriter, "current_path")


@pytest.mark.parametrize("module", ["newscrawl.archive.recover", "newscrawl.archive_recover"])
def test_recover_runs_as_a_module_under_its_new_and_old_names(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "warc.gz.open" in done.stdout
