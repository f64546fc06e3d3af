"""Feeds and sitemaps: where a blog or news site lists its articles.

RSS 0.9x/1.0/2.0 and Atom are read with feedparser; JSON Feed (which feedparser does
not read) with the standard library. Sitemaps (urlset and sitemap index) with Scrapy's
parser, for backfilling a date range that the feed no longer lists.
"""

from __future__ import annotations

import calendar
import json
import zlib
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


def _absolute(base: str, link: object) -> str | None:
    """`link` made absolute against `base`; None for what cannot be a link (not a
    string, or a broken address such as "http://[::1")."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        return urljoin(base, link.strip())
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _json_feed(body: bytes, url: str) -> list[FeedEntry]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:  # RecursionError: [[[[…
        raise FeedError(f"{url}: not valid JSON ({type(err).__name__}: {err})") from err
    version = str(data.get("version", "")) if isinstance(data, dict) else ""
    if "jsonfeed.org" not in version:
        raise FeedError(f"{url}: JSON but not a JSON Feed (no jsonfeed.org version)")
    items = data.get("items") or []
    if not isinstance(items, list):
        raise FeedError(f"{url}: a JSON Feed whose items are not a list")
    entries = []
    for item in items:
        # An item without a usable link cannot be followed; its other fields are read
        # only when they have the type JSON Feed gives them.
        if not isinstance(item, dict):
            continue
        link = _absolute(url, item.get("url")) or _absolute(url, item.get("external_url"))
        if link is None:
            continue
        authors = item.get("authors")
        if not isinstance(authors, list) or not authors:
            authors = [item["author"]] if item.get("author") else []
        first = authors[0] if authors else None
        author = _text(first.get("name")) if isinstance(first, dict) else None
        published = item.get("date_published") or item.get("date_modified")
        entries.append(
            FeedEntry(
                link=link,
                title=_text(item.get("title")),
                author=author,
                published_at=parse_iso(published) if isinstance(published, str) else None,
            )
        )
    return entries


def _stamp(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (ValueError, OverflowError, OSError):  # a year out of datetime's range
        return None


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The items of an RSS, Atom or JSON feed, links made absolute. A feed with
    recoverable mistakes still gives its items (an item without a usable link is left
    out); one with none raises FeedError, the only exception it raises."""
    if _looks_like_json(body):
        return _json_feed(body, url)
    feed = feedparser.parse(body)
    entries = []
    for entry in feed.entries:
        link = _absolute(url, entry.get("link"))
        if link is None:
            continue
        entries.append(
            FeedEntry(
                link=link,
                title=_text(entry.get("title")),
                author=_text(entry.get("author")),
                published_at=_stamp(entry),
            )
        )
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


# The sitemap protocol's own limit on a file, uncompressed: a gzip "bomb" stops there.
SITEMAP_MAX_BYTES = 50 * 1024 * 1024


def _gunzip(body: bytes, url: str) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header
    try:
        data = inflater.decompress(body, SITEMAP_MAX_BYTES + 1)
    except zlib.error as err:
        raise FeedError(f"{url}: broken gzip sitemap ({err})") from err
    if len(data) > SITEMAP_MAX_BYTES:
        raise FeedError(f"{url}: sitemap larger than {SITEMAP_MAX_BYTES:,} bytes uncompressed")
    if not inflater.eof:
        raise FeedError(f"{url}: broken gzip sitemap (cut short)")
    return data


def parse_sitemap(body: bytes, url: str) -> list[SitemapEntry]:
    """The URLs of a sitemap (gzip-compressed or not) or of a sitemap index; FeedError,
    the only exception it raises, for what is not one."""
    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body, url)
    try:
        sitemap = Sitemap(body)
        items = list(sitemap)
    except Exception as err:  # lxml raises several kinds on garbage
        raise FeedError(f"{url}: not a sitemap ({err})") from err
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise FeedError(f"{url}: not a sitemap (root element {sitemap.type!r})")
    entries = []
    for item in items:
        loc = _absolute(url, item.get("loc"))
        if loc is None:
            continue
        lastmod = parse_iso(item.get("lastmod"))
        entries.append(
            SitemapEntry(
                url=loc,
                lastmod=lastmod.date() if lastmod else None,
                is_sitemap=sitemap.type == "sitemapindex",
            )
        )
    return entries
