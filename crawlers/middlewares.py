"""Downloader middleware that keeps crawls on the public web."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest


@lru_cache(maxsize=1024)
def is_private_host(host: str) -> bool:
    """True when the host is, or resolves to, a loopback, private, link-local or
    reserved address: a crawl must not reach into the operator's own network."""
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except socket.gaierror:
            return False  # unresolvable: the download itself reports it
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return any(
        a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified
        for a in addresses
    )


class NetworkGuardMiddleware:
    """Only http and https; private and loopback addresses only for a source that
    allows them (`allow_private_network: true`)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"{request.url}: only http and https URLs are crawled")
        source = getattr(self.crawler.spider, "source", None)
        allowed = bool(source and source.allow_private_network)
        if not allowed and is_private_host(parts.hostname or ""):
            raise IgnoreRequest(
                f"{request.url}: address on a private or loopback network; set "
                "allow_private_network: true on the source if this is intended"
            )
