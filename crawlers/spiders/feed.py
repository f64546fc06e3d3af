"""Blogs and news sites through their feed: each item is followed to its page, whose
article and comments become mentions."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy.http import Response

from crawlers.mentions import article_mention
from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        feed = feedparser.parse(response.body)
        if not feed.entries:
            problem = getattr(feed, "bozo_exception", None) or "no items"
            self.logger.error("%s: not a usable RSS/Atom feed (%s)", response.url, problem)
            self.crawler.stats.inc_value("veille/feeds_unreadable")
            return
        fetched = self.fetched_at(response)
        for entry in feed.entries:
            link = entry.get("link")
            if not link:
                continue
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            published = (
                datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp is not None else None
            )
            if self.too_old(published, fetched):
                continue
            yield response.follow(link, callback=self.parse_article, errback=self.on_error)

    def parse_article(self, response: Response) -> Iterator[Any]:
        page = self.extract(response)
        if page is None:
            return
        crawled_at = self.fetched_at(response)
        if page.text:
            yield article_mention(self.source, page, crawled_at=crawled_at).to_dict()
        yield from self.post_items(page.posts, response.url, page.title, crawled_at)
