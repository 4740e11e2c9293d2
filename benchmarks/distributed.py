"""Distributed-mode scaling: pages per second of 1, 2 and 4 workers on one site, in one run,
with the shared host budget off and on; and the Redis memory of the frontier.

    python -m benchmarks.distributed [--articles 300] [--workers 1,2,4] [--budget 5]
    python -m benchmarks.distributed --sizing 1000000

With ``--budget R`` (requests/s on the site's host, 0 = skip) every worker count runs a
second time under that budget, on the first ``--budget-pages`` page(s) of each listing (a
budget below what one worker can fetch takes long): the site should then see about R
pages/s, not N x R.
``--sizing N`` fills a private redis-server with N synthetic queued requests, N leases and N
seen fingerprints and prints the bytes each costs (INFO memory), extrapolated to 10 million.

The generated benchmark site (tests/site, ~80 KB article pages) is written to a temporary
folder and served by nginx (Debian's nginx-light; ``apt-get install nginx-light``), which
uses next to no CPU, so the workers have the machine's cores to themselves. Without nginx
it falls back to the test suite's threaded Python server and says so: that server competes
with the workers for the CPU and flattens the scaling.

A private redis-server holds the frontier. Each run is a new crawl id; its clock starts once
every worker has registered (process start-up is not crawling) and stops when nothing is
queued or leased any more (the workers' exit, MAX_IDLE_TIME_BEFORE_CLOSE later, is not
counted). Pages are the requests handled in between, read from Redis. A plain
single-process crawl (no Redis, timed from process start to exit, start-up included) is
printed for reference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis as redis_py
from scrapy import Request, Spider

from benchmarks.common import unthrottled
from newscrawl.distributed.frontier import LeasedQueue
from newscrawl.distributed.keys import SEEN_BUCKET_BITS, CrawlKeys
from tests.site.model import SAMPLE_LISTINGS, build_bench_site
from tests.site.server import SiteServer
from tests.support.distributed_support import RedisServer, free_port, worker_command

ROOT = Path(__file__).resolve().parent.parent
COMMON = {
    **unthrottled(16),
    # Every run crawls every page: with the crawl state on, a run would skip what the one
    # before emitted (the Redis state is shared by all the distributed runs).
    "NEWSCRAWL_INCREMENTAL": "False",
    # The scaling of the crawl, not of a store: a distributed crawl takes a PostgreSQL store
    # or none, and the plain run must not write into the project's data/corpus.sqlite3.
    "NEWSCRAWL_STORE": "",
}

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type text/html;
    charset utf-8;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/site;
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


class NginxSite:
    """The site's pages as files under a temp folder, served by nginx on 127.0.0.1."""

    def __init__(self, site, tmp: Path):
        self.tmp = tmp
        self.port = free_port()
        for path, (status, _headers, body) in site.routes().items():
            if status != 200:
                raise ValueError(f"nginx serves static pages only, not a {status} at {path}")
            target = tmp / "site" / path.lstrip("/")
            if path.endswith("/"):
                target = target / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
        # nginx's workers run as an unprivileged user: the pages must be readable by it.
        for folder, _, files in os.walk(tmp):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
        (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=self.port))
        self.process: subprocess.Popen | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> NginxSite:
        command = ["nginx", "-c", str(self.tmp / "nginx.conf"), "-p", str(self.tmp)]
        self.process = subprocess.Popen(command)
        for _ in range(100):
            if (self.tmp / "nginx.pid").exists():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {self.tmp / 'nginx-error.log'}")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGQUIT)
        self.process.wait(timeout=30)


def bench_site(articles: int):
    """tests/site's benchmark site, its articles dealt over the real crawl's five listings.

    One long listing would make the crawl a chain: page N+1 is only known once page N is
    parsed, and a parsed page waits behind the responses a worker already holds, so a
    second worker would mostly wait for links.
    """
    return build_bench_site(articles, listings=SAMPLE_LISTINGS)


def spider_args(start_url: str, max_pages: int) -> dict[str, str]:
    return {"start_urls": start_url, "max_pages": str(max_pages)}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def pages_of(out: Path) -> int:
    stats = json.loads(out.read_text(encoding="utf-8"))["stats"]
    return stats.get("newscrawl/pages/article", 0) + stats.get("newscrawl/pages/listing", 0)


