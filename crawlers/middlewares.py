"""Downloader middlewares: crawls stay on the public internet, and re-crawls ask only for
what changed."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThread

from crawlers.state import CrawlState

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Crawl statistics: how many requests the network guard refused, and why the first was
# (crawlers.run reports it as the crawl's problem).
REFUSED = "veille/refused"
REFUSED_REASON = "veille/refused_reason"

# The only IPv6 unicast space that is routed on the internet (RFC 4291); the rest is
# loopback, link- or site-local, unique-local, multicast, IPv4-compatible or unassigned.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
# NAT64's well-known prefix (RFC 6052): the packets go on to the IPv4 address inside.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public(address: Address) -> bool:
    """True only for an address on the public internet (an allow-list: what is not
    known to be globally routable is refused). An IPv6 address that carries an IPv4 one
    (IPv4-mapped, 6to4, NAT64) is judged by the IPv4 address it leads to."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
        return address in _GLOBAL_UNICAST_V6 and address.is_global
    # Python 3.11's is_global counts multicast (224.0.0.0/4) as global.
    return address.is_global and not address.is_multicast


def resolve(host: str) -> list[Address]:
    """Every address `host` stands for, as the connection would read it. Raises OSError
    when it cannot be resolved."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        # The legacy spellings the system resolver accepts too, read without a lookup:
        # 127.1, 2130706433, 0x7f000001 and 0177.0.0.1 are all 127.0.0.1.
        return [ipaddress.IPv4Address(socket.inet_aton(host))]
    except OSError:
        pass
    if host.rstrip(".").rsplit(".", 1)[-1] == "localhost":
        # Loopback by definition (RFC 6761), and "localhost." is not in /etc/hosts: its
        # lookup would go out to the DNS server.
        return [ipaddress.IPv4Address("127.0.0.1")]
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def private_address(
    host: str, resolver: Callable[[str], list[Address]] = resolve
) -> Address | None:
    """The first address of `host` that is not public, None when all are. Fails closed:
    raises OSError when the host has no address at all."""
    if not host:
        raise socket.gaierror(socket.EAI_NONAME, "the URL has no host")
    addresses = resolver(host)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return next((a for a in addresses if not is_public(a)), None)


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def _private_allowed(crawler: Crawler) -> bool:
    source = getattr(crawler.spider, "source", None)
    return bool(source and source.allow_private_network)


def _refuse(crawler: Crawler, reason: str) -> NoReturn:
    """Count the refusal, keep the first reason for the crawl's report, and drop the
    request: its errback logs the reason as one line (IgnoreRequest has no traceback)."""
    reason += "; set allow_private_network: true on the source if this is intended"
    if crawler.stats:
        crawler.stats.inc_value(REFUSED)
        if crawler.stats.get_value(REFUSED_REASON) is None:
            crawler.stats.set_value(REFUSED_REASON, reason)
    raise IgnoreRequest(f"refused: {reason}")


class NetworkGuardMiddleware:
    """Only http and https; hosts on private, loopback or otherwise non-public networks
    only for a source that allows them (`allow_private_network: true`).

    This is the first of two checks. Before the request is sent, every address the host
    resolves to must be public (resolved afresh for each request, never cached, and a
    host that cannot be resolved is not fetched). Scrapy resolves the host again to
    connect, and a DNS server can answer differently the second time (DNS rebinding):
    PeerAddressMiddleware then checks the address the connection actually used."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"{request.url}: only http and https URLs are crawled")
        if _private_allowed(self.crawler):
            return
        host = parts.hostname or ""
        try:
            # In a thread: a slow DNS server must not stall the whole crawl.
            found = await maybe_deferred_to_future(deferToThread(private_address, host))
        except (OSError, UnicodeError) as err:
            # Fail closed. A DNS error, so that it is retried like one.
            raise DNSLookupError(
                f"{request.url}: cannot resolve {host!r} ({err}), so it is not fetched; "
                "check the URL and this machine's DNS"
            ) from err
        if found is not None:
            where = f"{host} resolves to {found}" if _is_name(host) else str(found)
            _refuse(self.crawler, f"{request.url} is on a private or loopback network ({where})")


class PeerAddressMiddleware:
    """The second check of the network guard: a response from a connection whose peer
    is not a public address is dropped before anything reads it (the spider, the crawl
    state, redirects), for a source that does not allow private networks.

    It reads `response.ip_address`, the peer of the connection the download handler
    actually used, so it holds whatever resolved the host and however it was spelt. It
    comes after the request was sent: the first check (NetworkGuardMiddleware) keeps
    requests from going out, this one keeps a rebinding DNS server from bringing
    anything back. A response whose peer is unknown is dropped too (fail closed):
    Scrapy's HTTP/1.1 handler, which these crawls use, reports it for every answer,
    bodiless ones included. Through a proxy the peer is the proxy, which the operator
    chose, and the proxy resolves the host: such responses are not checked."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PeerAddressMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if _private_allowed(self.crawler) or request.meta.get("proxy"):
            return response
        peer = response.ip_address
        if peer is None:
            _refuse(
                self.crawler,
                f"{request.url} was fetched from an unknown address, which cannot be "
                "checked to be public (use Scrapy's default HTTP download handler)",
            )
        if not is_public(peer):
            _refuse(
                self.crawler,
                f"{request.url} was answered from {peer}, on a private or loopback network",
            )
        return response


class ConditionalRequestMiddleware:
    """Incremental crawls: a page fetched before is asked for with its validators
    (If-None-Match, If-Modified-Since), so an unchanged page costs a bodiless 304; the
    validators of every page fetched are remembered in the source's crawl state."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def _state(self) -> CrawlState | None:
        return getattr(self.crawler.spider, "state", None)

    def process_request(self, request: Request) -> None:
        state = self._state()
        if state is None or not request.meta.get("veille_conditional", True):
            return
        if urlsplit(request.url).path == "/robots.txt":
            return  # the robots middleware needs the rules themselves, every time
        etag, last_modified = state.validators(request.url)
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if last_modified:
            request.headers.setdefault("If-Modified-Since", last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        state = self._state()
        if state is None:
            return response
        stats = self.crawler.stats
        if response.status == 304:
            if stats:
                stats.inc_value("veille/not_modified")
        elif response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                state.remember_page(
                    request.url,
                    etag.decode("latin-1") if etag else None,
                    modified.decode("latin-1") if modified else None,
                )
        return response
