"""The safety and politeness defaults users get without asking, and what reaches the wire."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scrapy.settings import Settings

from newscrawl.consoles import REMOTE_CONTROL, ConsolesAddon
from newscrawl.middlewares.useragent import user_agent_with_contact
from tests.support.crawl_runner import ENV, ROOT
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page


@pytest.fixture
def settings() -> Settings:
    project = Settings()
    project.setmodule("newscrawl.settings", priority="project")
    return project


def test_defaults_are_safe_and_polite(settings):
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getfloat("DOWNLOAD_DELAY") > 0
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("DOWNLOAD_MAXSIZE") == 10 * 1024 * 1024
    assert settings.getint("DOWNLOAD_WARNSIZE") == 2 * 1024 * 1024
    assert settings.getbool("DOWNLOAD_FAIL_ON_DATALOSS")
    assert {429, 503} <= {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
    assert settings.getbool("NEWSCRAWL_SSRF_GUARD")
    assert settings.getlist("NEWSCRAWL_ALLOWED_HOSTS") == []
    assert settings["TWISTED_DNS_RESOLVER"] == "newscrawl.middlewares.ssrf.GuardedResolver"
    assert settings.getint("NEWSCRAWL_MAX_REQUESTS") > 0
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    user_agent = settings["USER_AGENT"]
    assert user_agent.startswith("newscrawl/") and settings["NEWSCRAWL_CONTACT_URL"] in user_agent


def test_every_safety_middleware_replaces_its_scrapy_original(settings):
    middlewares = settings.getwithbase("DOWNLOADER_MIDDLEWARES")
    for original, ours in [
        ("robotstxt.RobotsTxtMiddleware", "robots.Rfc9309RobotsTxtMiddleware"),
        ("retry.RetryMiddleware", "retry.BackoffRetryMiddleware"),
        ("httpcompression.HttpCompressionMiddleware", "limits.BoundedCompressionMiddleware"),
        ("useragent.UserAgentMiddleware", "useragent.ContactUserAgentMiddleware"),
    ]:
        assert middlewares[f"scrapy.downloadermiddlewares.{original}"] is None
        assert middlewares[f"newscrawl.middlewares.{ours}"] is not None
    # The guard runs after the off-site filter and before robots.txt is fetched.
    guard = middlewares["newscrawl.middlewares.ssrf.SsrfGuardMiddleware"]
    assert middlewares["scrapy.downloadermiddlewares.offsite.OffsiteMiddleware"] < guard < 100


def test_a_contact_url_given_alone_reaches_the_user_agent(settings):
    settings.set("NEWSCRAWL_CONTACT_URL", "https://example.org/ops", priority="cmdline")
    assert user_agent_with_contact(settings) == "newscrawl/0.1 (+https://example.org/ops)"
    settings.set("USER_AGENT", "my-own-agent", priority="cmdline")
    assert user_agent_with_contact(settings) == "my-own-agent"


def test_the_server_sees_the_project_and_the_contact_url(tmp_path):
    with ScriptedServer({"/": page(html("home"))}) as site:
        settings = {"NEWSCRAWL_CONTACT_URL": "https://example.org/ops"}
        crawl(tmp_path, {"start_urls": site.url("/")}, settings)
        agents = {headers["User-Agent"] for _, headers in site.requests}
    assert agents == {"newscrawl/0.1 (+https://example.org/ops)"}  # robots.txt and page


def test_no_console_listens_unless_asked_for(tmp_path):
    consoles = ("Telnet console listening", "Remote control HTTP server listening")
    with ScriptedServer({"/": page(html("home"))}) as site:
        quiet = crawl(tmp_path, {"start_urls": site.url("/")})
        asked = crawl(
            tmp_path,
            {"start_urls": site.url("/")},
            {
                "TELNETCONSOLE_ENABLED": "True",
                "TELNETCONSOLE_PORT": "0",
                "REMOTE_CONTROL_ENABLED": "True",
                "REMOTE_CONTROL_JOBS_DIR": str(tmp_path / "jobs"),
            },
        )
    assert not any(line in quiet["log"] for line in consoles)
    assert all(line in asked["log"] for line in consoles)


def test_the_remote_console_leaves_the_extensions_only_when_off(settings):
    settings.set("EXTENSIONS", {"my.Extension": 5}, priority="cmdline")
    ConsolesAddon().update_settings(settings)
    assert REMOTE_CONTROL not in settings.getdict("EXTENSIONS_BASE")
    assert "scrapy.extensions.corestats.CoreStats" in settings.getdict("EXTENSIONS_BASE")
    assert settings.getdict("EXTENSIONS") == {"my.Extension": 5}
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set("REMOTE_CONTROL_ENABLED", True, priority="cmdline")
    ConsolesAddon().update_settings(settings)
    assert REMOTE_CONTROL in settings.getdict("EXTENSIONS_BASE")


def test_a_crawl_without_the_remote_console_never_imports_aiohttp(tmp_path):
    # Scrapy imports every listed extension's module, even one that is off.
    script = (
        "import sys\n"
        "from scrapy.utils.project import get_project_settings\n"
        "from scrapy.crawler import Crawler\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from scrapy.utils.misc import load_object\n"
        "from scrapy.addons import AddonManager\n"
        "from newscrawl.spiders.sites import BoursoramaSpider\n"
        "settings = get_project_settings()\n"
        "settings.set('REMOTE_CONTROL_ENABLED', sys.argv[1] == 'on', priority='cmdline')\n"
        "for name, folder in [('FEEDS_DIR', 'feeds'), ('STATE_DIR', 'state')]:\n"
        "    settings.set('NEWSCRAWL_' + name, sys.argv[2] + '/' + folder, priority='cmdline')\n"
        "store = 'sqlite:///' + sys.argv[2] + '/c.db'\n"
        "settings.set('NEWSCRAWL_STORE', store, priority='cmdline')\n"
        "crawler = Crawler(BoursoramaSpider, settings)\n"
        "AddonManager(crawler).load_settings(crawler.settings)\n"
        "listed = crawler.settings.get_component_priority_dict_with_base('EXTENSIONS')\n"
        "for path in build_component_list(listed):\n"
        "    load_object(path)\n"
        "print('aiohttp' in sys.modules)\n"
    )

    def imported(state: str) -> str:
        # The add-ons lock the state and open the run's folders: in tmp_path, not data/.
        command = [sys.executable, "-c", script, state, str(tmp_path / state)]
        done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    assert imported("off") == "False"
    assert imported("on") == "True"
