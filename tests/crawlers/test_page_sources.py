"""`kind: page` sources: saved pages served on 127.0.0.1, listed in start_urls or in a
sitemap, each giving its article and its comments (real Scrapy crawls)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawlers.run import crawl_source
from crawlers.state import commit_crawl
from tests.conftest import FIXTURES
from tests.local_server import serve
from veille.checks import load_checked_model
from veille.core.config import ConfigError, Source, SourcesFile
from veille.core.record import Mention, read_mentions
from veille.demo.server import NOT_FOUND, Page, Request

LEMON_TREE = "/2020/04/lemon-tree/"  # WordPress: an article and 25 comments
EMISSIONS = "/2020/01/emissions/"  # a news article without comments


def saved(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Site:
    """Saved pages by path; answers conditional requests (ETag) and logs every request."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {
            "/robots.txt": (b"User-agent: *\nDisallow: /private/\n", "text/plain"),
            LEMON_TREE: (saved("pages/wordpress_lemon_tree.html"), "text/html"),
            EMISSIONS: (saved("pages_eval/salon.com.emissions.html"), "text/html"),
        }
        self.requests: list[tuple[str, int]] = []

    def answered(self, status: int) -> set[str]:
        return {path for path, code in self.requests if code == status and path != "/robots.txt"}

    def answer(self, request: Request) -> Page:
        if request.target not in self.pages:
            return NOT_FOUND
        body, content_type = self.pages[request.target]
        return Page(f"{content_type}; charset=utf-8", body)


@pytest.fixture
def site() -> Site:
    return Site()


@pytest.fixture
def base(site: Site) -> Iterator[str]:
    with serve(site) as url:
        yield url


def page_source(**fields: Any) -> Source:
    return Source.model_validate(
        {"id": "pages", "kind": "page", "allow_private_network": True, **fields}
    )


def sitemap(*entries: tuple[str, str | None], index: bool = False) -> bytes:
    tag, root = ("sitemap", "sitemapindex") if index else ("url", "urlset")
    items = "".join(
        f"<{tag}><loc>{loc}</loc>{f'<lastmod>{day}</lastmod>' if day else ''}</{tag}>"
        for loc, day in entries
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</{root}>'
    ).encode()


def articles_and_comments(path: Path | None) -> tuple[dict[str, Mention], list[Mention]]:
    assert path is not None
    mentions = list(read_mentions(path))
    assert len({m.mention_id for m in mentions}) == len(mentions)
    articles = {m.url: m for m in mentions if m.position == 0}
    return articles, [m for m in mentions if m.position > 0]


def test_start_urls_give_each_article_and_its_comments(site: Site, base: str, tmp_path: Path):
    source = page_source(start_urls=[base + LEMON_TREE, base + EMISSIONS])
    result = crawl_source(source, tmp_path)
    assert result.ok, result.problem
    articles, comments = articles_and_comments(result.path)

    assert set(articles) == {base + LEMON_TREE, base + EMISSIONS}
    lemon = articles[base + LEMON_TREE]
    assert lemon.title == "How to Grow a Lemon Tree from Seed | Step-by-Step Guide"
    assert lemon.author == "Florina Ionescu"
    assert lemon.published_at == datetime(2020, 4, 21, 6, 44, 14, tzinfo=UTC)
    assert "lemon" in lemon.text.lower() and lemon.source_kind == "blog"
    news = articles[base + EMISSIONS]
    assert news.title == "Despite everything, U.S. emissions dipped in 2019"
    assert news.author == "Nathanael Johnson"
    assert news.published_at == datetime(2020, 1, 10, 9, 0, 4, tzinfo=UTC)

    # The WordPress comments, found by detection (the source names no preset); the news
    # article has none.
    assert len(comments) == 25
    assert {c.thread_url for c in comments} == {base + LEMON_TREE}
    assert all(c.author and c.published_at and c.text for c in comments)
    first = min(comments, key=lambda c: c.position)
    assert (first.post_id, first.author) == ("comment-312", "Roberta")
    assert first.published_at == datetime(2019, 10, 20, 13, 31, 40, tzinfo=UTC)
    assert first.thread_title == lemon.title


