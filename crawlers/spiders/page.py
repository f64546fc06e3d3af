"""Pages without a feed (single articles, review pages, blog posts), listed in the
source's start URLs or found in its sitemaps: each page gives its article (main text,
title, author, date) and its comments, read by the source's preset or, without one, by
the engine detected from the markup.

A page is asked for conditionally (crawlers.middlewares.ConditionalRequestMiddleware):
one unchanged since the last crawl costs a bodiless 304 and gives nothing new. The
sitemaps themselves are always fetched whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.feed import FeedSpider


class PageSpider(FeedSpider):
    async def start(self) -> Any:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error)
        for url in self.source.sitemaps:
            yield scrapy.Request(
                url,
                callback=self.parse_sitemap,
                errback=self.on_error,
                meta={"veille_conditional": False},
            )

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        # Every request names its callback; a page that reaches here is a page all the same.
        return self.parse_article(response)

    def sitemap_wants(self, lastmod: date | None, response: Response) -> bool:
        """A page last modified before `max_age_days` is left out, as a feed's old items
        are; one without a date is fetched."""
        if lastmod is None:
            return True
        end_of_day = datetime.combine(lastmod, time.max, tzinfo=UTC)
        return not self.too_old(end_of_day, self.fetched_at(response))
