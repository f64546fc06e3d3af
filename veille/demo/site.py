"""The demo web, two WordPress blogs and a phpBB board, served on 127.0.0.1 for
`veille demo`: its content (veille.demo.content), made into pages (veille.demo.render)
and served (veille.demo.server)."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from types import TracebackType

from veille.demo.render import render_site
from veille.demo.server import Page, SavedPages, serve

# The demo prefers this port so that two runs crawl the same URLs; any free port otherwise.
DEFAULT_PORT = 8641


class DemoSite:
    """The demo site served on 127.0.0.1 while the `with` block runs: on DEFAULT_PORT when
    it is free (or the port given), else on any free port."""

    def __init__(self, now: datetime | None = None, port: int | None = None) -> None:
        if now is not None and now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware, got {now!r}")
        self.now = now or datetime.now(UTC)
        self.port = port
        self.base_url = ""
        self.pages: dict[str, Page] = {}
        self._saved = SavedPages()
        self._stack = ExitStack()

    def __enter__(self) -> DemoSite:
        ports = (self.port,) if self.port is not None else (DEFAULT_PORT, 0)
        served = self._stack.enter_context(serve(self._saved, ports=ports, name="veille-demo-site"))
        self.base_url = served.base_url
        # Links are absolute (as WordPress makes them), so render once the port is known;
        # nobody can ask for a page before then.
        self.pages = render_site(self.now, base_url=self.base_url)
        self._saved.update(self.pages)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site."""
        return self.base_url + path
