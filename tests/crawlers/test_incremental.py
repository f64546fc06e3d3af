"""Incremental, polite and failure-isolated crawls against a local forum whose content
changes between runs."""

from pathlib import Path

import pytest

from crawlers.run import crawl_source
from crawlers.state import commit_crawl
from tests.crawlers.forum_server import Forum
from tests.local_server import serve
from veille.core.config import Source
from veille.core.record import read_mentions


def forum_source(base_url: str, **limits: object) -> Source:
    return Source.model_validate(
        {
            "id": "test-forum",
            "kind": "forum",
            "preset": "phpbb",
            "start_urls": [f"{base_url}/forum/index.php"],
            "timezone": "Europe/Paris",
            "allow_private_network": True,
            "limits": limits,
        }
    )


@pytest.fixture
def forum() -> Forum:
    forum = Forum()
    forum.add_topic(1, "Débit en baisse", posts=8)
    forum.add_topic(2, "Panne générale ?", posts=12)  # two pages
    forum.add_topic(3, "Nouvelle box", posts=3)
    return forum


def test_second_crawl_fetches_only_new_pages(forum: Forum, tmp_path: Path):
    state = tmp_path / "state"
    with serve(forum) as base:
        source = forum_source(base)
        first = crawl_source(source, tmp_path / "run1", state_dir=state)
        assert first.ok, first.problem
        assert first.posts == 23
        assert sorted(forum.fetched()) == sorted(
            [
                "/robots.txt",
                "/forum/index.php",
                "/forum/viewforum.php?f=1",
                "/forum/viewtopic.php?t=1",
                "/forum/viewtopic.php?t=2",
                "/forum/viewtopic.php?t=2&start=10",
                "/forum/viewtopic.php?t=3",
            ]
        )
        first_ids = {m.mention_id for m in read_mentions(first.path)}
        # The run stored the posts (the load): the state moves forward.
        assert commit_crawl(first.path, state)

        forum.requests.clear()
        new_posts = [forum.add_post(2, "Toujours en panne ce matin."), forum.add_post(2)]
        forum.add_topic(4, "Résiliation", posts=1)
        second = crawl_source(source, tmp_path / "run2", state_dir=state)

    assert second.ok, second.problem
    # Listings changed; topic 2 resumes at its last page; topics 1 and 3 did not change.
    assert sorted(forum.fetched()) == sorted(
        [
            "/robots.txt",
            "/forum/index.php",
            "/forum/viewforum.php?f=1",
            "/forum/viewtopic.php?t=2&start=10",
            "/forum/viewtopic.php?t=4",
        ]
    )
    unchanged = {path for path, status in forum.requests if status == 304}
    assert unchanged == {"/forum/viewtopic.php?t=1", "/forum/viewtopic.php?t=3"}
    assert second.unchanged == 2
    mentions = list(read_mentions(second.path))
    by_post = {m.post_id: m for m in mentions}
    assert {str(p.id) for p in new_posts} <= set(by_post)
    assert by_post[str(new_posts[0].id)].text == "Toujours en panne ce matin."
    assert by_post[str(new_posts[0].id)].position == 13
    # Posts seen again on the resumed page keep their ids: loads will not duplicate them.
    seen_again = [m for m in mentions if m.mention_id in first_ids]
    assert len(seen_again) == 2
    assert len(mentions) == 2 + 2 + 1


def test_a_failed_crawl_leaves_the_state_as_it_was(forum: Forum, tmp_path: Path):
    state = tmp_path / "state"
    with serve(forum) as base:
        first = crawl_source(forum_source(base), tmp_path / "run1", state_dir=state)
        assert first.ok and first.path is not None and commit_crawl(first.path, state)
    before = (state / "test-forum.sqlite").read_bytes()
    # The server is gone: this crawl fails and must not touch the state.
    failed = crawl_source(forum_source(base, retries=0), tmp_path / "run2", state_dir=state)
    assert not failed.ok
    assert (state / "test-forum.sqlite").read_bytes() == before


def test_a_crawl_whose_posts_were_not_stored_leaves_the_state_as_it_was(
    forum: Forum, tmp_path: Path
):
    """A run that fails after its crawl (a busy warehouse, a kill during scoring) never
    commits the crawl's state: the next crawl fetches every page again, so the posts
    that never reached the warehouse are found again."""
    state = tmp_path / "state"
    with serve(forum) as base:
        first = crawl_source(forum_source(base), tmp_path / "run1", state_dir=state)
        assert first.ok and first.posts == 23
        assert not (state / "test-forum.sqlite").exists()  # not before the load
        forum.requests.clear()
        again = crawl_source(forum_source(base), tmp_path / "run2", state_dir=state)
    assert again.ok and again.posts == 23 and again.unchanged == 0
    assert not any(status == 304 for _, status in forum.requests)


def test_robots_user_agent_and_page_limit(forum: Forum, tmp_path: Path):
    forum.extra_topic_links = ["/private/secret.php"]
    with serve(forum) as base:
        source = forum_source(base, max_pages=4)
        result = crawl_source(source, tmp_path, contact="https://example.org/veille-contact")
    assert result.ok, result.problem
    paths = [path for path, _ in forum.requests]
    assert not any(path.startswith("/private/") for path in paths)  # robots.txt disallows it
    assert forum.user_agents == {"Veille/0.1.0 (+https://example.org/veille-contact)"}
    assert len([p for p in paths if p != "/robots.txt"]) <= 4 + 4  # the limit, give or take
    assert "robots.txt" in (tmp_path / "test-forum.log").read_text()


def test_a_page_over_the_size_limit_is_skipped_with_a_warning(forum: Forum, tmp_path: Path):
    forum.add_post(3, "x" * 150_000)
    with serve(forum) as base:
        result = crawl_source(forum_source(base, max_page_bytes=100_000), tmp_path)
    assert result.ok, result.problem
    topics = {m.thread_url.rsplit("=", 1)[1] for m in read_mentions(result.path)}
    assert topics == {"1", "2"}  # topic 3's page is too big, the others are there
    log = (tmp_path / "test-forum.log").read_text()
    assert "larger than download max size" in log


@pytest.mark.parametrize(
    ("path", "limits", "expected"),
    [
        ("/error/feed/", {"retries": 1}, "answers: HTTP 500 ×2"),
        ("/garbage/feed/", {}, "no usable page: 1 could not be read"),
        ("/slow/feed/", {"timeout_s": 1, "retries": 0}, "answers: none"),
    ],
)
def test_a_misbehaving_source_is_reported_not_raised(
    forum: Forum, tmp_path: Path, path: str, limits: dict[str, object], expected: str
):
    with serve(forum) as base:
        source = Source.model_validate(
            {
                "id": "bad",
                "kind": "feed",
                "start_urls": [base + path],
                "allow_private_network": True,
                "limits": limits,
            }
        )
        result = crawl_source(source, tmp_path)
        # The same server still serves a good source meanwhile.
        good = crawl_source(forum_source(base), tmp_path)
    assert not result.ok and result.path is None
    assert expected in (result.problem or "")
    assert good.ok and good.posts == 23
