"""The demo site: served over real HTTP, readable as real WordPress and phpBB pages, and
telling the demo's story (a calm baseline, then a Fibrelia outage in the last days)."""

from __future__ import annotations

import copy
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import html

import veille.demo
from veille.checks import load_checked_config
from veille.demo.content import load_content
from veille.demo.render import render_site
from veille.demo.server import Page
from veille.demo.site import DemoSite

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=PARIS)
BASE = "http://127.0.0.1:8000"
BLOGS = {"blog-fibre": "fr", "mobile-life": "en"}
# Tests talk to 127.0.0.1 only: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def fetch(url: str, method: str = "GET") -> tuple[int, str, bytes]:
    """Status, content type and body of a real HTTP request."""
    request = urllib.request.Request(url, method=method)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read()


@dataclass
class Post:
    site: str
    post_id: str
    author: str
    published: datetime
    text: str


def own_text(element: html.HtmlElement) -> str:
    """The post's own words: quotes of other posts left out."""
    element = copy.deepcopy(element)
    for quote in element.xpath(".//blockquote"):
        quote.drop_tree()
    return " ".join(element.text_content().split())


def site_posts(pages: dict[str, Page]) -> list[Post]:
    """Every post a crawler should find, once: articles, comments and forum posts."""
    posts = []
    for path, page in pages.items():
        site = path.split("/")[1]
        tree = html.fromstring(page.body) if page.content_type.startswith("text/html") else None
        if tree is None:
            continue
        if "single" in tree.body.get("class", "").split():
            article = tree.xpath("//article[starts-with(@id, 'post-')]")[0]
            posts.append(
                Post(
                    site,
                    article.get("id"),
                    article.xpath(f".//span[{has_class('byline')}]//a[{has_class('fn')}]")[0].text,
                    datetime.fromisoformat(
                        article.xpath(f".//time[{has_class('published')}]/@datetime")[0]
                    ),
                    own_text(article.xpath(f".//div[{has_class('entry-content')}]")[0]),
                )
            )
            for item in tree.xpath(f"//li[{has_class('comment')}]"):
                body = item.xpath(f"./article[{has_class('comment-body')}]")[0]
                stamp = body.xpath(f".//div[{has_class('comment-metadata')}]//time/@datetime")[0]
                posts.append(
                    Post(
                        site,
                        item.get("id"),
                        body.xpath(f".//b[{has_class('fn')}]")[0].text_content(),
                        datetime.fromisoformat(stamp),
                        own_text(body.xpath(f".//div[{has_class('comment-content')}]")[0]),
                    )
                )
        elif "viewtopic.php?t=" in path:
            for post in tree.xpath(f"//div[starts-with(@id, 'p')][{has_class('post')}]"):
                author_line = post.xpath(f".//p[{has_class('author')}]")[0]
                posts.append(
                    Post(
                        site,
                        post.get("id"),
                        author_line.xpath(".//strong/a")[0].text,
                        datetime.fromisoformat(author_line.xpath("./time/@datetime")[0]),
                        own_text(post.xpath(f".//div[{has_class('content')}]")[0]),
                    )
                )
    return posts


def mentions(posts: list[Post], brand: str) -> list[Post]:
    word = re.compile(rf"\b{brand}\b", re.IGNORECASE)
    return [p for p in posts if word.search(p.text)]


def yaml_comment_count(comments: list[dict[str, Any]]) -> int:
    return sum(1 + yaml_comment_count(c.get("replies", [])) for c in comments)


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite(now=NOW) as served:
        yield served


@pytest.fixture(scope="module")
def pages() -> dict[str, Page]:
    return render_site(NOW, base_url=BASE)


