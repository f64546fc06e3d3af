"""Extraction of one saved or fetched page: the main content (trafilatura) and its posts
(comments or forum posts, with the engine's preset)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlElement
from parsel import Selector
from w3lib.encoding import html_to_unicode

from crawlers.extract.dates import parse_date, parse_iso
from crawlers.extract.post import ExtractedPost
from crawlers.extract.xpath import select

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
    # What the extraction left out and why (a page too large to read whole): the crawl
    # logs each note as a warning, `veille extract` prints them.
    notes: list[str] = field(default_factory=list)

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
            **({"notes": self.notes} if self.notes else {}),
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


# Control characters are not XML text: lxml parses them but refuses them in any text
# set later (a post's text is rebuilt node by node). A form feed is a space in HTML.
_CONTROL = {code: None for code in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20))} | {0x0C: " "}


def page_text(html: str | bytes, content_type: str | None = None) -> str:
    """The page as text, ready to parse: decoded (decode_html), without an XML
    declaration (lxml refuses one in text) or control characters."""
    text = decode_html(html, content_type)
    return _XML_DECLARATION.sub("", text, count=1).translate(_CONTROL)


def parse_html(html: str | bytes, url: str, content_type: str | None = None) -> Selector:
    """The page, parsed once."""
    text = page_text(html, content_type)
    if not text.strip():
        raise ExtractionError(f"{url}: the page is empty")
    try:
        tree = lxml_html.fromstring(text, base_url=url)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"{url}: not an HTML page ({err})") from err
    if not isinstance(tree.tag, str):  # a comment or processing instruction came first
        tree = tree.getroottree().getroot()
        if tree is None or not isinstance(tree.tag, str):
            raise ExtractionError(f"{url}: not an HTML page (no element)")
    return Selector(root=tree, type="html")


def _first_text(page: Selector, expressions: tuple[str, ...]) -> str | None:
    for expression in expressions:
        for found in select(page, expression):
            text = found.text_content() if isinstance(found, HtmlElement) else str(found)
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
        # select(), not parsel: "//article//time" from each of a comment page's thousand
        # <article> elements is quadratic in libxml2 (presets.descendant_parts)
        for value in select(page, expression):
            parsed = parse_iso(str(value), timezone)
            if parsed is not None:
                return parsed
    return None


_BYLINE = (
    "//*[has-class('byline')]//*[has-class('fn')]",
    "//article//*[has-class('author')][has-class('vcard')]//a",
    "//article//a[@rel='author']",
    "//meta[@name='author']/@content",
)


# How a <title> joins the article's title to the site's name.
_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " · ", " » ")
_QUOTES = str.maketrans("‘’‚‛“”„‟", "''''\"\"\"\"")


def _title_key(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split()).casefold()


def _article_title(title: str | None, page: Selector, site_names: list[str | None]) -> str | None:
    """The article's own title: a <title> is often "Article - Site". The page's <h1>
    wins when the title is that heading plus a side part; else a side part that names
    the site is cut."""
    if not title:
        return None
    key = _title_key(title)
    for heading in page.xpath("//h1"):
        root = heading.root
        text = " ".join(root.text_content().split()) if isinstance(root, HtmlElement) else ""
        wanted = _title_key(text)
        if wanted and (
            key == wanted
            or any(
                key.startswith(wanted + sep) or key.endswith(sep + wanted)
                for sep in _TITLE_SEPARATORS
            )
        ):
            return text
    names = {_title_key(name) for name in site_names if name}
    names |= {name.removeprefix("www.") for name in names}
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and _title_key(tail) in names:
            return head.strip()
        head, found, tail = title.partition(sep)
        if found and tail.strip() and _title_key(head) in names:
            return tail.strip()
    return title


def _strip_byline_word(author: str | None) -> str | None:
    """trafilatura keeps the byline's "Par"/"By" in front of the name."""
    if author is None:
        return None
    return re.sub(r"^(par|by|de)\s+", "", author.strip(), flags=re.IGNORECASE) or None


# trafilatura's own evaluation settings. Comments are posts of their own (presets), so
# they stay out of the article's text.
_TRAFILATURA: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_formatting": False,
}


