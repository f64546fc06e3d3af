"""Extraction of one saved or fetched page: the main content (trafilatura) and its posts
(comments or forum posts, with the engine's preset)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.presets import PRESETS, ExtractedPost, Preset, detect_preset, has_class


class ExtractionError(ValueError):
    """A page that cannot be read as HTML."""


@dataclass
class PageExtraction:
    url: str
    title: str | None
    text: str
    author: str | None
    published_at: datetime | None
    preset: str | None
    posts: list[ExtractedPost] = field(default_factory=list)
    article_id: str | None = None

    def to_contract(self) -> dict[str, object]:
        """The JSON object `veille extract` prints."""
        return {
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "author": self.author,
            "published_at": _iso(self.published_at),
            "preset": self.preset,
            "posts": [
                {
                    "post_id": post.post_id,
                    "position": post.position,
                    "author": post.author,
                    "published_at": _iso(post.published_at),
                    "text": post.text,
                    **({"quoted_post_ids": post.quoted_post_ids} if post.quoted_post_ids else {}),
                }
                for post in self.posts
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_html(html: str | bytes, url: str) -> lxml_html.HtmlElement:
    try:
        tree = lxml_html.fromstring(html, base_url=url)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"{url}: not an HTML page ({err})") from err
    return tree


def _published_date(tree: lxml_html.HtmlElement, timezone: str) -> datetime | None:
    """The article's own date, from the markup that carries it to the minute."""
    for expression in (
        "//meta[@property='article:published_time']/@content",
        f"//article//time[{has_class('published')}]/@datetime",
        f"//time[{has_class('entry-date')}]/@datetime",
        "//article//header//time/@datetime",
    ):
        for value in tree.xpath(expression):
            parsed = parse_iso(str(value), timezone)
            if parsed is not None:
                return parsed
    return None


def _author(tree: lxml_html.HtmlElement) -> str | None:
    """The article's author from the byline markup blogs use (hAtom, rel=author)."""
    for expression in (
        f"//*[{has_class('byline')}]//*[{has_class('fn')}]",
        f"//article//*[{has_class('author')}][{has_class('vcard')}]//a",
        "//article//a[@rel='author']",
        "//meta[@name='author']/@content",
    ):
        for found in tree.xpath(expression):
            text = found.text_content() if hasattr(found, "text_content") else str(found)
            name = " ".join(text.split())
            if name:
                return name
    return None


def _strip_byline_word(author: str | None) -> str | None:
    """trafilatura keeps the byline's "Par"/"By" in front of the name."""
    if author is None:
        return None
    return re.sub(r"^(par|by|de)\s+", "", author.strip(), flags=re.IGNORECASE) or None


def extract_page(
    html: str | bytes,
    url: str,
    *,
    preset: str | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> PageExtraction:
    """Main content, metadata and posts of a page. `preset` names the engine
    ('wordpress', 'phpbb'); without it the engine is detected from the markup."""
    # Bytes let lxml honour the page's declared encoding.
    if isinstance(html, str):
        html = html.encode("utf-8")
    if not html.strip():
        raise ExtractionError(f"{url}: the page is empty")
    tree = parse_html(html, url)
    engine: Preset | None = PRESETS[preset] if preset else detect_preset(tree)

    metadata: dict[str, str | None] = {}
    # Comments are posts of their own, so they stay out of the article's text.
    extracted = trafilatura.extract(
        html,
        url=url,
        output_format="json",
        with_metadata=True,
        include_comments=False,
        favor_precision=False,
    )
    if extracted:
        metadata = json.loads(extracted)
    text = metadata.get("text") or ""
    published = _published_date(tree, timezone) or parse_date(
        metadata.get("date"), timezone=timezone, now=now
    )
    posts = engine.posts(tree, url, timezone=timezone, now=now) if engine else []
    title = engine.thread_title(tree) if engine else None
    article = tree.xpath("//article[starts-with(@id, 'post-')]/@id")
    return PageExtraction(
        url=url,
        title=title or metadata.get("title"),
        text=text,
        author=_author(tree) or _strip_byline_word(metadata.get("author")),
        published_at=published,
        preset=engine.name if engine else None,
        posts=posts,
        article_id=str(article[0]) if article else None,
    )