def plain_run(start_url: str, max_pages: int, work: Path) -> dict:
    out = work / "plain.json"
    settings = {
        **COMMON,
        "NEWSCRAWL_FEEDS_DIR": str(work / "feeds"),
        "NEWSCRAWL_STATE_DIR": str(work / "state-plain"),
    }
    started = time.perf_counter()
    command = worker_command(out, spider_args(start_url, max_pages), settings)
    subprocess.run(command, cwd=ROOT, env=_env(), check=True)
    seconds = time.perf_counter() - started
    return {"pages": pages_of(out), "seconds": seconds}


def distributed_run(
    count: int, start_url: str, max_pages: int, redis, work: Path, extra: dict[str, str]
) -> dict:
    crawl = f"bench-{count}-{len(extra)}-{os.getpid()}"
    keys = CrawlKeys(crawl)
    client = redis.client()
    # -> {requests ever queued (the seen set), requests queued or leased now, workers}
    probe = client.register_script(
        "local n = redis.call('ZCARD', KEYS[1]) "
        "local workers = redis.call('SMEMBERS', KEYS[2]) "
        "for _, w in ipairs(workers) do "
        "n = n + redis.call('ZCARD', ARGV[1] .. 'leased:' .. w) end "
        "return {tonumber(redis.call('GET', KEYS[3]) or '0'), n, #workers}"
    )
    processes, outs = [], []
    for number in range(count):
        out = work / f"{crawl}-{number}.json"
        settings = {
            **COMMON,
            "NEWSCRAWL_REDIS_URL": redis.url,
            "NEWSCRAWL_REDIS_CRAWL": crawl,
            "MAX_IDLE_TIME_BEFORE_CLOSE": "2",
            "NEWSCRAWL_FEEDS_DIR": str(work / "feeds"),
            "NEWSCRAWL_STATE_DIR": str(work / f"state-{crawl}-{number}"),
            **extra,
        }
        command = worker_command(out, spider_args(start_url, max_pages), settings)
        processes.append(subprocess.Popen(command, cwd=ROOT, env=_env()))
        outs.append(out)
    # The clock starts once every worker is up (start-up is not crawling) and stops when
    # nothing is queued or leased; pages are the requests handled in between.
    started = finished = None
    done_before = 0
    while finished is None:
        seen, outstanding, registered = probe(
            keys=[keys.queue, keys.workers, keys.seen_count], args=[keys.base]
        )
        now = time.perf_counter()
        if started is None and seen and registered == count:
            started, done_before = now, seen - outstanding
        elif started is not None and not outstanding:
            finished = now
        if any(p.poll() not in (None, 0) for p in processes):
            raise RuntimeError("a worker failed")
        time.sleep(0.1)
    for process in processes:
        if process.wait(timeout=300) != 0:
            raise RuntimeError("a worker failed")
    parsed = sum(pages_of(out) for out in outs)
    return {"pages": seen - done_before, "parsed": parsed, "seconds": finished - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--budget-pages", type=int, default=1)
    parser.add_argument("--sizing", type=int, default=0)
    parser.add_argument("--sizing-rows", default="queued,lease,seen,set")
    options = parser.parse_args()
    if options.sizing:
        sizing(options.sizing, options.sizing_rows.split(","))
        return
    counts = [int(n) for n in options.workers.split(",")]
    site = bench_site(options.articles)
    max_pages = max(len(site.listing_pages(root)) for root in site.listings)
    print(
        f"site: {options.articles} articles, {len(site.listings)} listings of up to "
        f"{max_pages} pages; {os.cpu_count()} CPUs"
    )
    modes = [("budget off", {}, max_pages)]
    if options.budget > 0:
        budget = {"NEWSCRAWL_HOST_RATE": str(options.budget)}
        modes.append((f"budget {options.budget:g}/s", budget, options.budget_pages))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # nginx's unprivileged workers read the pages below it
        if shutil.which("nginx"):
            server = NginxSite(site, work / "nginx")
            print("server: nginx (static files, 1 worker process)")
        else:
            server = SiteServer(site)
            print("server: nginx not found, Python ThreadingHTTPServer (competes for CPU)")
        redis = RedisServer(work / "redis").start()
        try:
            with server:
                start_url = ",".join(server.url(root) for root in site.listings)
                plain = plain_run(start_url, max_pages, work)
                rate = plain["pages"] / plain["seconds"]
                print(
                    f"plain, 1 process: {plain['pages']} pages in {plain['seconds']:.1f} s "
                    f"(start-up included) = {rate:.1f} pages/s"
                )
                for mode, extra, pages in modes:
                    base = None
                    for count in counts:
                        run = distributed_run(count, start_url, pages, redis, work, extra)
                        rate = run["pages"] / run["seconds"]
                        base = base or rate
                        print(
                            f"{mode}, {count} worker(s): {run['pages']} pages in "
                            f"{run['seconds']:.1f} s = {rate:.1f} pages/s, x{rate / base:.2f} "
                            f"of {counts[0]} worker(s) ({run['parsed']} pages parsed in all)"
                        )
        finally:
            redis.stop()


# --- sizing -----------------------------------------------------------------------------------

TEN_MILLION = 10_000_000


class _SizingSpider(Spider):
    name = "boursorama"

    def parse_article(self, response):
        pass

    def on_error(self, failure):
        pass


def sizing(count: int, only: list[str]) -> None:
    """Bytes of Redis memory per queued request, per lease and per seen fingerprint."""
    spider = _SizingSpider()
    keys = CrawlKeys("sizing")
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis").start()
        try:
            # No socket timeout: emptying a million entries takes a while on a busy machine.
            client = redis_py.Redis.from_url(redis.url, socket_timeout=None)
            client.config_set("appendonly", "no")  # memory, not disk, is measured
            queue = LeasedQueue(client, spider, keys, "w", 60_000)

            def member(i: int) -> bytes:
                article_id = hashlib.md5(str(i).encode()).hexdigest()  # noqa: S324 (an id)
                url = f"https://www.boursorama.com/bourse/actualites/un-titre-{i}-{article_id}"
                meta = {"page_kind": "article", "article_id": article_id, "depth": 1}
                request = Request(
                    url, callback=spider.parse_article, errback=spider.on_error, meta=meta
                )
                return queue.encode(request)

            def fingerprint(i: int) -> str:
                return hashlib.sha1(str(i).encode()).hexdigest()  # noqa: S324 (an id)

            # As many fingerprints a bucket as at 10 million: fewer buckets for fewer entries.
            bits = SEEN_BUCKET_BITS - max(0, round(math.log2(TEN_MILLION / count)))

            def seen(pipe, i):
                bucket, field = keys.seen_slot(fingerprint(i), bits)
                pipe.hsetnx(bucket, field, b"")

            rows = [
                (
                    "queued",
                    "queued request",
                    lambda pipe, i: pipe.zadd(keys.queue, {member(i): -1}),
                ),
                (
                    "lease",
                    "lease (1,000 workers)",
                    lambda pipe, i: pipe.zadd(keys.leased(f"w{i % 1000}"), {member(i): -1}),
                ),
                ("seen", "seen fingerprint (buckets)", seen),
                ("set", "seen fingerprint (one set of hex, before)", lambda pipe, i: pipe.sadd(
                    keys.seen, fingerprint(i)
                )),
            ]  # fmt: skip
            print(
                f"{count:,} entries each; request member {len(member(1))} bytes; "
                f"2**{bits} seen buckets ({count / 2**bits:.0f} fingerprints each; "
                f"{TEN_MILLION / 2**SEEN_BUCKET_BITS:.0f} at 10 million in 2**{SEEN_BUCKET_BITS})"
            )
            print("| entry | bytes each | at 10 million |")
            print("| --- | ---: | ---: |")
            for row, name, add in rows:
                if row not in only:
                    continue
                client.flushall()
                before = client.info("memory")["used_memory"]
                for start in range(0, count, 10_000):
                    pipe = client.pipeline(transaction=False)
                    for i in range(start, min(count, start + 10_000)):
                        add(pipe, i)
                    pipe.execute()
                each = (client.info("memory")["used_memory"] - before) / count
                print(f"| {name} | {each:.0f} | {each * TEN_MILLION / 2**30:.2f} GiB |")
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
