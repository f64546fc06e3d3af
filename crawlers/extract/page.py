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
from lxml.html import HtmlElement
from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.presets import ExtractedPost, Preset, detect_preset, get_preset, select

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


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


def _guess_encoding(body: bytes) -> str:
    """For a page that declares no charset: UTF-8 when it decodes, else Windows-1252."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def decode_html(html: str | bytes, content_type: str | None = None) -> str:
    """The page's text: its BOM, Content-Type or meta charset decide; a page declaring
    none is read as UTF-8 when it is valid UTF-8 (libxml2 would assume Latin-1)."""
    if isinstance(html, str):
        return html
    _, text = html_to_unicode(content_type, html, auto_detect_fun=_guess_encoding)
    return text


def parse_html(html: str | bytes, url: str, content_type: str | None = None) -> Selector:
    """The page, parsed once."""
    text = decode_html(html, content_type)
    if not text.strip():
        raise ExtractionError(f"{url}: the page is empty")
    # lxml refuses text that still carries an XML encoding declaration.
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        tree = lxml_html.fromstring(text, base_url=url)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"{url}: not an HTML page ({err})") from err
    return Selector(root=tree, type="html")


def _first_text(page: Selector, expressions: tuple[str, ...]) -> str | None:
    for expression in expressions:
        for found in select(page, expression):
            root = found.root
            text = root.text_content() if isinstance(root, HtmlElement) else str(root)
            value = " ".join(text.split())
            if value:
                return value
    return None


def _published_date(page: Selector, timezone: str) -> datetime | None:
    """The article's own date, from the markup that carries it to the minute."""
    for expression in (
        "//meta[@property='article:published_time']/@content",
        "//article//time[has-class('published')]/@datetime",
        "//time[has-class('entry-date')]/@datetime",
        "//article//header//time/@datetime",
    ):
        for value in page.xpath(expression).getall():
            parsed = parse_iso(value, timezone)
            if parsed is not None:
                return parsed
    return None


_BYLINE = (
    "//*[has-class('byline')]//*[has-class('fn')]",
    "//article//*[has-class('author')][has-class('vcard')]//a",
    "//article//a[@rel='author']",
    "//meta[@name='author']/@content",
)


def _strip_byline_word(author: str | None) -> str | None:
    """trafilatura keeps the byline's "Par"/"By" in front of the name."""
    if author is None:
        return None
    return re.sub(r"^(par|by|de)\s+", "", author.strip(), flags=re.IGNORECASE) or None


def extract_page(
    html: str | bytes,
    url: str,
    *,
    preset: str | Preset | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> PageExtraction:
    """Main content, metadata and posts of a page. `preset` names the engine (a file
    of crawlers/presets/); without it the engine is detected from the markup."""
    page = parse_html(html, url)
    if isinstance(preset, str):
        preset = get_preset(preset)
    engine = preset or detect_preset(page)

    metadata: dict[str, str | None] = {}
    # Comments are posts of their own, so they stay out of the article's text.
    # trafilatura prunes the tree it works on: it gets the page's own copy.
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
    published = _published_date(page, timezone) or parse_date(
        metadata.get("date"), timezone=timezone, now=now
    )
    posts = engine.posts(page, url, timezone=timezone, now=now) if engine else []
    title = engine.thread_title(page) if engine else None
    article = page.xpath("//article[starts-with(@id, 'post-')]/@id").get()
    return PageExtraction(
        url=url,
        title=title or metadata.get("title"),
        text=text,
        author=_first_text(page, _BYLINE) or _strip_byline_word(metadata.get("author")),
        published_at=published,
        preset=engine.name if engine else None,
        posts=posts,
        article_id=article,
    )
