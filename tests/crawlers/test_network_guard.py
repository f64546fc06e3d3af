"""The network guard: a crawl reaches only public internet addresses unless its source
allows private networks. Crawls here only ever reach 127.0.0.1: the other addresses are
checked without sending anything to them."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawlers.middlewares import is_public, private_address, resolve
from crawlers.run import crawl_source
from crawlers.settings import crawl_settings
from tests.crawlers.forum_server import Forum
from tests.local_server import serve
from veille.core.config import Source
from veille.demo.server import HTML, Page, Request

NOT_PUBLIC = [
    "127.0.0.1", "127.255.255.254", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata
    "100.64.0.1", "100.100.100.200",  # carrier-grade NAT: some clouds' metadata
    "192.0.0.1", "192.0.2.1", "198.18.0.1", "198.51.100.1", "203.0.113.1",
    "224.0.0.1", "239.255.255.250",  # multicast
    "240.0.0.1", "255.255.255.255",
    "::", "::1", "fe80::1", "fe80::1%1", "fc00::1", "fd12:3456::1",
    "fec0::1",  # site-local
    "ff02::1", "ff0e::1",  # multicast
    "2001:db8::1", "100::1", "4000::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.100.100.200",  # IPv4-mapped
    "2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::",  # 6to4 of 127/8, 10/8, 169.254/16
    "64:ff9b::7f00:1", "64:ff9b::a00:1",  # NAT64 of 127.0.0.1, 10.0.0.1
    "64:ff9b:1::808:808",  # local-use NAT64: the IPv4 address inside cannot be known
    "::7f00:1", "::808:808",  # IPv4-compatible (deprecated)
]  # fmt: skip

PUBLIC = [
    "8.8.8.8", "1.1.1.1", "93.184.215.14", "100.63.255.255", "100.128.0.0",
    "2606:4700:4700::1111", "2a00:1450:4007:80f::200e",
    "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808",
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_only_public_addresses_pass(text: str):
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str):
    assert is_public(ipaddress.ip_address(text))


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_is_judged_the_same_in_every_ipv6_wrapping(address):
    value = int(address)
    wrapped = [
        ipaddress.IPv6Address(0xFFFF << 32 | value),  # IPv4-mapped
        ipaddress.IPv6Address(0x2002 << 112 | value << 80),  # 6to4
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | value),  # NAT64
    ]
    assert {is_public(w) for w in wrapped} == {is_public(address)}


@given(st.ip_addresses())
def test_a_public_address_is_in_no_special_range(address):
    if address.version == 6:  # judged by the IPv4 address it carries, when it carries one
        nat64 = address in ipaddress.ip_network("64:ff9b::/96")
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if nat64 else None
        address = address.ipv4_mapped or address.sixtofour or inner or address
    if is_public(address):
        assert not (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
            or address in ipaddress.ip_network("100.64.0.0/10")
            or (address.version == 6 and address.is_site_local)
        )


def test_loopback_spellings_resolve_to_loopback_without_a_lookup():
    for host in ["127.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost."]:
        assert resolve(host) == [ipaddress.ip_address("127.0.0.1")], host


def test_a_host_that_cannot_be_resolved_is_not_let_through():
    # A failed lookup of a real name would need a DNS server; these tests send nothing
    # but to loopback, so the resolver fails here as the system's does.
    def failing(host: str) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(OSError):
        private_address("blog.example.org", failing)
    with pytest.raises(OSError):
        private_address("blog.example.org", lambda host: [])
    with pytest.raises(OSError):
        private_address("")


def test_every_address_of_a_host_must_be_public():
    public, loopback = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("127.0.0.1")
    assert private_address("blog.example.org", lambda host: [public]) is None
    assert private_address("blog.example.org", lambda host: [public, loopback]) == loopback


def feed_source(urls: list[str], **fields: Any) -> Source:
    return Source.model_validate(
        {"id": "guarded", "kind": "feed", "start_urls": urls, "limits": {"retries": 0}, **fields}
    )


def test_loopback_spellings_are_refused_before_any_request(tmp_path: Path):
    forum = Forum()
    with serve(forum) as base:
        port = base.rsplit(":", 1)[1]
        hosts = [
            "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "0.0.0.0",
            "[::1]", "[::ffff:127.0.0.1]", "localhost", "localhost.", "a.localhost",
            "user:secret@127.0.0.1", "blog.example.org@127.0.0.1",
        ]  # fmt: skip
        urls = [f"http://{host}:{port}/feed/{n}" for n, host in enumerate(hosts)]
        result = crawl_source(feed_source(urls), tmp_path)
    assert forum.requests == []
    assert not result.ok
    assert (result.problem or "").startswith(f"refused {len(urls)} requests: http://")
    log = (tmp_path / "guarded.log").read_text()
    assert "Traceback" not in log
    records = [line for line in log.splitlines() if line.startswith("20")]  # not the stats
    refusals = [line for line in records if "on a private or loopback network" in line]
    assert len(refusals) == len(urls)
    for n in range(len(urls)):
        assert sum(f"/feed/{n} is on" in line for line in refusals) == 1, n


class _Site:
    """A page, a redirect and a bodiless 304: each kind of answer must carry the
    connection's address."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, int]] = []

    def answer(self, request: Request) -> Page:
        if request.target == "/redirect":
            return Page(HTML, b"", 302, location="/target")
        if request.target == "/not-modified":
            return Page(HTML, b"", 304)
        return Page(HTML, b"<html><head><title>t</title></head><body><p>page</p></body></html>")

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@contextmanager
def site() -> Iterator[tuple[str, _Site]]:
    pages = _Site()
    with serve(pages) as base:
        yield base, pages


def test_an_answer_from_a_private_peer_is_dropped(tmp_path: Path):
    """As if the first check had been fooled (a DNS server that answers a public address
    to it and 127.0.0.1 to the connection): with that check removed, the address the
    connection used still keeps every answer from the crawl."""
    with site() as (base, pages):
        source = feed_source([f"{base}/redirect", f"{base}/not-modified", f"{base}/page"])
        middlewares = dict(crawl_settings(source, None)["DOWNLOADER_MIDDLEWARES"])
        middlewares["crawlers.middlewares.NetworkGuardMiddleware"] = None
        result = crawl_source(source, tmp_path, settings={"DOWNLOADER_MIDDLEWARES": middlewares})
    assert "/page" in pages.paths()  # the requests went out: the first check was off
    assert "/target" not in pages.paths()  # the redirect was dropped, not followed
    assert not result.ok and result.path is None
    assert (result.problem or "").startswith("refused ")
    assert "was answered from 127.0.0.1" in (result.problem or "")
    log = (tmp_path / "guarded.log").read_text()
    assert "Traceback" not in log
    for path in ("/redirect", "/not-modified", "/page"):
        assert f"{path} was answered from 127.0.0.1, on a private or loopback network" in log


def test_a_source_that_allows_private_networks_is_crawled(tmp_path: Path):
    with site() as (base, pages):
        source = feed_source([f"{base}/page"], allow_private_network=True)
        result = crawl_source(source, tmp_path)
    assert pages.paths() == ["/robots.txt", "/page"]
    assert result.pages == 1  # the page reached the spider (which finds it no feed)
    assert "refused" not in (tmp_path / "guarded.log").read_text()
