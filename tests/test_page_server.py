"""Veille's page server (veille.demo.server), which serves the demo site, the crawl bench's
board and the tests' sites: real HTTP on 127.0.0.1, asked with http.client."""

from __future__ import annotations

from http.client import HTTPConnection
from urllib.parse import urlsplit

from veille.demo.server import HTML, Page, SavedPages, serve

PAGES = {
    "/blog/": Page(HTML, b"<html><body>le blog</body></html>"),
    "/forum/viewtopic.php?t=3&start=10": Page(HTML, b"<html><body>page 2</body></html>"),
}


def connect(base_url: str) -> HTTPConnection:
    return HTTPConnection(urlsplit(base_url).netloc, timeout=5)


def test_a_conditional_request_is_answered_304_on_the_same_kept_alive_connection():
    with serve(SavedPages(PAGES)) as served:
        connection = connect(served.base_url)
        connection.request("GET", "/blog/")
        first = connection.getresponse()
        body, etag = first.read(), first.getheader("ETag")
        connection.request("GET", "/blog/", headers={"If-None-Match": etag or ""})
        second = connection.getresponse()
        assert second.read() == b""
        connection.request("HEAD", "/blog/")
        head = connection.getresponse()
        head.read()
        connection.close()
    assert (first.status, body) == (200, PAGES["/blog/"].body)
    assert etag and etag.startswith('"')
    assert (second.status, second.getheader("ETag")) == (304, etag)
    assert (head.status, head.getheader("Content-Length")) == (200, str(len(body)))
    assert served.requests == [("/blog/", 200), ("/blog/", 304), ("/blog/", 200)]
    assert served.connections == 1  # keep-alive: three answers, one connection


def test_pages_are_found_the_forgiving_way_servers_find_them():
    with serve(SavedPages(PAGES)) as served:
        connection = connect(served.base_url)
        answers = {}
        for target in (
            "/forum/./viewtopic.php?start=10&amp;t=3&sid=0123abcd",  # order, &amp;, session
            "/blog",  # no trailing slash: redirected
            "/nowhere/",
        ):
            connection.request("GET", target)
            response = connection.getresponse()
            answers[target] = (response.status, response.getheader("Location"), response.read())
        connection.close()
    assert answers["/forum/./viewtopic.php?start=10&amp;t=3&sid=0123abcd"][0] == 200
    assert answers["/blog"][:2] == (301, "/blog/")
    assert answers["/nowhere/"][0] == 404


def test_a_busy_port_gives_way_to_the_next_one_asked():
    with serve(SavedPages(PAGES)) as first:
        busy = int(urlsplit(first.base_url).port or 0)
        with serve(SavedPages(PAGES), ports=(busy, 0)) as second:
            assert second.base_url != first.base_url
            connection = connect(second.base_url)
            connection.request("GET", "/blog/")
            assert connection.getresponse().status == 200
            connection.close()
