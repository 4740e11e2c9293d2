"""Build a sample WARC archive: serve a site on 127.0.0.1 and capture a crawl of it.

    python scripts/make_sample.py [--out data/sample]

Re-runnable: each run replaces the archive in ``--out``. The crawl is the project's
``boursorama`` spider with ``-s NEWSCRAWL_ARCHIVE``, so the archive is exactly what a user's
capture would hold. With an ``origin``, every URL is fetched from that local server while
the records keep the URLs the spider asked for (``https://www.boursorama.com/...``), so the
sample replays with the site's real start URLs:

    scrapy crawl boursorama -a start_urls="$(cat data/sample/start_urls.txt)" \\
        -s NEWSCRAWL_REPLAY=data/sample
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_ORIGIN = "https://www.boursorama.com"
ORIGIN_SETTING = "NEWSCRAWL_SAMPLE_ORIGIN"
LOG_NAME = "capture.log"


class LocalOriginHandler(HTTP11DownloadHandler):
    """Fetches every http(s) URL from the server at ``NEWSCRAWL_SAMPLE_ORIGIN``.

    It sits below the downloader middlewares, so capture, redirects and robots.txt all see
    the URL the spider asked for; only the connection goes to the local copy.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.origin = crawler.settings.get(ORIGIN_SETTING).rstrip("/")

    async def download_request(self, request):
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = await super().download_request(request.replace(url=self.origin + target))
        return response.replace(url=request.url)


@dataclass
class Capture:
    files: list[Path]
    log: Path
    returncode: int


def capture(
    start_urls: list[str],
    out_dir: str | Path,
    *,
    origin: str | None = None,
    spider: str = "boursorama",
    settings: dict[str, str] | None = None,
    timeout: float = 600,
) -> Capture:
    """Crawl ``start_urls`` with ``spider`` in a subprocess, capturing into ``out_dir``.

    ``out_dir``'s WARC files are replaced only when the crawl succeeds. ``origin`` (e.g.
    ``http://127.0.0.1:8123``) serves every URL, see :class:`LocalOriginHandler`.
    """
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="newscrawl-sample-") as work:
        work = Path(work)
        merged = {
            "NEWSCRAWL_ARCHIVE": str(work / "warc"),
            "NEWSCRAWL_ARCHIVE_PREFIX": "sample",
            # Feeds, state and corpus of this run are by-products: keep them out of data/.
            "NEWSCRAWL_FEEDS_DIR": str(work / "feeds"),
            "NEWSCRAWL_STATE_DIR": str(work / "state"),
            "NEWSCRAWL_STORE": f"sqlite:///{work / 'corpus.sqlite3'}",
            # The log stays beside the archive: it tells how the sample was made.
            "LOG_FILE": str(out_dir / LOG_NAME),
            "LOG_FILE_APPEND": "False",
            **(settings or {}),
        }
        if origin:
            handler = f"{Path(__file__).stem}.{LocalOriginHandler.__name__}"
            merged |= {
                ORIGIN_SETTING: origin,
                # The SSRF guard refuses loopback addresses unless told this one is wanted.
                "NEWSCRAWL_ALLOWED_HOSTS": urlsplit(origin).hostname,
                "DOWNLOAD_HANDLERS": f'{{"http": "{handler}", "https": "{handler}"}}',
                # A local server needs no politeness.
                "DOWNLOAD_DELAY": "0",
                "AUTOTHROTTLE_ENABLED": "False",
            }
        command = [sys.executable, "-m", "scrapy", "crawl", spider]
        command += ["-a", "start_urls=" + ",".join(start_urls)]
        for name, value in merged.items():
            command += ["-s", f"{name}={value}"]
        path = os.pathsep.join([str(ROOT), str(Path(__file__).parent)])
        env = {**os.environ, "PYTHONPATH": path + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out_dir.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(command, cwd=ROOT, env=env, timeout=timeout)
        files = sorted((work / "warc").glob("*.warc.gz"))
        if done.returncode != 0 or not files:
            return Capture([], out_dir / LOG_NAME, done.returncode or 1)
        for old in out_dir.glob("*.warc.gz"):
            old.unlink()
        kept = [Path(shutil.move(str(path), out_dir / path.name)) for path in files]
        (out_dir / "start_urls.txt").write_text(",".join(start_urls) + "\n", encoding="utf-8")
        return Capture(kept, out_dir / LOG_NAME, 0)


@contextlib.contextmanager
def local_site() -> Iterator[tuple[str, list[str]]]:
    """The generated copy of the site (tests/site) on 127.0.0.1: (origin, listing paths)."""
    sys.path.insert(0, str(ROOT))
    from tests.site.model import build_sample_site
    from tests.site.server import SiteServer

    site = build_sample_site()
    with SiteServer(site) as server:
        yield server.base_url, list(site.listings)


def serve_and_capture(out_dir: str | Path, public_origin: str = PUBLIC_ORIGIN) -> Capture:
    """Serve the local site and capture a crawl of its listings under ``public_origin``."""
    with local_site() as (origin, paths):
        return capture([public_origin + path for path in paths], out_dir, origin=origin)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "data" / "sample"), help="archive folder")
    options = parser.parse_args(argv)
    result = serve_and_capture(options.out)
    if result.returncode:
        print(f"crawl failed, see {result.log}", file=sys.stderr)
        return result.returncode
    for path in result.files:
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
