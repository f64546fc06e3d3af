"""Feeds and sitemaps: where a blog or news site lists its articles.

RSS 0.9x/1.0/2.0 and Atom are read with feedparser; JSON Feed (which feedparser does
not read) with the standard library. Sitemaps (urlset and sitemap index) with Scrapy's
parser, for backfilling a date range that the feed no longer lists.
"""

from __future__ import annotations

import calendar
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from scrapy.utils.sitemap import Sitemap

from crawlers.extract.dates import parse_iso


class FeedError(ValueError):
    """A feed that cannot be read; the message names the URL."""


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None


def _looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[")


def _json_feed(body: bytes, url: str) -> list[FeedEntry]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise FeedError(f"{url}: not valid JSON ({err})") from err
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if "jsonfeed.org" not in version:
        raise FeedError(f"{url}: JSON but not a JSON Feed (no jsonfeed.org version)")
    entries = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        author = authors[0].get("name") if authors and isinstance(authors[0], dict) else None
        published = item.get("date_published") or item.get("date_modified")
        entries.append(
            FeedEntry(
                link=urljoin(url, link),
                title=item.get("title"),
                author=author,
                published_at=parse_iso(published) if isinstance(published, str) else None,
            )
        )
    return entries


def _stamp(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The items of an RSS, Atom or JSON feed, links made absolute. A feed with
    recoverable mistakes still gives its items; one with none raises FeedError."""
    if _looks_like_json(body):
        return _json_feed(body, url)
    feed = feedparser.parse(body)
    entries = [
        FeedEntry(
            link=urljoin(url, entry["link"]),
            title=entry.get("title"),
            author=entry.get("author"),
            published_at=_stamp(entry),
        )
        for entry in feed.entries
        if entry.get("link")
    ]
    # An empty feed is fine; a page that is no feed at all (HTML, garbage) is not.
    if not entries and (feed.get("bozo") or not feed.get("version")):
        problem = feed.get("bozo_exception") or "no RSS or Atom root element"
        raise FeedError(f"{url}: not a usable RSS/Atom feed ({problem})")
    return entries


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    lastmod: date | None
    is_sitemap: bool  # an entry of a sitemap index: another sitemap to read


def parse_sitemap(body: bytes, url: str) -> list[SitemapEntry]:
    """The URLs of a sitemap (gzip-compressed or not) or of a sitemap index."""
    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except OSError as err:
            raise FeedError(f"{url}: broken gzip sitemap ({err})") from err
    try:
        sitemap = Sitemap(body)
        items = list(sitemap)
    except Exception as err:  # lxml raises several kinds on garbage
        raise FeedError(f"{url}: not a sitemap ({err})") from err
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise FeedError(f"{url}: not a sitemap (root element {sitemap.type!r})")
    entries = []
    for item in items:
        loc = item.get("loc")
        if not loc:
            continue
        lastmod = parse_iso(item.get("lastmod"))
        entries.append(
            SitemapEntry(
                url=urljoin(url, loc),
                lastmod=lastmod.date() if lastmod else None,
                is_sitemap=sitemap.type == "sitemapindex",
            )
        )
    return entries
