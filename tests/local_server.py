"""A site served on a free port of 127.0.0.1 for crawl tests. It answers conditional
requests (ETag, 304) as real servers do and logs every request it answers, so a test
can see what a crawl asked for and got.

A site is any object with `requests` (a list of (path, status)) and
`answer(path, request)`, which gives (status, body, content type) for a GET of `path`;
`request` is the handler, for its headers and its server's address."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol


class Site(Protocol):
    requests: list[tuple[str, int]]

    def answer(self, path: str, request: BaseHTTPRequestHandler) -> tuple[int, bytes, str]: ...


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        status, body, content_type = site.answer(self.path, self)
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            status = 304
        site.requests.append((self.path, status))
        self.send_response(status)
        if status in (200, 304):
            self.send_header("ETag", etag)
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The crawler may give up first (timeout, size limit).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


def base_url(request: BaseHTTPRequestHandler) -> str:
    """The served site's address, as a page links to itself."""
    return f"http://127.0.0.1:{request.server.server_address[1]}"


@contextmanager
def serve(site: Site) -> Iterator[str]:
    """Serve the site on a free port of 127.0.0.1; yields the base URL."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.site = site
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
