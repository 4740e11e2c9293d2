"""Keep every request on public http(s) addresses, unless the user named the host.

Two layers, because checking a name and connecting to it are two separate look-ups and a
hostile DNS server can answer differently each time (DNS rebinding):

* ``SsrfGuardMiddleware`` refuses a request before anything is sent (not even its
  robots.txt): a scheme other than http(s), an IP literal that is not global, or a name
  that resolves to one. It counts ``newscrawl/blocked/<reason>``.
* ``GuardedResolver`` (``TWISTED_DNS_RESOLVER``) vets the address the connection will
  actually use, so a name that turns private between the check and the connect is still
  refused.

Allowed without any check: the hosts of the spider's start URLs (``spider.start_hosts``,
else the hosts of ``spider.start_urls``) and ``NEWSCRAWL_ALLOWED_HOSTS``. Off with
``NEWSCRAWL_SSRF_GUARD = False``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from newscrawl.archive.replay import replay_paths
from newscrawl.defaults import project_settings

logger = logging.getLogger(__name__)


def address_block_reason(address: str) -> str | None:
    """Why ``address`` may not be contacted (a stats-friendly word), or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:127.0.0.1 reaches 127.0.0.1
        ip = mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_private:
        return "private"
    if ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "reserved"
    return None


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class BlockedAddressError(DNSLookupError):
    """A name resolved to an address the crawl may not reach.

    A DNSLookupError so Twisted treats it as "no address" and the connection fails quietly.
    """


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-global answers for hosts not allowed.

    The resolver is process-wide (Scrapy builds it from the process settings before any
    spider exists), so the guard middleware of each crawl registers its allowed hosts and
    its stats here when its spider opens.
    """

    def __init__(self, reactor, cache_size: int, timeout: float, enabled: bool = True):
        super().__init__(reactor, cache_size, timeout)
        self.enabled = enabled
        self.allowed_hosts: set[str] = set()
        self._stats: list = []

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.enabled = project_settings(crawler.settings).getbool("NEWSCRAWL_SSRF_GUARD")
        return resolver

    def register(self, hosts: Iterable[str], stats) -> None:
        self.allowed_hosts.update(host.lower() for host in hosts)
        self._stats.append(stats)

    def lookup(self, name: str, timeout=()):
        """The raw answer, not vetted (the middleware vets it to name the reason)."""
        return super().getHostByName(name, timeout)

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's interface)
        deferred = self.lookup(name, timeout)
        if self.enabled:
            deferred.addCallback(self._vet, name)
        return deferred

    def _vet(self, address: str, name: str) -> str:
        # No guard registered means the guard middleware is off in this process: so is this.
        if not self._stats or name.lower() in self.allowed_hosts:
            return address
        reason = address_block_reason(address)
        if reason is None:
            return address
        for stats in self._stats:
            stats.inc_value(f"newscrawl/blocked/{reason}")
            stats.inc_value("newscrawl/blocked/at_connect")
        logger.warning(
            "Blocked connection to %s: it resolved to %s address %s (DNS rebinding?)",
            name,
            reason,
            address,
        )
        raise BlockedAddressError(f"{name} resolved to {reason} address {address}")


def spider_start_hosts(spider) -> set[str]:
    hosts = getattr(spider, "start_hosts", None)
    if hosts is None:
        urls = getattr(spider, "start_urls", None) or []
        hosts = {urlsplit(url).hostname for url in urls}
    return {host.lower() for host in hosts if host}


class SsrfGuardMiddleware:
    """Refuses requests to non-http(s) schemes and to non-global addresses."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not project_settings(settings).getbool("NEWSCRAWL_SSRF_GUARD"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.schemes = {
            s.lower() for s in project_settings(settings).getlist("NEWSCRAWL_ALLOWED_SCHEMES")
        }
        self.allowed_hosts = {h.lower() for h in settings.getlist("NEWSCRAWL_ALLOWED_HOSTS")}
        # Replayed requests never reach the network: resolving their hosts would only
        # slow an offline run down.
        self.resolve = not replay_paths(settings)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.allowed_hosts |= spider_start_hosts(spider)
        resolver = self._resolver()
        if isinstance(resolver, GuardedResolver):
            resolver.register(self.allowed_hosts, self.stats)
        else:
            logger.warning(
                "TWISTED_DNS_RESOLVER is not newscrawl's GuardedResolver: addresses are "
                "checked before each request but not again when connecting"
            )
        logger.info("SSRF guard on; hosts allowed anywhere: %s", sorted(self.allowed_hosts))

    @staticmethod
    def _resolver():
        from twisted.internet import reactor

        return getattr(reactor, "resolver", None)

    async def process_request(self, request):
        parsed = urlparse_cached(request)
        if parsed.scheme.lower() not in self.schemes:
            self._block(request, "scheme", parsed.scheme)
        host = (parsed.hostname or "").lower()
        if host in self.allowed_hosts:
            return None
        if not host:
            self._block(request, "no_host", "")
        if is_ip_literal(host):
            reason = address_block_reason(host)
            if reason:
                self._block(request, reason, host)
            return None
        if self.resolve:
            address = await self._lookup(host)
            reason = address and address_block_reason(address)
            if reason:
                self._block(request, reason, f"{host} -> {address}")
        return None

    async def _lookup(self, host: str) -> str | None:
        resolver = self._resolver()
        try:
            if isinstance(resolver, GuardedResolver):
                return await maybe_deferred_to_future(resolver.lookup(host))
            from twisted.internet import reactor

            return await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:  # noqa: BLE001 (a timeout, a malformed name...)
            # No address, nothing to vet now: the download meets the same failure and is
            # counted failed; were the name to resolve by then, the resolver vets it.
            return None

    def _block(self, request, reason: str, detail: str):
        self.stats.inc_value(f"newscrawl/blocked/{reason}")
        self.stats.inc_value("newscrawl/blocked")
        logger.warning("Blocked request to %s (%s: %s)", request.url, reason, detail)
        raise IgnoreRequest(f"newscrawl SSRF guard: {reason} ({detail})")
