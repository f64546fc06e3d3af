"""Forums: index → sub-forums → topic lists → every page of every topic → posts,
following the links the engine's preset knows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract.page import ExtractionError, parse_html
from crawlers.spiders.base import SourceSpider


class ForumSpider(SourceSpider):
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            page = parse_html(response.body, response.url)
        except ExtractionError as err:
            self.logger.warning("skipped %s: %s", response.url, err)
            self.crawler.stats.inc_value("veille/pages_unreadable")
            return
        preset = self.preset
        assert preset is not None, "a forum source always has a preset (checked by the config)"
        crawled_at = self.fetched_at(response)
        posts = preset.posts(page, response.url, timezone=self.source.timezone, now=crawled_at)
        if posts:
            title = preset.thread_title(page)
            yield from self.post_items(posts, response.url, title, crawled_at)
        else:
            links = preset.forum_links(page, response.url) + preset.thread_links(page, response.url)
            for link in links:
                yield response.follow(link, callback=self.parse, errback=self.on_error)
        next_page = preset.next_page(page, response.url)
        if next_page:
            yield response.follow(next_page, callback=self.parse, errback=self.on_error)