def test_a_sitemap_index_leads_to_the_pages(site: Site, base: str, tmp_path: Path):
    site.pages["/sitemap.xml"] = (
        sitemap((base + "/post-sitemap.xml", "2020-05-01"), index=True),
        "application/xml",
    )
    site.pages["/post-sitemap.xml"] = (
        sitemap(
            (base + LEMON_TREE, "2020-04-21"),
            (base + EMISSIONS, None),  # no date: fetched
            (base + "/1901/old-page/", "1901-01-01"),  # older than max_age_days: left out
        ),
        "application/xml",
    )
    source = page_source(
        sitemaps=[base + "/sitemap.xml"], preset="wordpress", limits={"max_age_days": 36500}
    )
    result = crawl_source(source, tmp_path)
    assert result.ok, result.problem
    articles, comments = articles_and_comments(result.path)
    assert set(articles) == {base + LEMON_TREE, base + EMISSIONS}
    assert len(comments) == 25 and all(c.post_id.startswith("comment-") for c in comments)
    assert "/1901/old-page/" not in {path for path, _ in site.requests}


def test_an_unchanged_page_gives_nothing_new(site: Site, base: str, tmp_path: Path):
    state = tmp_path / "state"
    source = page_source(start_urls=[base + LEMON_TREE, base + EMISSIONS])
    first = crawl_source(source, tmp_path / "run1", state_dir=state)
    assert first.ok, first.problem
    assert first.posts == 27
    assert first.path is not None and commit_crawl(first.path, state)

    site.requests.clear()
    second = crawl_source(source, tmp_path / "run2", state_dir=state)
    assert second.ok, second.problem
    assert site.answered(304) == {LEMON_TREE, EMISSIONS}
    assert second.unchanged == 2 and second.posts == 0


def test_a_missing_page_is_reported(site: Site, base: str, tmp_path: Path):
    source = page_source(
        start_urls=[base + LEMON_TREE, base + EMISSIONS, base + "/gone/"],
        limits={"retries": 0},
    )
    result = crawl_source(source, tmp_path)
    assert result.failed == 1
    assert "HTTP 404 ×1" in result.answers
    # The pages that answered still give their posts.
    articles, comments = articles_and_comments(result.path)
    assert set(articles) == {base + LEMON_TREE, base + EMISSIONS} and len(comments) == 25


def test_most_pages_failed_counts_a_page_sources_pages(site: Site, base: str, tmp_path: Path):
    one_gone = page_source(
        start_urls=[base + LEMON_TREE, base + EMISSIONS, base + "/gone/"], limits={"retries": 0}
    )
    assert crawl_source(one_gone, tmp_path / "one").ok
    two_gone = one_gone.model_copy(
        update={"start_urls": [base + LEMON_TREE, base + "/gone/", base + "/gone-too/"]}
    )
    result = crawl_source(two_gone, tmp_path / "two")
    assert (result.problem or "").startswith("most pages failed: 2 of the 3 pages")


def test_every_page_missing_fails_the_source(site: Site, base: str, tmp_path: Path):
    source = page_source(start_urls=[base + "/gone/", base + "/gone-too/"])
    result = crawl_source(source, tmp_path)
    assert not result.ok and result.path is None
    assert "HTTP 404 ×2" in (result.problem or "")


def test_a_page_source_needs_pages_or_sitemaps(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: ok\n"
        "    kind: page\n"
        "    start_urls: ['https://blog.example.fr/2026/01/avis/']\n"
        "  - id: empty\n"
        "    kind: page\n"
        "    preset: wordpress\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_checked_model(path, SourcesFile)
    [problem] = caught.value.problems
    assert (problem.where, problem.line) == ("sources[1]", 5)
    assert "a page source needs start_urls (the pages themselves) or sitemaps" in problem.message


def test_sitemaps_are_checked_and_kept_to_page_sources():
    with pytest.raises(ValueError, match="is not an http"):
        page_source(sitemaps=["ftp://blog.example.fr/sitemap.xml"])
    with pytest.raises(ValueError, match="sitemaps: is for sources of kind page"):
        Source.model_validate(
            {"id": "f", "kind": "feed", "start_urls": ["https://b.fr/feed/"],
             "sitemaps": ["https://b.fr/sitemap.xml"]}
        )  # fmt: skip
    source = page_source(sitemaps=["https://b.fr/sitemap.xml"])
    assert source.source_kind == "blog" and source.start_urls == []
