"""Pages served on 127.0.0.1 while a `with` block runs: the demo site, the crawl bench's
board and the tests' sites all go through `serve`.

It answers as real web servers do where a crawler can tell: HTTP/1.1 with keep-alive,
an ETag on every page and 304 Not Modified to a conditional request, HEAD as well as
GET, a Location on redirects. A site is anything that maps a request to a `Page`;
`SavedPages` is the usual one, a table of pages looked up the forgiving way servers do.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from veille.core.record import SESSION_PARAMS

HTML = "text/html; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"


@dataclass(frozen=True)
class Page:
    """One answer of a served site: a resource, an error page or a redirect."""

    content_type: str
    body: bytes
    status: int = HTTPStatus.OK
    location: str | None = None  # where a redirect leads

    @cached_property
    def etag(self) -> str:
        return f'"{hashlib.sha1(self.body).hexdigest()[:20]}"'


NOT_FOUND = Page(HTML, b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
                      b"<body><h1>Not Found</h1></body></html>\n",
                 HTTPStatus.NOT_FOUND)  # fmt: skip


@dataclass(frozen=True)
class Request:
    """What a site sees of a request."""

    target: str  # path and query, as asked
    headers: Message
    base_url: str  # the server's own address, for absolute links


class Site(Protocol):
    def answer(self, request: Request) -> Page: ...


PageKey = tuple[str, tuple[tuple[str, str], ...]]


def page_key(target: str) -> PageKey:
    """A request target reduced to what identifies a page: the path with "./" and "//"
    resolved, and the query's parameters in any order, without a session id (phpBB's sid)."""
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    resolved = posixpath.normpath(path)
    if path.endswith("/") and resolved != "/":
        resolved += "/"
    # Tolerate links copied from HTML source, where "&" is written "&amp;".
    query = parts.query.replace("&amp;", "&")
    params = sorted(
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k.lower() not in SESSION_PARAMS
    )
    return resolved, tuple(params)


class SavedPages:
    """Pages by request target ("/forum/viewtopic.php?t=3"), looked up by `page_key`. A
    path asked without its trailing slash is redirected to it, as WordPress does."""

    def __init__(self, pages: Mapping[str, Page] | None = None) -> None:
        self.pages: dict[PageKey, Page] = {}
        self.update(pages or {})

    def update(self, pages: Mapping[str, Page]) -> None:
        """Add or replace pages (a site whose links hold its address is made once it is
        served)."""
        self.pages.update((page_key(target), page) for target, page in pages.items())

    def answer(self, request: Request) -> Page:
        path, params = page_key(request.target)
        page = self.pages.get((path, params))
        if page is not None:
            return page
        if not path.endswith("/") and (path + "/", params) in self.pages:
            location = path + "/" + (f"?{urlencode(params)}" if params else "")
            return Page(HTML, b"", HTTPStatus.MOVED_PERMANENTLY, location)
        return NOT_FOUND


@dataclass
class Served:
    """A site being served: its address and what it was asked."""

    base_url: str
    requests: list[tuple[str, int]] = field(default_factory=list)  # (target, status)
    connections: int = 0  # TCP connections accepted so far


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a burst of new connections must not overflow the backlog
    site: Site
    served: Served

    def process_request(self, request: Any, client_address: Any) -> None:
        self.served.connections += 1  # only the serving thread counts
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Apache or nginx
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        served = self.server.served
        page = self.server.site.answer(Request(self.path, self.headers, served.base_url))
        status, body = page.status, page.body
        headers = [("Content-Type", page.content_type)]
        if status == HTTPStatus.OK:
            headers.append(("ETag", page.etag))
            if self.headers.get("If-None-Match") == page.etag:
                status, body, headers = HTTPStatus.NOT_MODIFIED, b"", headers[1:]
        if page.location:
            headers.append(("Location", page.location))
        if status != HTTPStatus.NOT_MODIFIED:
            headers.append(("Content-Length", str(len(body))))
        served.requests.append((self.path, status))
        head = f"{self.protocol_version} {status} {HTTPStatus(status).phrase}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        # One write per answer: head and body leave in the same packet when they fit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(head.encode("latin-1") + (body if with_body else b""))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: whoever serves prints its own summary, not an access log."""


@contextmanager
def serve(
    site: Site,
    *,
    ports: Sequence[int] = (0,),
    requests: list[tuple[str, int]] | None = None,
    name: str = "veille-pages",
) -> Iterator[Served]:
    """Serve `site` on 127.0.0.1 while the block runs, on the first of `ports` that is
    free (0: any free port). Each request's target and status is appended to `requests`
    (a new list by default, in `Served.requests`)."""
    server = _bind(ports)
    served = Served(f"http://127.0.0.1:{server.server_address[1]}")
    if requests is not None:
        served.requests = requests
    server.site, server.served = site, served
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _bind(ports: Sequence[int]) -> _Server:
    for port in ports[:-1]:
        with contextlib.suppress(OSError):
            return _Server(("127.0.0.1", port), _Handler)
    return _Server(("127.0.0.1", ports[-1]), _Handler)
