"""Page objects: each one's saved pages give their expected output, and a source of kind
page_object crawls with it."""

import json
from pathlib import Path

import pytest

from crawlers.extract.page import parse_html
from crawlers.page_objects import page_object_for, registered
from crawlers.run import crawl_source
from tests.conftest import FIXTURES
from veille.checks import CHECKS
from veille.core.config import Source
from veille.core.record import read_mentions
from veille.demo.server import HTML, Page, SavedPages, serve

CASES = sorted((FIXTURES / "page_objects").glob("*/*.expected.json"))


def test_every_page_object_has_a_saved_page():
    domains_with_fixtures = {case.parent.name for case in CASES}
    for domain, cls in registered().items():
        assert set(cls.domains) & domains_with_fixtures, f"{cls.name} ({domain}) has no fixture"


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: p.stem)
def test_saved_page_gives_the_expected_output(expected_path: Path):
    expected = json.loads(expected_path.read_text())
    html = expected_path.with_name(expected_path.name.replace(".expected.json", ".html"))
    page_object = page_object_for(expected["url"])
    assert page_object is not None
    page = parse_html(html.read_bytes(), expected["url"])
    posts = page_object.posts(page, expected["url"], timezone="UTC", now=None)
    assert page_object.thread_title(page) == expected["thread_title"]
    assert [
        {
            "post_id": p.post_id,
            "position": p.position,
            "author": p.author,
            "author_url": p.author_url,
            "published_at": p.published_at.isoformat() if p.published_at else None,
            "text_start": p.text[:80],
            "quoted_post_ids": p.quoted_post_ids,
        }
        for p in posts
    ] == expected["posts"]


def test_page_object_source_is_checked():
    with pytest.raises(ValueError, match="needs a page object for the domain"):
        Source.model_validate(
            {"id": "x", "kind": "page_object", "start_urls": ["https://unknown.example/"]},
            context={"checks": CHECKS},
        )
    with pytest.raises(ValueError, match="no page object named 'nope'"):
        Source.model_validate(
            {"id": "x", "kind": "page_object", "page_object": "nope",
             "start_urls": ["https://a.example/"]},
            context={"checks": CHECKS},
        )  # fmt: skip


def test_crawl_with_a_page_object(tmp_path: Path):
    page = (FIXTURES / "page_objects" / "stackexchange.com" / "german-wurde-war.html").read_bytes()

    target = "/questions/10376/when-to-use-wurde-versus-war"
    with serve(SavedPages({target: Page(HTML, page)})) as served:
        base = served.base_url
        source = Source.model_validate(
            {
                "id": "german-se",
                "kind": "page_object",
                "page_object": "stackexchange",  # a local copy: not the site's domain
                "start_urls": [base + target],
                "allow_private_network": True,
            }
        )
        result = crawl_source(source, tmp_path)
    assert result.ok, result.problem
    mentions = list(read_mentions(result.path))
    assert len(mentions) == 21
    assert mentions[0].author == "user5105" and mentions[0].source_kind == "forum"
    assert {m.thread_title for m in mentions} == {
        'When to use "wurde" versus "war" (eg "Ich wurde ausgeraubt" vs "Ich war ausgeraubt")'
    }
