"""Properties of the parsers that read what a site sends, on input no site should send:
a date as shown on a page gives a datetime or None, a feed or sitemap gives its items or
a FeedError, and a page gives its extraction or an ExtractionError; never another
exception, never a long wait."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crawlers import feeds
from crawlers.extract import dates
from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.page import ExtractionError, PageExtraction
from crawlers.feeds import FeedEntry, FeedError, SitemapEntry, parse_feed, parse_sitemap
from crawlers.reader import extract_page

# Each example takes milliseconds (a page: tens); the deadline catches a stuck one.
QUICK = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PAGES = settings(
    max_examples=60,
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NOW = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"]
LANGUAGES = [None, "fr", "en", "de", "auto", "", "xx", "FR", "zh-Hant", "fr-CA", "1"]

# --- dates ---------------------------------------------------------------------------

DATE_PIECES = [
    "il y a", "3", "heures", "hier", "à", "14h05", "14 h 05", "Yesterday", "at", "2:05 PM",
    "10/05/2006", "2006-05-10", "T", "Z", "+02:00", "mai", "May", "lundi", "Mon", "»",
    "le", "1er", "janvier", "décembre", "minutes", "ago", "9999", "0", "-1", "99999999999",
    "0000-00-00", "2026-13-45T25:61", "AM", "PM", "midi", "now", "aujourd'hui", "demain",
    ",", ".", "/", ":", "\u200b", "\xa0", "\n", "\x00", "٣", "🙂",
]  # fmt: skip
date_soup = st.lists(st.sampled_from(DATE_PIECES) | st.text(max_size=5), max_size=25).map(" ".join)


@QUICK
@example(text="hier à 14h05", zone="UTC", language="xx", now=None)  # dateparser: ValueError
@example(text="10/05/2006", zone="Europe/Paris", language="fr-CA", now=NOW)
@given(
    text=st.none() | st.text(max_size=200) | date_soup,
    zone=st.sampled_from(ZONES),
    language=st.sampled_from(LANGUAGES),
    now=st.none() | st.just(NOW),
)
def test_parse_date_gives_an_aware_datetime_or_none(
    text: str | None, zone: str, language: str | None, now: datetime | None
):
    parsed = parse_date(text, timezone=zone, now=now, language=language)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None)


@QUICK
@given(st.text(max_size=60) | date_soup, st.sampled_from(ZONES))
def test_parse_iso_gives_an_aware_datetime_or_none(text: str, zone: str):
    parsed = parse_iso(text, zone)
    assert parsed is None or parsed.tzinfo is not None


def test_a_text_longer_than_any_date_is_not_read(monkeypatch):
    """What dateparser is given is bounded: a long text (a whole post matched by a loose
    selector) is not a date as shown, and costs nothing."""
    called = []
    monkeypatch.setattr(dates, "_parser", lambda *args: called.append(args))
    long_text = "hier à 14h05 " + "x" * dates.MAX_DATE_CHARS
    assert parse_date(long_text, timezone="Europe/Paris", now=NOW) is None
    assert called == []


# --- feeds and sitemaps ----------------------------------------------------------------

FEED_PIECES = [
    b'<?xml version="1.0" encoding="utf-8"?>', b'<?xml version="1.0" encoding="x-unknown"?>',
    b'<rss version="2.0">', b"</rss>", b"<channel>", b"</channel>", b"<item>", b"</item>",
    b"<link>", b"</link>", b"<title>", b"</title>", b"<pubDate>", b"</pubDate>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">', b"</feed>", b"<entry>", b"</entry>",
    b'<link href="', b'"/>', b"<updated>", b"</updated>", b"http://[::1", b"http://[x]/",
    b"/relative", b"https://example.org/a", b"javascript:alert(1)", b"Mon, 99 Jan 99999",
    b"9999-12-31T23:59:59Z", b"0001-01-01T00:00:00Z", b"tr\xe8s", b"tr\xc3\xa8s", b"&amp;",
    b"&#0;", b"<![CDATA[", b"]]>", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"\x00",
]  # fmt: skip
feed_soup = st.lists(st.sampled_from(FEED_PIECES) | st.binary(max_size=8), max_size=40).map(
    b"".join
)

json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["http://[::1", "/relative", "https://example.org/a", "2026-11-20T10:00"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["url", "external_url", "title", "authors", "author", "name",
                         "date_published", "date_modified", "items", "version"]),
        inner, max_size=5),
    max_leaves=20,
)  # fmt: skip


@st.composite
def json_feeds(draw: st.DrawFn) -> bytes:
    feed = {
        "version": draw(st.sampled_from(["https://jsonfeed.org/version/1.1", "1", 5])),
        "items": draw(json_value),
    }
    return json.dumps(feed).encode()


deep_json = st.integers(1, 50_000).map(lambda depth: b"[" * depth + b"]" * depth)


def _read_feed(body: bytes) -> list[FeedEntry] | None:
    try:
        entries = parse_feed(body, "https://blog.example.fr/feed/")
    except FeedError as err:
        assert "https://blog.example.fr/feed/" in str(err)
        return None
    for entry in entries:
        assert isinstance(entry.link, str)
        assert entry.title is None or isinstance(entry.title, str)
        assert entry.author is None or isinstance(entry.author, str)
        assert entry.published_at is None or entry.published_at.tzinfo is not None
    return entries


@QUICK
@example(b"[" * 5000 + b"]" * 5000)  # RecursionError
@example(b'{"version": "https://jsonfeed.org/version/1", "items": 5}')  # TypeError
@example(b'{"version": "https://jsonfeed.org/version/1", "items": [{"url": "http://[::1"}]}')
@example(b'<rss version="2.0"><channel><item><link>http://[::1</link></item></channel></rss>')
@given(st.binary(max_size=300) | feed_soup | json_feeds() | deep_json)
def test_any_bytes_as_a_feed_give_entries_or_a_feed_error(body: bytes):
    _read_feed(body)


def test_a_json_feed_with_odd_values_keeps_the_items_it_can_read():
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [
                {"url": "http://[::1", "title": "a broken link"},
                {"url": "/ok", "title": 5, "authors": [{"name": ["x"]}], "date_published": 7},
            ],
        }
    ).encode()
    entries = _read_feed(body)
    assert entries == [FeedEntry(link="https://blog.example.fr/ok")]
    assert _read_feed(json.dumps({"version": "https://jsonfeed.org/", "items": 5}).encode()) is None


@QUICK
@example(b"\x1f\x8b")  # EOFError from gzip
@example(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffgarbage")  # zlib.error
@example(
    b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://[::1</loc>'
    b"</url><url><loc>/ok</loc></url></urlset>"
)
@given(st.binary(max_size=300) | feed_soup.map(lambda b: b.replace(b"rss", b"urlset")))
def test_any_bytes_as_a_sitemap_give_entries_or_a_feed_error(body: bytes):
    try:
        entries = parse_sitemap(body, "https://blog.example.fr/sitemap.xml")
    except FeedError:
        return
    assert all(isinstance(entry, SitemapEntry) for entry in entries)
    if b"<loc>/ok</loc>" in body:
        assert [entry.url for entry in entries] == ["https://blog.example.fr/ok"]


def test_a_gzip_bomb_sitemap_is_refused_not_inflated():
    """A sitemap is at most 50 MB uncompressed (the protocol's limit): a small file that
    inflates past it is a FeedError, read no further."""
    bomb = gzip.compress(b"<urlset>" + b" " * (feeds.SITEMAP_MAX_BYTES + 10))
    assert len(bomb) < 200_000
    with pytest.raises(FeedError, match="larger than"):
        parse_sitemap(bomb, "https://blog.example.fr/sitemap.xml.gz")


# --- pages ---------------------------------------------------------------------------

HTML_PIECES = [
    "<html>", "</html>", "<head>", "<body>", "<meta charset='x-unknown'>", "<meta charset='utf-8'>",
    '<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE html>", "<title>", "</title>",
    "<article id='post-1'>", "</article>", "<h1>", "</h1>", "<p>", "</p>", "<br>", "<div>",
    "</div>", "<ol class='comment-list'>", "<li id='comment-1' class='comment'>", "</li>",
    "<div class='comment-body'>", "<div class='comment-content'>", "<cite class='fn'>",
    "<time datetime='2026-11-20T10:00:00+01:00'>", "<time datetime='junk'>", "</time>",
    "<div id='p1' class='post'>", "<div class='postbody'>", "<div class='content'>",
    "<p class='author'>", "<a class='username' href='http://[::1'>", "<a href='/u/1'>", "</a>",
    "<blockquote>", "</blockquote>", "<script>", "</script>", "<style>", "</style>",
    "<meta property='article:published_time' content='9999-99-99'>", "<table>", "<tr><td>",
    "très", "Fibrelia", "hier à 14h05", "il y a 3 heures", "&nbsp;", "&#0;", "&#xD800;",
    "\x00", "\x0c", "\ufeff", "<!--", "-->", "<![CDATA[", "]]>", "<", ">", "'", '"', "=",
]  # fmt: skip
html_soup = st.lists(st.sampled_from(HTML_PIECES) | st.text(max_size=6), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16"])
field = st.sampled_from(HTML_PIECES) | st.text(max_size=12)
links = st.sampled_from(["http://[::1", "/u/1?sid=0123456789abcdef0123", "", "javascript:x", "%"])


@st.composite
def comment_pages(draw: st.DrawFn) -> str:
    """WordPress comments and phpBB posts whose every field is odd: the markup reaches
    the presets' post extraction (random soup rarely does)."""
    posts = []
    for number in range(draw(st.integers(0, 4))):
        author, date, body = draw(field), draw(field), draw(html_soup)
        href, stamp = draw(links | field), draw(field)
        ident = draw(st.sampled_from([str(number), "x", "", "99999999999999999999"]))
        posts.append(
            f"<li id='comment-{ident}' class='comment'><article class='comment-body'>"
            f"<footer class='comment-meta'><div class='comment-author'><b class='fn'>"
            f"<a href='{href}'>{author}</a></b></div><div class='comment-metadata'>"
            f"<time datetime='{stamp}'>{date}</time></div></footer>"
            f"<div class='comment-content'>{body}</div></article></li>"
            f"<div id='p{ident}' class='post'><div class='postbody'><p class='author'>"
            f"<a class='username' href='{href}'>{author}</a> » {date}</p>"
            f"<div class='content'><blockquote cite='{href}'>{draw(field)}</blockquote>"
            f"{body}</div></div></div>"
        )
    title = draw(field)
    return (
        f"<html><body><article id='post-1'><h1>{title}</h1></article>"
        f"<ol>{''.join(posts)}</ol></body></html>"
    )


@PAGES
@example(body=b"\x1c<!", preset=None, content_type=None)  # a comment as the root
@example(  # an author's link that urljoin refuses
    body=b"<html><body><ol><li id='comment-1' class='comment'><article class='comment-body'>"
    b"<div class='comment-author'><b class='fn'><a href='http://[::1'>x</a></b></div>"
    b"<div class='comment-content'>hi</div></article></li></ol></body></html>",
    preset="wordpress",
    content_type=None,
)
@example(  # a control character in a post whose quote is dropped
    body=b"<html><body><ol><li id='comment-1' class='comment'><article class='comment-body'>"
    b"<div class='comment-content'><blockquote>q</blockquote>\x1f</div></article></li></ol>"
    b"</body></html>",
    preset="wordpress",
    content_type=None,
)
@given(
    body=st.binary(max_size=400)
    | st.tuples(html_soup | comment_pages(), encodings).map(
        lambda pair: pair[0].encode(pair[1], errors="replace")
    ),
    preset=st.sampled_from([None, "wordpress", "phpbb"]),
    content_type=st.sampled_from([None, "text/html", "text/html; charset=foo"]),
)
def test_any_bytes_as_a_page_give_an_extraction_or_an_extraction_error(
    body: bytes, preset: str | None, content_type: str | None
):
    try:
        page = extract_page(
            body,
            "https://blog.example.fr/2026/11/panne/",
            preset=preset,
            timezone="Europe/Paris",
            now=NOW,
            content_type=content_type,
        )
    except ExtractionError:
        return
    assert isinstance(page, PageExtraction)
    json.dumps(page.to_contract())
