"""Blogs and news sites through their feed (RSS, Atom, JSON Feed): each item is followed
to its page, whose article and comments become mentions. Sitemaps backfill a date range
older than the feed lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.feeds import FeedError, parse_feed, parse_sitemap
from crawlers.mentions import article_mention
from crawlers.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    async def start(self) -> Any:
        # Feeds are always fetched whole: a feed that did not change still leads to
        # articles whose comments may have.
        for url in self.start_urls:
            yield scrapy.Request(
                url, callback=self.parse, errback=self.on_error, meta={"veille_conditional": False}
            )
        if self.source.backfill is not None:
            for url in self.source.backfill.sitemaps:
                yield scrapy.Request(
                    url,
                    callback=self.parse_sitemap,
                    errback=self.on_error,
                    meta={"veille_conditional": False},
                )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as err:
            self.logger.error("%s", err)
            self.crawler.stats.inc_value("veille/feeds_unreadable")
            return
        fetched = self.fetched_at(response)
        for entry in entries:
            if self.too_old(entry.published_at, fetched):
                continue
            yield response.follow(entry.link, callback=self.parse_article, errback=self.on_error)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        try:
            entries = parse_sitemap(response.body, response.url)
        except FeedError as err:
            self.logger.error("%s", err)
            self.crawler.stats.inc_value("veille/sitemaps_unreadable")
            return
        for entry in entries:
            if entry.is_sitemap:
                yield response.follow(
                    entry.url,
                    callback=self.parse_sitemap,
                    errback=self.on_error,
                    meta={"veille_conditional": False},
                )
            elif self.sitemap_wants(entry.lastmod, response):
                yield response.follow(entry.url, callback=self.parse_article, errback=self.on_error)

    def sitemap_wants(self, lastmod: date | None, response: Response) -> bool:
        """Whether a page a sitemap lists is fetched: the backfill's date range decides."""
        backfill = self.source.backfill
        assert backfill is not None
        return _in_range(lastmod, backfill.since, backfill.until)

    def parse_article(self, response: Response) -> Iterator[Any]:
        if self.unchanged(response):
            return
        page = self.extract(response)
        if page is None:
            return
        crawled_at = self.fetched_at(response)
        if page.text and not self.too_old(page.published_at, crawled_at):
            yield article_mention(self.source, page, crawled_at=crawled_at).to_dict()
        yield from self.post_items(page.posts, response.url, page.title, crawled_at)


def _in_range(day: date | None, since: date | None, until: date | None) -> bool:
    """A sitemap entry without a date is kept: its posts' own dates decide later."""
    if day is None:
        return True
    return (since is None or day >= since) and (until is None or day <= until)
