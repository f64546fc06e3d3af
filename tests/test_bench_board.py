"""The crawl bench's generated board (bench/sitegen.py): made by the demo's phpBB
templates, it reads as the phpBB preset expects, every post with its author and date."""

from __future__ import annotations

from bench.sitegen import POSTS_PER_PAGE, TOPICS_PER_PAGE, build_board, render_board
from crawlers.extract.page import parse_html
from crawlers.extract.presets import get_preset


def test_every_topic_page_of_the_board_gives_its_posts_to_the_phpbb_preset():
    board = build_board(40, seed=3, base_url="http://127.0.0.1:9/forum")
    documents, served = render_board(board, "http://127.0.0.1:9")
    assert [doc.kind for doc in documents][:1] == ["index"]
    assert "/forum/index.php" in served and "/forum/" in served  # the folder is an alias
    preset = get_preset("phpbb")
    found = 0
    for doc in (d for d in documents if d.kind == "topic"):
        page = parse_html(doc.body, doc.url)
        posts = preset.posts(page, doc.url, timezone="Europe/Paris", now=None)
        assert 1 <= len(posts) <= POSTS_PER_PAGE
        assert all(post.author and post.published_at for post in posts)
        found += len(posts)
    assert found == board.post_count
    # A topic list leads to each of its topics (an empty forum's, to none).
    for forum in board.forums:
        listing = next(doc for doc in documents if doc.url.endswith(f"?f={forum.id}"))
        links = preset.thread_links(parse_html(listing.body, listing.url), listing.url)
        topics = {f"viewtopic.php?t={topic.id}" for topic in forum.topics}
        assert topics <= {link.rsplit("/", 1)[-1] for link in links}


def test_a_long_topic_list_runs_over_pages_that_the_preset_follows():
    board = build_board(1500, seed=0, base_url="http://127.0.0.1:9/forum")
    documents, _ = render_board(board, "http://127.0.0.1:9")
    forum = max(board.forums, key=lambda forum: len(forum.topics))
    assert len(forum.pages) > 1 and len(forum.pages[0].topics) == TOPICS_PER_PAGE
    preset = get_preset("phpbb")
    first = next(doc for doc in documents if doc.url.endswith(f"?f={forum.id}"))
    following = preset.next_page(parse_html(first.body, first.url), first.url)
    assert following == f"http://127.0.0.1:9/forum/viewforum.php?f={forum.id}&start=25"
    assert following in {doc.url for doc in documents}