@pytest.mark.parametrize("blog", BLOGS)
def test_feed_lists_every_article_and_its_links_resolve(site: DemoSite, blog: str) -> None:
    status, content_type, body = fetch(f"{site.base_url}/{blog}/feed/")
    assert status == 200 and content_type.startswith("application/rss+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    expected = next(b for b in load_content()["blogs"] if b["key"] == blog)["articles"]
    assert len(feed.entries) == len(expected)
    for entry in feed.entries:
        assert entry.link.startswith(f"{site.base_url}/{blog}/")
        assert re.search(r"/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/$", entry.link)
        assert entry.published_parsed is not None and entry.author
        assert entry.id.startswith(f"{site.base_url}/{blog}/?p=")
        status, content_type, _ = fetch(entry.link)
        assert (status, content_type) == (200, "text/html; charset=UTF-8")


@pytest.mark.parametrize("blog", BLOGS)
def test_article_pages_show_their_whole_comment_thread(site: DemoSite, blog: str) -> None:
    feed = feedparser.parse(fetch(f"{site.base_url}/{blog}/feed/")[2])
    articles = next(b for b in load_content()["blogs"] if b["key"] == blog)["articles"]
    by_slug = {a["slug"]: a for a in articles}
    for entry in feed.entries:
        tree = html.fromstring(fetch(entry.link)[2])
        expected = yaml_comment_count(by_slug[entry.link.rstrip("/").rsplit("/", 1)[1]]["comments"])
        items = tree.xpath(
            f"//div[@id='comments']/ol[{has_class('comment-list')}]//li[{has_class('comment')}]"
        )
        assert len(items) == expected == int(entry.slash_comments)
        for item in items:
            number = item.get("id").removeprefix("comment-")
            assert item.xpath(f"./article[@id='div-comment-{number}']")
            stamp = item.xpath(f"./article//div[{has_class('comment-metadata')}]//time/@datetime")
            assert datetime.fromisoformat(stamp[0]).utcoffset() is not None
            depth = len(item.xpath(f"ancestor::ol[{has_class('children')}]")) + 1
            assert f"depth-{depth}" in item.get("class").split()
        assert tree.xpath(f"//article//time[{has_class('entry-date')}][{has_class('published')}]")
        assert tree.xpath(f"//span[{has_class('byline')}]//a[{has_class('fn')}]")


def test_forum_index_leads_to_every_topic(site: DemoSite) -> None:
    index_url = f"{site.base_url}/forum/index.php"
    tree = html.fromstring(fetch(index_url)[2])
    forum_links = [urljoin(index_url, h) for h in tree.xpath("//a[@class='forumtitle']/@href")]
    listed = set()
    for forum_url in forum_links:
        status, _, body = fetch(forum_url)
        assert status == 200
        for href in html.fromstring(body).xpath("//a[@class='topictitle']/@href"):
            assert re.fullmatch(r"\./viewtopic\.php\?t=\d+", href)
            assert fetch(urljoin(forum_url, href))[0] == 200
            listed.add(int(href.rsplit("=", 1)[1]))
    content = load_content()["forum"]
    topics = {t["id"] for c in content["categories"] for f in c["forums"] for t in f["topics"]}
    assert listed == topics


def test_long_topic_has_a_second_page_that_page_one_links(site: DemoSite) -> None:
    content = load_content()["forum"]
    topics = [t for c in content["categories"] for f in c["forums"] for t in f["topics"]]
    long_topic = next(t for t in topics if len(t["posts"]) > 10)
    assert len(long_topic["posts"]) <= 20
    first_url = f"{site.base_url}/forum/viewtopic.php?t={long_topic['id']}"
    first = html.fromstring(fetch(first_url)[2])
    next_href = first.xpath(f"//div[{has_class('pagination')}]//li[{has_class('next')}]/a/@href")
    assert next_href[0] == f"./viewtopic.php?t={long_topic['id']}&start=10"
    assert first.xpath(f"//div[{has_class('pagination')}]//a[@rel='next']")
    status, _, body = fetch(urljoin(first_url, next_href[0]))
    assert status == 200
    second = html.fromstring(body)
    post_xpath = f"//div[starts-with(@id, 'p')][{has_class('post')}]/@id"
    first_ids, second_ids = first.xpath(post_xpath), second.xpath(post_xpath)
    assert len(first_ids) == 10 and len(second_ids) == len(long_topic["posts"]) - 10
    assert not set(first_ids) & set(second_ids)
    assert second.xpath(f"//div[{has_class('pagination')}]//a[@rel='prev']")
    assert not second.xpath(f"//div[{has_class('pagination')}]//a[@rel='next']")
    assert second.xpath("//link[@rel='canonical']/@href")[0].endswith("&start=10")


def test_sample_tells_a_calm_baseline_then_a_fibrelia_outage(pages: dict[str, Page]) -> None:
    posts = site_posts(pages)
    assert 60 <= len(posts) <= 100
    assert len({(p.site, p.post_id) for p in posts}) == len(posts)
    stamps = [p.published for p in posts]
    assert max(stamps) <= NOW and max(stamps) - min(stamps) >= timedelta(days=30)
    assert {p.site for p in posts} == {"blog-fibre", "mobile-life", "forum"}

    recent = [p for p in posts if p.published >= NOW - timedelta(days=3)]
    assert len(mentions(recent, "Fibrelia")) >= 14
    assert len(mentions(recent, "Kalio")) <= 2
    baseline = [p for p in posts if p.published < NOW - timedelta(days=4)]
    per_day: dict[object, int] = {}
    for post in mentions(baseline, "Fibrelia"):
        day = post.published.astimezone(PARIS).date()
        per_day[day] = per_day.get(day, 0) + 1
    assert max(per_day.values()) <= 3 and len(per_day) >= 10
    assert mentions(posts, "Orbix") and mentions(posts, "Kalio")
    no_brand = [p for p in posts if not re.search(r"fibrelia|kalio|orbix", p.text, re.I)]
    assert 6 <= len(no_brand) <= 15


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 29, 0, 30, tzinfo=PARIS),  # just before the DST change, at night
        datetime(2026, 7, 1, 6, 0, tzinfo=ZoneInfo("America/New_York")),
        datetime(2027, 1, 4, 23, 59, tzinfo=PARIS),
    ],
)
def test_no_post_is_ever_in_the_future_and_the_outage_stays_recent(now: datetime) -> None:
    posts = site_posts(render_site(now, base_url=BASE))
    assert max(p.published for p in posts) <= now - timedelta(minutes=5)
    recent = [p for p in posts if p.published >= now - timedelta(days=3)]
    assert len(mentions(recent, "Fibrelia")) >= 14


