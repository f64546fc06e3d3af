"""A test's site served on a free port of 127.0.0.1 by Veille's own page server
(veille.demo.server: conditional requests, keep-alive), logging every request it answers
into the site's `requests`, so a test can see what a crawl asked for and got."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from veille.demo.server import Page, Request
from veille.demo.server import serve as serve_site


class Site(Protocol):
    requests: list[tuple[str, int]]

    def answer(self, request: Request) -> Page: ...


@contextmanager
def serve(site: Site) -> Iterator[str]:
    """Serve the site on a free port of 127.0.0.1; yields the base URL."""
    with serve_site(site, requests=site.requests) as served:
        yield served.base_url
