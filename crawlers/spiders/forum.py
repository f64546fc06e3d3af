"""Forums: index → sub-forums → topic lists → every page of every topic → posts,
following the links the site's preset (or page object) knows. A source that names no
preset has each page read by the engine detected from its markup, else by the generic
extractor, which follows a thread's rel="next" pages but no listing: such a source
lists its threads as start URLs. A re-crawl resumes each thread at the last page it saw,
and asks for it conditionally: a thread without new posts costs one bodiless 304."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract.declared import page_language
from crawlers.extract.page import ExtractionError, parse_html
from crawlers.reader import read_posts
from crawlers.spiders.base import SourceSpider
from veille.core.record import canonical_url


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
        crawled_at = self.fetched_at(response)
        # the source's preset or page object; else, page by page, the engine detected
        # from the markup or the generic extractor (crawlers/reader.py)
        engine, posts = read_posts(
            page,
            response.url,
            self.engine,
            timezone=self.source.timezone,
            now=crawled_at,
            language=self.source.date_language or page_language(page),
        )
        if engine is None:  # no posts, and nothing that knows the page's links
            return
        next_page = engine.next_page(page, response.url)
        if posts:
            title = engine.thread_title(page)
            yield from self.post_items(posts, response.url, title, crawled_at, engine)
            if next_page is None and self.state is not None:
                thread = canonical_url(engine.thread_url(response.url))
                self.state.remember_thread(thread, response.url, posts[-1].post_id)
        else:
            for link in engine.forum_links(page, response.url):
                yield response.follow(link, callback=self.parse, errback=self.on_error)
            for link in engine.thread_links(page, response.url):
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
