"""Downloader middlewares: crawls stay on the public web, and re-crawls ask only for
what changed."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawlers.state import CrawlState


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
