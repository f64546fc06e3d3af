"""What the forum spider needs from whatever knows a site's markup: a YAML preset
(crawlers/presets/) or, for a site that needs code, a page object
(crawlers/page_objects/)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from parsel import Selector

from crawlers.extract.post import ExtractedPost


class Engine(Protocol):
    name: str

    def posts(
        self,
        page: Selector,
        url: str,
        *,
        timezone: str,
        now: datetime | None,
        language: str | None = None,
    ) -> list[ExtractedPost]: ...

    def thread_title(self, page: Selector) -> str | None: ...

    def forum_links(self, page: Selector, url: str) -> list[str]: ...

    def thread_links(self, page: Selector, url: str) -> list[str]: ...

    def next_page(self, page: Selector, url: str) -> str | None: ...

    def thread_url(self, url: str) -> str: ...
