"""What every Veille spider shares: its source, its crawl state, the fetch time, and
page extraction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawlers.engine import Engine
from crawlers.extract.page import ExtractionError, PageExtraction
from crawlers.extract.post import ExtractedPost
from crawlers.extract.presets import Preset, build_preset
from crawlers.mentions import post_mention
from crawlers.page_objects import page_object_for, page_object_named
from crawlers.reader import extract_page
from crawlers.state import CrawlState
from veille.core.config import Source
from veille.core.record import canonical_url


class SourceSpider(scrapy.Spider):
    """A spider bound to one entry of sources.yaml."""

    def __init__(self, source: Source, state_path: str | None = None, **kwargs: Any):
        super().__init__(name=source.id, **kwargs)
        self.source = source
        self.start_urls = list(source.start_urls)
        self.preset: Preset | None = (
            build_preset(source.preset, source.selectors) if source.preset else None
        )
        # What reads the site's posts and links: its preset, or its page object.
        self.engine: Engine | None = self.preset
        if source.kind == "page_object":
            self.engine = (
                page_object_named(source.page_object)
                if source.page_object
                else page_object_for(source.start_urls[0])
            )
        # Without a state, every page is fetched in full (a first or a one-off crawl).
        self.state = CrawlState(Path(state_path)) if state_path else None

    def closed(self, reason: str) -> None:
        if self.state is not None:
            self.state.close()

    def unchanged(self, response: Response) -> bool:
        """A conditional request answered 304: the page is as the last crawl saw it."""
        return response.status == 304

    async def start(self) -> Any:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.on_error)

    def extract(self, response: Response) -> PageExtraction | None:
        """The page's content and posts, or None (logged) when the page is not HTML.
        What the extraction left out (its notes: a page too large to read whole) is
        logged as a warning and counted."""
        content_type = response.headers.get("Content-Type")
        try:
            page = extract_page(
                response.body,
                response.url,
                preset=self.preset,
                timezone=self.source.timezone,
                language=self.source.date_language,
                now=self.fetched_at(response),
                # its charset, when the server names one, decides how the page is read
                content_type=content_type.decode("latin-1") if content_type else None,
            )
        except ExtractionError as err:
            self.logger.warning("skipped %s: %s", response.url, err)
            self.crawler.stats.inc_value("veille/pages_unreadable")
            return None
        for note in page.notes:
            self.logger.warning("%s: %s", response.url, note)
            self.crawler.stats.inc_value("veille/pages_read_in_part")
        return page

    @staticmethod
    def fetched_at(response: Response) -> datetime:
        return response.meta.setdefault("veille_fetched_at", datetime.now(UTC))

    def too_old(self, published: datetime | None, fetched: datetime) -> bool:
        max_age = self.source.limits.max_age_days
        return bool(max_age and published and (fetched - published).days > max_age)

    def post_items(
        self,
        posts: list[ExtractedPost],
        page_url: str,
        thread_title: str | None,
        crawled_at: datetime,
        engine: Engine | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The page's comments or forum posts as Mention records, the too old left out;
        `engine`, what read them, names their thread (the source's, by default)."""
        engine = engine or self.engine
        thread = canonical_url(engine.thread_url(page_url) if engine else page_url)
        for post in posts:
            if post.text and not self.too_old(post.published_at, crawled_at):
                yield post_mention(
                    self.source,
                    post,
                    page_url=page_url,
                    thread=thread,
                    thread_title=thread_title,
                    crawled_at=crawled_at,
                ).to_dict()

    def on_error(self, failure: Any) -> Iterator[Any]:
        if failure.check(IgnoreRequest):
            # Refused on purpose (the network guard, robots.txt): counted apart, in
            # veille/refused, and not an error of the site's.
            self.logger.warning("not fetched: %s", failure.getErrorMessage())
            return iter(())
        self.logger.error("fetch failed: %s", failure.getErrorMessage())
        self.crawler.stats.inc_value("veille/fetch_errors")
        return iter(())