def test_dates_shown_agree_with_their_datetime_attributes(pages: dict[str, Page]) -> None:
    forum = html.fromstring(pages["/forum/viewtopic.php?t=1236"].body)
    for stamp in forum.xpath(f"//p[{has_class('author')}]/time"):
        # phpBB: the attribute is UTC, the text is in the board's timezone.
        moment = datetime.fromisoformat(stamp.get("datetime"))
        assert moment.utcoffset() == timedelta(0)
        assert stamp.text.endswith(moment.astimezone(PARIS).strftime(" %H:%M"))
    outage = next(
        p for path, p in pages.items() if path.endswith("/panne-fibrelia-ce-que-l-on-sait/")
    )
    for stamp in html.fromstring(outage.body).xpath(f"//*[{has_class('comment-metadata')}]//time"):
        moment = datetime.fromisoformat(stamp.get("datetime"))
        assert moment.utcoffset() == moment.astimezone(PARIS).utcoffset()
        assert stamp.text.endswith(f"à {moment.hour} h {moment.minute:02d}")


def test_typed_markup_is_shown_as_text_and_never_becomes_a_tag(pages: dict[str, Page]) -> None:
    troll = [p for p in pages.values() if b"alert(1)" in p.body]
    assert troll
    for page in troll:
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.body
        assert b"<script>alert(1)" not in page.body
    for page in pages.values():
        if not page.content_type.startswith("text/html"):
            continue
        tree = html.fromstring(page.body)
        bodies = tree.xpath(
            f"//div[{has_class('comment-content')} or {has_class('entry-content')}"
            f" or {has_class('content')} or {has_class('signature')}]"
        )
        assert not [b for b in bodies if b.xpath(".//script | .//style | .//iframe")]
    text = " ".join(p.text for p in site_posts(pages))
    assert "<script>alert(1)</script>" in text and "A&B" in text and "<3" in text


