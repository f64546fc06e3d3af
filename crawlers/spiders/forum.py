"""Forums: index → sub-forums → topic lists → every page of every topic → posts,
following the links the site's preset (or page object) knows. A re-crawl resumes each thread at the
last page it saw, and asks for it conditionally: a thread without new posts costs one
bodiless 304."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract.declared import page_language
from crawlers.extract.page import ExtractionError, parse_html
from crawlers.spiders.base import SourceSpider
from veille.record import canonical_url


class ForumSpider(SourceSpider):
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if self.unchanged(response):
            return
        try:
            content_type = response.headers.get("Content-Type")
            page = parse_html(
                response.body,
                response.url,
                content_type.decode("latin-1") if content_type else None,
            )
        except ExtractionError as err:
            self.logger.warning("skipped %s: %s", response.url, err)
            self.crawler.stats.inc_value("veille/pages_unreadable")
            return
        preset = self.engine
        assert preset is not None, "the config checks that a forum has a preset or page object"
        crawled_at = self.fetched_at(response)
        posts = preset.posts(
            page,
            response.url,
            timezone=self.source.timezone,
            now=crawled_at,
            language=self.source.date_language or page_language(page),
        )
        next_page = preset.next_page(page, response.url)
        if posts:
            title = preset.thread_title(page)
            yield from self.post_items(posts, response.url, title, crawled_at)
            if next_page is None and self.state is not None:
                thread = canonical_url(preset.thread_url(response.url))
                self.state.remember_thread(thread, response.url, posts[-1].post_id)
        else:
            for link in preset.forum_links(page, response.url):
                yield response.follow(link, callback=self.parse, errback=self.on_error)
            for link in preset.thread_links(page, response.url):
                yield response.follow(
                    self.resume_at(link), callback=self.parse, errback=self.on_error
                )
        if next_page:
            yield response.follow(next_page, callback=self.parse, errback=self.on_error)

    def resume_at(self, thread_link: str) -> str:
        """Where to read a thread: its last page seen before, else its first page."""
        if self.state is None or self.engine is None:
            return thread_link
        thread = canonical_url(self.engine.thread_url(thread_link))
        return self.state.last_page(thread) or thread_link
