"""Real Scrapy crawls (subprocesses) of the demo site served on 127.0.0.1."""

from collections import Counter
from pathlib import Path

import pytest

from crawlers.run import crawl_source
from veille.checks import load_checked_config
from veille.core.config import Source
from veille.core.record import read_mentions


@pytest.fixture
def sources(demo_config: Path) -> dict[str, Source]:
    return {s.id: s for s in load_checked_config(demo_config).sources.sources}


def test_forum_crawl_collects_every_post_of_every_page(sources, tmp_path: Path):
    forum = next(s for s in sources.values() if s.kind == "forum")
    result = crawl_source(forum, tmp_path)
    assert result.ok, result.problem
    posts = list(read_mentions(result.path))
    assert result.posts == len(posts) >= 20
    assert len({p.mention_id for p in posts}) == len(posts)
    by_thread = Counter(p.thread_url for p in posts)
    assert len(by_thread) >= 3
    # A thread over two pages: posts from page 2 carry positions past 10 and the
    # thread URL of page 1, so their ids do not depend on the page.
    long_thread = max(by_thread, key=by_thread.__getitem__)
    assert by_thread[long_thread] > 10
    page_two = [p for p in posts if p.thread_url == long_thread and p.position > 10]
    assert page_two and all("start=" in p.url for p in page_two)
    assert all("start=" not in (p.thread_url or "") for p in posts)
    for post in posts:
        assert post.author and post.text and post.post_id
        assert post.published_at is not None and post.published_at.tzinfo is not None
        assert post.source_kind == "forum" and post.thread_title


def test_feed_crawl_collects_articles_and_their_comments(sources, tmp_path: Path):
    blog = next(s for s in sources.values() if s.kind == "feed")
    result = crawl_source(blog, tmp_path)
    assert result.ok, result.problem
    posts = list(read_mentions(result.path))
    articles = [p for p in posts if p.position == 0]
    comments = [p for p in posts if p.position > 0]
    assert len(articles) >= 4 and len(comments) >= 4
    assert all(a.title and a.published_at and a.author for a in articles)
    article_urls = {a.url for a in articles}
    assert all(c.thread_url in article_urls for c in comments)
    assert all(c.author and c.published_at and c.post_id.startswith("comment-") for c in comments)


def test_recrawl_gives_the_same_ids(sources, tmp_path: Path):
    forum = next(s for s in sources.values() if s.kind == "forum")
    first = crawl_source(forum, tmp_path / "a")
    second = crawl_source(forum, tmp_path / "b")
    assert first.path is not None and second.path is not None
    first_ids = {p.mention_id for p in read_mentions(first.path)}
    assert first_ids == {p.mention_id for p in read_mentions(second.path)}


def test_private_addresses_are_refused_unless_allowed(sources, tmp_path: Path):
    forum = next(s for s in sources.values() if s.kind == "forum")
    refused = forum.model_copy(update={"allow_private_network": False})
    result = crawl_source(refused, tmp_path)
    assert not result.ok
    # The reason, not "no page could be fetched (answers: none)".
    start = forum.start_urls[0]
    assert (result.problem or "").startswith(
        f"refused: {start} is on a private or loopback network (127.0.0.1); "
        "set allow_private_network: true on the source if this is intended; see "
    )
    log = (tmp_path / f"{forum.id}.log").read_text()
    assert "Traceback" not in log
    records = [line for line in log.splitlines() if line.startswith("20")]  # not the stats
    assert len([line for line in records if "private or loopback network" in line]) == 1


def test_a_dead_source_is_reported_not_raised(tmp_path: Path):
    dead = Source(
        id="dead",
        kind="feed",
        start_urls=["http://127.0.0.1:9/feed/"],
        allow_private_network=True,
    )
    result = crawl_source(dead, tmp_path)
    assert not result.ok and result.path is None
    assert str(tmp_path / "dead.log") in (result.problem or "")
