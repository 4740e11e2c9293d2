from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.model import build_site
from tests.site.server import SiteServer
from tests.support.crawl_runner import ROOT, crawl_in_subprocess
from tests.support.distributed_support import RedisServer, gated_local_site

# Crawls against the local site need no politeness delay and must not write into data/.
TEST_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSCRAWL_RETRY_BACKOFF_BASE": "0.05",
    "LOG_LEVEL": "INFO",
}


def _files_under(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (info.st_size, info.st_mtime_ns)
        for path in folder.rglob("*")
        if path.exists()  # a broken link in a user's data/ is theirs to keep
        for info in [path.stat()]
    }


@pytest.fixture(scope="session", autouse=True)
def project_data_untouched():
    """The project's data/ holds a user's corpus, state and feeds: tests write elsewhere.

    Two tests once wrote there (the sample's capture into data/corpus.sqlite3, add-ons run
    from the project folder into data/state and data/feeds), unseen until a user's corpus
    counted the test runs.
    """
    data = ROOT / "data"
    before = _files_under(data)
    yield
    after = _files_under(data)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"the tests changed {data}: {changed[:10]}"


@pytest.fixture
def site_server():
    site, expectations = build_site()
    with SiteServer(site) as server:
        server.expectations = expectations
        yield server


@pytest.fixture
def run_crawl(tmp_path):
    """Crawl in a subprocess; returns {"items": [...], "stats": {...}, "log": str}."""

    def run(spider_args: dict[str, str], settings: dict[str, str] | None = None, timeout=300):
        return crawl_in_subprocess(
            tmp_path, spider_args, {**TEST_SETTINGS, **(settings or {})}, timeout=timeout
        )

    return run


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real redis-server on a free 127.0.0.1 port, shared by a test module.

    Tests that stop and restart Redis override this with a fixture of their own.
    """
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def gated_site():
    """The local site behind a gate the test opens, each page 0.15 s late (distributed tests)."""
    with gated_local_site(delay=0.15) as server:
        yield server
