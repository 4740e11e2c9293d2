"""SSRF guard: links and redirects never reach private addresses or other schemes.

The start host is 127.0.0.1 (allowed because the user named it); the "other" hosts are
127.0.0.2 and ``localhost``, loopback addresses the crawl was never told about.
"""

from __future__ import annotations

import pytest

from newscrawl.middlewares.ssrf import address_block_reason
from tests.support.safety import REBIND_HOST, crawl
from tests.support.scripted_server import ScriptedServer, html, page


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link_local"),
        ("fe80::1", "link_local"),
        ("0.0.0.0", "private"),
        ("100.64.0.1", "reserved"),
        ("240.0.0.1", "private"),
        ("224.0.0.1", "reserved"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        ("not-an-ip", None),
    ],
)
def test_address_classification(address, reason):
    assert address_block_reason(address) == reason


@pytest.fixture
def sites(request):
    """Start site on 127.0.0.1 linking (and redirecting) to a second server on 127.0.0.2.

    Parametrized with False (indirect), it leaves out the ftp: and s3: links, which a crawl
    without the guard would really try (s3: looks up an Amazon host name).
    """
    remote_schemes = getattr(request, "param", True)
    with ScriptedServer(host="127.0.0.2") as other:
        other.routes["/secret"] = page(html("secret"))
        with ScriptedServer() as start:
            start.routes["/redirect"] = page("", 302, {"Location": other.url("/secret?via=30x")})
            start.routes["/local"] = page(html("local"))
            links = [
                other.url("/secret"),
                f"http://localhost:{start.port}/local",
                "/redirect",
                "file:///etc/passwd",
                "data:text/html,<title>data</title>",
            ]
            if remote_schemes:
                links += [f"ftp://127.0.0.2:{other.port}/x", "s3://bucket/key"]
            start.routes["/"] = page(html("start", links=links))
            yield start, other


def test_links_and_redirects_to_private_hosts_and_other_schemes_are_blocked(sites, tmp_path):
    start, other = sites
    result = crawl(tmp_path, {"start_urls": start.url("/")})

    assert other.paths() == []
    assert start.paths().count("/local") == 0  # localhost is 127.0.0.1 under another name
    stats = result["stats"]
    assert stats["newscrawl/blocked/loopback"] == 3  # 127.0.0.2, localhost, the redirect
    assert stats["newscrawl/blocked/scheme"] == 4  # file, data, ftp, s3
    assert [item["title"] for item in result["items"]] == ["start"]
    assert "Blocked request to http://127.0.0.2" in result["log"]


@pytest.mark.parametrize("sites", [False], indirect=True)
def test_control_without_the_guard_the_same_requests_are_sent(sites, tmp_path):
    start, other = sites
    result = crawl(tmp_path, {"start_urls": start.url("/")}, {"NEWSCRAWL_SSRF_GUARD": "False"})

    assert "/secret" in other.paths() and "/secret?via=30x" in other.paths()
    assert start.count("/local") == 1
    assert "data" in [item["title"] for item in result["items"]]
    assert not any(key.startswith("newscrawl/blocked") for key in result["stats"])


@pytest.mark.parametrize("sites", [False], indirect=True)
def test_hosts_listed_in_the_setting_are_allowed(sites, tmp_path):
    start, other = sites
    settings = {"NEWSCRAWL_ALLOWED_HOSTS": "127.0.0.2"}
    result = crawl(tmp_path, {"start_urls": start.url("/")}, settings)

    assert "/secret" in other.paths() and "/secret?via=30x" in other.paths()
    assert result["stats"]["newscrawl/blocked/loopback"] == 1  # localhost is still refused


def test_dns_rebinding_is_caught_on_the_address_actually_connected(tmp_path):
    with ScriptedServer() as start:
        start.routes["/secret"] = page(html("secret"))
        start.routes["/"] = page(html("start", links=[f"http://{REBIND_HOST}:{start.port}/secret"]))
        # robots.txt off: its own look-ups would take the first answers of the fake DNS.
        settings = {"ROBOTSTXT_OBEY": "False"}
        resolver = "tests.support.safety.RebindingResolver"
        settings["TWISTED_DNS_RESOLVER"] = resolver
        result = crawl(tmp_path, {"start_urls": start.url("/")}, settings)
        assert start.count("/secret") == 0
        assert result["stats"]["newscrawl/blocked/at_connect"] >= 1
        assert "DNS rebinding" in result["log"]

        # Control: the same DNS answers with only the before-the-request check left.
        settings["TWISTED_DNS_RESOLVER"] = "tests.support.safety.RebindingUnvettedResolver"
        crawl(tmp_path, {"start_urls": start.url("/")}, settings)
        assert start.count("/secret") == 1


def test_dns_rebinding_with_robots_txt_on_never_reaches_the_page(tmp_path):
    with ScriptedServer() as start:
        start.routes["/secret"] = page(html("secret"))
        start.routes["/"] = page(html("start", links=[f"http://{REBIND_HOST}:{start.port}/secret"]))
        settings = {"TWISTED_DNS_RESOLVER": "tests.support.safety.RebindingResolver"}
        result = crawl(tmp_path, {"start_urls": start.url("/")}, settings)
        assert start.count("/secret") == 0
    # Whichever look-up turns private (robots.txt's or the page's), the host is refused.
    assert result["stats"]["newscrawl/blocked/loopback"] >= 1
