"""Cookies and Authorization never follow a redirect to another host; the Scrapy pin.

Scrapy has stripped them since the fixes for GHSA-cjvr-mfj7-j4j8 (Cookie, 2.6.0),
GHSA-cw9j-q3vf-hrrv (Authorization to another domain, 2.11.1) and GHSA-4qqq-9vqf-3h3f
(Authorization on a scheme or port change, 2.11.2): these tests hold any Scrapy the pin
admits to that. The same pin covers the decompression bombs of GHSA-7j7m-v7m3-jqm7
(2.11.1) and GHSA-2qfp-q593-8484 (brotli, 2.13.4 with brotli >= 1.2).
"""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement

from tests.support.crawl_runner import ROOT
from tests.support.safety import crawl
from tests.support.scripted_server import ScriptedServer, html, page

SECRET = {"Authorization": "Bearer SECRET-TOKEN"}


def _redirect(location: str):
    # The start host also sets a session cookie on the way: it must stay with that host.
    return page("", 302, {"Location": location, "Set-Cookie": "session=SECRET-COOKIE; Path=/"})


def test_credentials_do_not_cross_hosts_on_redirects(tmp_path):
    with (
        ScriptedServer(host="127.0.0.2") as other_host,
        ScriptedServer() as other_port,
        ScriptedServer() as start,
    ):
        for server in (other_host, other_port, start):
            server.routes["/landing"] = page(html("landing"))
        start.routes["/to-host"] = _redirect(other_host.url("/landing"))
        start.routes["/to-port"] = _redirect(other_port.url("/landing"))
        start.routes["/to-self"] = _redirect("/landing")
        urls = ",".join(start.url(path) for path in ("/to-host", "/to-port", "/to-self"))
        settings = {"NEWSCRAWL_ALLOWED_HOSTS": "127.0.0.2"}
        crawl(tmp_path, {"start_urls": urls, "headers": json.dumps(SECRET)}, settings)

        (host_headers,) = [h for path, h in other_host.requests if path == "/landing"]
        (port_headers,) = [h for path, h in other_port.requests if path == "/landing"]
        (self_headers,) = [h for path, h in start.requests if path == "/landing"]
    assert "Authorization" not in host_headers and "Cookie" not in host_headers
    assert "Authorization" not in port_headers
    # Control: a redirect within the same origin keeps both, so the capture does see them.
    assert self_headers["Authorization"] == SECRET["Authorization"]
    assert "SECRET-COOKIE" in self_headers["Cookie"]


def _requirement(name: str) -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (found,) = [
        Requirement(dep)
        for dep in project["project"]["dependencies"]
        if Requirement(dep).name.lower() == name
    ]
    return found


def test_the_pins_exclude_versions_with_known_leaks_and_bombs():
    scrapy = _requirement("scrapy")
    for vulnerable in ("2.5.1", "2.11.0", "2.11.1", "2.13.3"):
        assert not scrapy.specifier.contains(vulnerable), vulnerable
    assert scrapy.specifier.contains(version("scrapy"))
    brotli = _requirement("brotli")
    assert not brotli.specifier.contains("1.1.0")
    assert brotli.specifier.contains(version("brotli"))
