"""Feeds (RSS 1/2, Atom, JSON Feed) and sitemaps: parsing real files, and a backfill crawl."""

import gzip
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from crawlers.feeds import FeedError, parse_feed, parse_sitemap
from crawlers.run import crawl_source
from tests.conftest import FIXTURES
from veille.core.config import Source
from veille.core.record import read_mentions

FEEDS = FIXTURES / "feeds"


@pytest.mark.parametrize(
    ("name", "count", "first_link", "published"),
    [
        ("rss-1.rss.xml", 69, "http://science.sciencemag.org/cgi/content/short/356/6343/1134-a?rss=1",
         datetime(2017, 6, 15, 17, 29, 47, tzinfo=UTC)),
        ("reddit-atom.rss.xml", 24,
         "https://www.reddit.com/r/space/comments/42babr/the_difficulties_in_space/",
         datetime(2016, 1, 23, 15, 40, 37, tzinfo=UTC)),
        ("json_feed.json", 20,
         "http://inessential.com/2017/06/02/james_dempsey_and_the_breakpoints_benefi",
         datetime(2017, 6, 3, 5, 5, 47, tzinfo=UTC)),
        ("feed-dcdate.xml", 1,
         "https://reporterre.net/Europe-vers-un-affaiblissement-historique-des-normes-ecologiques",
         datetime(2025, 2, 26, 16, 42, 45, tzinfo=UTC)),
        ("feed-test-malformed.xml", 1,
         "https://www.androidauthority.com/japan-phone-numbers-14-digits-5g-986823/",
         datetime(2019, 5, 15, 20, 48, 2, tzinfo=UTC)),
        ("encoding.rss.xml", 40, None, datetime(2018, 1, 3, 13, 47, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_real_feeds(name: str, count: int, first_link: str | None, published: datetime):
    entries = parse_feed((FEEDS / name).read_bytes(), "https://example.org/feed/")
    assert len(entries) == count
    if first_link:
        assert entries[0].link == first_link
    assert entries[0].published_at == published
    assert all(e.link.startswith(("http://", "https://")) for e in entries)


def test_encoding_is_honoured():
    entries = parse_feed((FEEDS / "encoding.rss.xml").read_bytes(), "https://example.org/")
    assert entries[0].title.startswith("Mãe de utente")


def test_relative_links_are_resolved_and_json_authors_read():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
        b'"url": "/2026/11/panne/", "authors": [{"name": "Zo\\u00e9"}], '
        b'"date_published": "2026-11-20T10:00:00+01:00"}]}'
    )
    [entry] = parse_feed(body, "https://blog.example.fr/feed.json")
    assert entry.link == "https://blog.example.fr/2026/11/panne/"
    assert entry.author == "Zoé"
    assert entry.published_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html><body>Not a feed</body></html>", "not a usable RSS/Atom feed"),
        (b'{"items": []}', "not a JSON Feed"),
        (b"{broken", "not valid JSON"),
    ],
)
def test_unusable_feeds_name_the_url(body: bytes, message: str):
    with pytest.raises(FeedError, match=message) as caught:
        parse_feed(body, "https://example.org/feed/")
    assert str(caught.value).startswith("https://example.org/feed/: ")


def test_sitemaps_plain_gzip_and_index():
    urlset = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://b.fr/a/</loc><lastmod>2026-03-02</lastmod></url>"
        b"<url><loc>https://b.fr/b/</loc></url></urlset>"
    )
    entries = parse_sitemap(gzip.compress(urlset), "https://b.fr/sitemap.xml.gz")
    assert [(e.url, e.lastmod, e.is_sitemap) for e in entries] == [
        ("https://b.fr/a/", date(2026, 3, 2), False),
        ("https://b.fr/b/", None, False),
    ]
    index = (
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://b.fr/posts.xml</loc></sitemap></sitemapindex>"
    )
    assert parse_sitemap(index, "https://b.fr/s.xml")[0].is_sitemap
    with pytest.raises(FeedError, match="not a sitemap"):
        parse_sitemap(b"<html></html>", "https://b.fr/s.xml")


def test_backfill_collects_only_the_articles_of_the_date_range(demo_site: str, tmp_path: Path):
    from veille.demo.render import render_site

    # The demo's articles and their dates, as its sitemap lists them.
    sitemap = render_site(datetime.now(UTC), base_url=demo_site)[
        "/blog-fibre/wp-sitemap-posts-post-1.xml"
    ]
    listed = parse_sitemap(sitemap.body, demo_site)
    days = sorted(e.lastmod for e in listed if e.lastmod)
    since, until = days[1], days[3]
    expected = {e.url for e in listed if e.lastmod and since <= e.lastmod <= until}
    assert 0 < len(expected) < len(listed)
    source = Source.model_validate(
        {
            "id": "blog-backfill",
            "kind": "feed",
            "preset": "wordpress",
            "timezone": "Europe/Paris",
            "allow_private_network": True,
            "backfill": {
                "sitemaps": [f"{demo_site}/blog-fibre/wp-sitemap.xml"],
                "since": since.isoformat(),
                "until": until.isoformat(),
            },
        }
    )
    result = crawl_source(source, tmp_path)
    assert result.ok, result.problem
    mentions = list(read_mentions(result.path))
    articles = {m.url for m in mentions if m.position == 0}
    assert articles == expected
    assert any(m.position > 0 for m in mentions)  # their comments come along
