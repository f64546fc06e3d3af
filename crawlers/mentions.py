"""From extracted posts to Mention records (not yet matched to brands)."""

from __future__ import annotations

from datetime import datetime

from crawlers.extract.page import PageExtraction
from crawlers.extract.post import ExtractedPost
from veille.core.config import Source
from veille.core.record import Mention, canonical_url, make_mention_id


def post_mention(
    source: Source,
    post: ExtractedPost,
    *,
    page_url: str,
    thread: str,
    thread_title: str | None,
    crawled_at: datetime,
) -> Mention:
    """A comment or forum post. Its id hangs on the thread's URL, so a post keeps its id
    when the thread grows and it moves to another page."""
    assert source.source_kind is not None
    return Mention(
        mention_id=make_mention_id(
            source.id,
            thread,
            post_id=post.post_id,
            position=post.position,
            author=post.author,
            published_at=post.published_at,
        ),
        source_id=source.id,
        source_kind=source.source_kind,
        url=canonical_url(page_url),
        text=post.text,
        crawled_at=crawled_at,
        position=post.position,
        post_id=post.post_id,
        title=post.title,
        thread_url=thread,
        thread_title=thread_title,
        author=post.author,
        author_url=post.author_url,
        published_at=post.published_at,
        language=source.language if source.language != "auto" else None,
        owned=source.owned,
    )


def article_mention(source: Source, page: PageExtraction, *, crawled_at: datetime) -> Mention:
    """A blog article or news story itself (position 0 of its page)."""
    assert source.source_kind is not None
    url = canonical_url(page.url)
    return Mention(
        mention_id=make_mention_id(source.id, url, post_id=page.article_id or "article"),
        source_id=source.id,
        source_kind=source.source_kind,
        url=url,
        text=page.text,
        crawled_at=crawled_at,
        position=0,
        post_id=page.article_id,
        title=page.title,
        thread_url=url,
        thread_title=page.title,
        author=page.author,
        published_at=page.published_at,
        language=source.language if source.language != "auto" else None,
        owned=source.owned,
    )