def test_unknown_paths_are_404_and_lookups_are_forgiving(site: DemoSite) -> None:
    assert fetch(f"{site.base_url}/nope/")[0] == 404
    assert fetch(f"{site.base_url}/forum/viewtopic.php?t=999999")[0] == 404
    topic = f"{site.base_url}/forum/viewtopic.php?t=1236&start=10"
    reference = fetch(topic)[2]
    for variant in (
        f"{site.base_url}/forum/./viewtopic.php?start=10&t=1236",
        f"{site.base_url}/forum/viewtopic.php?t=1236&sid=0123456789abcdef&start=10",
    ):
        assert fetch(variant)[2] == reference
    feed = fetch(f"{site.base_url}/blog-fibre/feed/")[2]
    assert fetch(f"{site.base_url}/blog-fibre/feed")[2] == feed  # redirected to /feed/
    assert fetch(f"{site.base_url}/blog-fibre/feed/", method="HEAD")[::2] == (200, b"")
    status, content_type, body = fetch(f"{site.base_url}/robots.txt")
    assert status == 200 and content_type.startswith("text/plain")
    assert b"User-agent: *" in body and b"Disallow: /" not in body
    home = html.fromstring(fetch(f"{site.base_url}/")[2])
    for href in home.xpath("//a/@href"):
        assert fetch(urljoin(f"{site.base_url}/", href))[0] == 200


def test_rendering_is_deterministic_for_a_given_now() -> None:
    first = render_site(NOW, base_url=BASE)
    second = render_site(NOW, base_url=BASE)
    assert first == second
    assert render_site(NOW + timedelta(days=1), base_url=BASE) != first
    # Keys are request targets, with parameters in the order the site's links use.
    expected = {"/", "/robots.txt", "/forum/index.php", "/forum/viewtopic.php?t=1236&start=10"}
    assert expected <= set(first)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        render_site(datetime(2026, 11, 20, 15, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        DemoSite(now=datetime(2026, 11, 20, 15, 0))


def test_demo_config_validates_and_points_at_the_demo_site(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VEILLE_DEMO_URL", BASE)
    config = load_checked_config(Path(veille.demo.__file__).parent / "config")
    pages = render_site(NOW, base_url=BASE)
    for source in config.sources.sources:
        for url in source.start_urls:
            assert url.removeprefix(BASE) in pages
    brands = {b.name: b for b in config.brands.brands}
    assert set(brands) == {"Fibrelia", "Kalio", "Orbix"}
    assert brands["Orbix"].role == "competitor"


def test_the_demo_prints_a_long_subject_on_one_line():
    """A subject longer than a header line is folded in the message; the demo's summary
    shows it decoded and whole."""
    from email.message import EmailMessage
    from email.policy import SMTP

    from veille.demo.run import Inbox

    subjects = [
        "[Veille] Fibrelia: reputation index down, 12 negative posts in forum-box since "
        "yesterday morning",
        "[Veille] Fibrelia : l'indice de réputation baisse — 12 messages négatifs depuis hier",
    ]
    raws = []
    for subject in subjects:
        message = EmailMessage()
        message["Subject"] = subject
        message.set_content("body")
        raws.append(message.as_bytes(policy=SMTP))
        assert b"\r\n " in raws[-1].split(b"\r\n\r\n")[0]  # folded, as sent
    assert Inbox(raws).subjects() == subjects


def test_veille_demo_serve_serves_the_site_alone_until_ctrl_c(tmp_path: Path):
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    server = subprocess.Popen(
        [sys.executable, "-m", "veille.cli", "demo", "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "VEILLE_HOME": str(tmp_path)},
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        url = first.split()[2]
        assert first.startswith("demo site: http://127.0.0.1:") and url.endswith("/")
        assert "VEILLE_DEMO_URL=" in server.stdout.readline()
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200 and b"Forum Box &amp; Fibre" in answer.read()
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=20) == 0
    assert not any(tmp_path.iterdir())  # nothing crawled or stored