# trafilatura's time grows faster than the page it reads (its own XPath over a page of
# thousands of comments or posts: 1 MB took 6 s, 2.5 MB 18 s). It reads a page whole up
# to this many characters, once scripts and styles are left out; beyond, the first this
# many characters, and the extraction says so in its notes. The article comes first on
# a page; what is cut is comments (posts of their own), sidebars and footers.
MAIN_TEXT_MAX_CHARS = 1_000_000

# Never main text, and trafilatura drops them anyway; JSON-LD (metadata) is kept.
_NOT_TEXT = "//script[not(contains(@type, 'ld+json'))]|//style|//noscript|//template|//svg"


def within_budget(text: str, limit: int | None = None) -> tuple[str, str | None]:
    """The page as trafilatura gets it: `text` when it is at most `limit` characters
    (MAIN_TEXT_MAX_CHARS), else without its scripts and styles and, when still too long,
    cut at the last tag that starts before `limit`; with a note saying what was cut, or
    None."""
    limit = MAIN_TEXT_MAX_CHARS if limit is None else limit
    if len(text) <= limit:
        return text, None
    try:
        tree = lxml_html.fromstring(text)
    except (etree.ParserError, ValueError):
        tree = None
    if tree is not None:
        for node in tree.xpath(_NOT_TEXT):
            node.drop_tree()
        lean = lxml_html.tostring(tree, encoding="unicode")
        if len(lean) <= limit:
            return lean, None
        text = lean
    cut = text.rfind("<", 0, limit)
    kept = text[: cut if cut > limit // 2 else limit]  # else one text longer than half
    return kept, (
        f"main text read from the first {len(kept):,} of {len(text):,} characters "
        f"(scripts and styles left out): a page is read whole up to {limit:,}"
    )


def main_content(
    html: str | bytes, url: str, posts: Sequence[str] = ()
) -> tuple[dict[str, str | None], str]:
    """trafilatura's metadata and the article's text, with no boilerplate.

    favor_precision trims the edges of the article, where boilerplate sits (bylines,
    dates, share and follow prompts), but it also drops some short lines inside it (an
    address, a quote, a heading): lines that the balanced run finds between two lines
    both runs agree on are put back. On a forum thread, where the balanced text is made
    of the `posts`, it stays whole: precision would keep one post of many. An empty
    result falls back to favor_recall, then to trafilatura's baseline (the page's
    paragraphs). bench/extraction.py measures this against trafilatura's own settings.
    """
    # trafilatura prunes the tree it works on: each run parses its own copy.
    extracted = trafilatura.extract(
        html, url=url, output_format="json", with_metadata=True, **_TRAFILATURA
    )
    metadata: dict[str, str | None] = (
        json.loads(extracted) if extracted else _metadata_only(html, url)
    )
    text = balanced = metadata.get("text") or ""
    if not _made_of_posts(balanced, posts):
        precise = trafilatura.extract(html, url=url, favor_precision=True, **_TRAFILATURA)
        text = fill_inner_gaps(precise, balanced) if precise else balanced
    if not text.strip():
        text = trafilatura.extract(html, url=url, favor_recall=True, **_TRAFILATURA) or ""
    if not text.strip():
        text = trafilatura.baseline(html)[1]
    return metadata, drop_boilerplate_lines(text)


# Whether a text is made of the page's posts is judged on its first posts: each one is
# looked for in the whole text, and a page may have thousands (the first ones are also
# those a text cut to MAIN_TEXT_MAX_CHARS still has).
_POSTS_LOOKED_FOR = 200


def _made_of_posts(text: str, posts: Sequence[str]) -> bool:
    """Whether at least half the posts (of the first _POSTS_LOOKED_FOR) begin somewhere
    in the text."""
    starts = [" ".join(post.split())[:40] for post in posts[:_POSTS_LOOKED_FOR] if post.strip()]
    flat = " ".join(text.split())
    return bool(starts) and 2 * sum(start in flat for start in starts) >= len(starts)


def _metadata_only(html: str | bytes, url: str) -> dict[str, str | None]:
    """trafilatura gives no metadata with an empty text: the title and date still count."""
    tree = trafilatura.load_html(html)
    if tree is None:
        return {}
    found = trafilatura.extract_metadata(tree, default_url=url)
    return {"title": found.title, "author": found.author, "date": found.date}


def fill_inner_gaps(precise: str, balanced: str) -> str:
    """`precise` with the lines only `balanced` has between two lines they share; what
    `balanced` adds before the first or after the last shared line is left out."""
    ours, theirs = precise.split("\n"), balanced.split("\n")
    blocks = difflib.SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes()
    shared = [i for i, block in enumerate(blocks) if block[0] == "equal"]
    if not shared:
        return precise
    lines: list[str] = []
    for i, (tag, i1, i2, j1, j2) in enumerate(blocks):
        inside = shared[0] < i < shared[-1]
        if tag in ("equal", "delete"):
            lines += ours[i1:i2]
        elif tag == "insert":
            lines += theirs[j1:j2] if inside else []
        else:  # replace: inside the article the balanced run's fuller version wins
            lines += theirs[j1:j2] if inside else ours[i1:i2]
    return "\n".join(lines)


_WORD = re.compile(r"\w")
# Photo credits and copyright lines, wherever they are: captions, not the article.
_CREDIT_LINE = re.compile(
    r"^\W*(photos?|crédits?|credits?|image|illustration)(\s+photos?)?\s*:|©", re.IGNORECASE
)
# Prompts and labels that trail or lead an article; a brand named in "Follow X on
# Twitter" is not a mention. Only looked for at the edges of the text.
_EDGE_LINE = re.compile(
    r"\b(follow|suivez)\b.{0,80}\b(twitter|facebook|instagram|linkedin|youtube|tiktok)\b"
    r"|\b(subscribe|abonnez-vous|sign up|inscrivez-vous)\b.{0,60}\b(newsletter|updates|lettre)"
    r"|^\W*(share|partager|partagez)( this| cet article)?\W*$"
    r"|(^|\s)(category|categories|catégories?|tags|mots-clés|filed under|posted in|publié dans)\s*:"
    r"|\b(support (us|our work)|soutenez-nous)\b"
    r"|\b(logged in|connecté)\b.{0,40}\b(comment|commentaire)",
    re.IGNORECASE,
)
# "donate" is also an ordinary verb: an appeal ends with its button.
_APPEAL_LINE = re.compile(r"\b(donate|faire un don)(\s+(now|maintenant))?\W*$", re.IGNORECASE)


def _is_edge_boilerplate(line: str) -> bool:
    return len(line) <= 300 and (
        _EDGE_LINE.search(line) is not None or _APPEAL_LINE.search(line) is not None
    )


def drop_boilerplate_lines(text: str) -> str:
    """The text without the residual boilerplate lines trafilatura lets through."""
    # trafilatura's fallbacks leave lines of blanks, bullets or table bars alone.
    lines = [
        line
        for line in text.split("\n")
        if _WORD.search(line) and not (len(line) <= 160 and _CREDIT_LINE.search(line))
    ]
    while lines and _is_edge_boilerplate(lines[-1]):
        lines.pop()
    while lines and _is_edge_boilerplate(lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def page_extraction(
    source: str,
    page: Selector,
    url: str,
    posts: list[ExtractedPost],
    *,
    reader: str | None,
    thread_title: str | None,
    timezone: str,
    now: datetime | None,
    language: str | None,
) -> PageExtraction:
    """The page's main text (its posts' texts left out of it), title, author and date,
    with the posts read by `reader` (crawlers/reader.py read_posts)."""
    readable, note = within_budget(source)
    metadata, text = main_content(readable, url, [post.text for post in posts])
    published = _published_date(page, timezone) or parse_date(
        metadata.get("date"), timezone=timezone, now=now, language=language
    )
    article = page.xpath("//article[starts-with(@id, 'post-')]/@id").get()
    site_names = [
        metadata.get("source-hostname"),  # trafilatura's site name
        page.xpath("//meta[@property='og:site_name']/@content").get(),
        urlsplit(url).hostname,
    ]
    return PageExtraction(
        url=url,
        title=thread_title or _article_title(metadata.get("title"), page, site_names),
        text=text,
        author=_first_text(page, _BYLINE) or _strip_byline_word(metadata.get("author")),
        published_at=published,
        preset=reader,
        posts=posts,
        article_id=article,
        notes=[note] if note else [],
    )
