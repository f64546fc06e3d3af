"""Post extraction for the common engines: a preset knows where one engine puts each
post, its id, author, date and text, and how its pages link to each other.

A page holds many posts (a forum thread page, a blog article's comment section); each
becomes an ExtractedPost. Quoted replies and signatures are removed from the text, and
the id of a quoted post is kept when the markup gives it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml.html import HtmlElement

from crawlers.extract.dates import parse_date, parse_iso

_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "dd", "dt", "dl", "section", "article", "header", "footer",
}  # fmt: skip


@dataclass
class ExtractedPost:
    post_id: str | None
    position: int
    text: str
    author: str | None = None
    author_url: str | None = None
    published_at: datetime | None = None
    date_text: str | None = None
    title: str | None = None
    quoted_post_ids: list[str] = field(default_factory=list)


def has_class(name: str) -> str:
    """XPath predicate: the element's class attribute holds the token `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def element_text(element: HtmlElement, drop: Iterable[str] = ()) -> str:
    """The text a reader sees: one line per block, <br> kept as line breaks, spaces
    collapsed. `drop` lists XPath expressions for parts to leave out (quotes, signatures)."""
    element = copy.deepcopy(element)
    for expression in drop:
        for node in element.xpath(expression):
            tail = node.tail
            parent = node.getparent()
            if parent is None:
                continue
            # Keep the text that followed the removed node.
            previous = node.getprevious()
            if tail:
                if previous is not None:
                    previous.tail = (previous.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
            parent.remove(node)
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in ("script", "style"):
            node.text = ""
        if node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif node.tag in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            node.text = "\n" + (node.text or "")
    raw = element.text_content().replace("\xa0", " ").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def _first(element: HtmlElement, *expressions: str) -> HtmlElement | None:
    for expression in expressions:
        found = element.xpath(expression)
        if found:
            return found[0]
    return None


def _attr(element: HtmlElement | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() if value else None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


class Preset:
    """One forum or comment engine."""

    name = ""

    def detect(self, tree: HtmlElement) -> bool:
        raise NotImplementedError

    def posts(
        self, tree: HtmlElement, url: str, *, timezone: str, now: datetime | None
    ) -> list[ExtractedPost]:
        raise NotImplementedError

    def thread_title(self, tree: HtmlElement) -> str | None:
        return None

    def forum_links(self, tree: HtmlElement, url: str) -> list[str]:
        """Links from a forum's index or listing pages to sub-forums."""
        return []

    def thread_links(self, tree: HtmlElement, url: str) -> list[str]:
        """Links from a listing page to the threads it lists."""
        return []

    def next_page(self, tree: HtmlElement, url: str) -> str | None:
        """The next page of the same listing or thread."""
        return None


class WordPressComments(Preset):
    """WordPress comment sections (`wp_list_comments()`, html5 and older xhtml markup)."""

    name = "wordpress"
    _COMMENTS = (
        f"//li[starts-with(@id, 'comment-')][{has_class('comment')} or {has_class('pingback')}"
        f" or {has_class('trackback')}]"
    )

    def detect(self, tree: HtmlElement) -> bool:
        return bool(tree.xpath(self._COMMENTS))

    def posts(
        self, tree: HtmlElement, url: str, *, timezone: str, now: datetime | None
    ) -> list[ExtractedPost]:
        posts = []
        comments = [c for c in tree.xpath(self._COMMENTS) if self._is_comment(c)]
        for position, item in enumerate(comments, 1):
            body = _first(item, f"./article[{has_class('comment-body')}]",
                          f"./div[{has_class('comment-body')}]")  # fmt: skip
            if body is None:
                body = item
            author_el = _first(body, f".//*[{has_class('comment-author')}]//*[{has_class('fn')}]",
                               f".//*[{has_class('fn')}]")  # fmt: skip
            link_el = _first(body, f".//*[{has_class('comment-author')}]//a[@href]")
            time_el = _first(body, f".//*[{has_class('comment-metadata')}]//time",
                             f".//*[{has_class('comment-meta')}]//time", ".//time")  # fmt: skip
            date_text = _clean(time_el.text_content()) if time_el is not None else None
            published = parse_iso(_attr(time_el, "datetime"), timezone)
            if date_text is None:
                meta = _first(body, f".//*[{has_class('comment-meta')}]//a",
                              f".//*[{has_class('comment-metadata')}]//a")  # fmt: skip
                date_text = _clean(meta.text_content()) if meta is not None else None
            if published is None:
                published = parse_date(date_text, timezone=timezone, now=now)
            content = _first(body, f".//*[{has_class('comment-content')}]")
            if content is not None:
                text = element_text(content)
            else:
                text = element_text(
                    body,
                    drop=(
                        f".//*[{has_class('comment-author')}]",
                        f".//*[{has_class('comment-meta')}]",
                        f".//*[{has_class('comment-metadata')}]",
                        f".//*[{has_class('reply')}]",
                        f".//ol[{has_class('children')}]",
                        ".//ul[contains(@class, 'children')]",
                    ),
                )
            posts.append(
                ExtractedPost(
                    post_id=item.get("id"),
                    position=position,
                    text=text,
                    author=_clean(author_el.text_content()) if author_el is not None else None,
                    author_url=urljoin(url, link_el.get("href")) if link_el is not None else None,
                    published_at=published,
                    date_text=date_text,
                )
            )
        return posts

    @staticmethod
    def _is_comment(item: HtmlElement) -> bool:
        return item.get("id", "").removeprefix("comment-").isdigit()


class PhpbbPosts(Preset):
    """phpBB 3.x (prosilver and subsilver2 markup)."""

    name = "phpbb"
    _POSTS = f"//div[starts-with(@id, 'p')][{has_class('post')}]"
    _QUOTE_ID = re.compile(r"[?&]p=(\d+)")

    def detect(self, tree: HtmlElement) -> bool:
        return bool(tree.xpath(self._POSTS + f"//div[{has_class('postbody')}]"))

    def posts(
        self, tree: HtmlElement, url: str, *, timezone: str, now: datetime | None
    ) -> list[ExtractedPost]:
        offset = _int_param(url, "start")
        posts = []
        for index, post in enumerate(tree.xpath(self._POSTS), 1):
            post_id = post.get("id", "")[1:]
            if not post_id.isdigit():
                continue
            author_line = _first(post, f".//p[{has_class('author')}]")
            author_el = None
            if author_line is not None:
                author_el = _first(
                    author_line,
                    f".//a[{has_class('username')}]",
                    f".//a[{has_class('username-coloured')}]",
                    ".//strong",
                )
            if author_el is None:
                author_el = _first(post, f".//*[{has_class('postprofile')}]"
                                         f"//a[{has_class('username')}]")  # fmt: skip
            time_el = _first(author_line, ".//time") if author_line is not None else None
            published = parse_iso(_attr(time_el, "datetime"), timezone)
            if time_el is not None:
                date_text = _clean(time_el.text_content())
            elif author_line is not None:
                # phpBB 3.0/3.1: "by <name> » Mon Apr 20, 2009 2:34 pm"
                date_text = _clean(author_line.text_content().split("»")[-1])
            else:
                date_text = None
            if published is None:
                published = parse_date(date_text, timezone=timezone, now=now)
            content = _first(post, f".//div[{has_class('content')}]")
            quoted: list[str] = []
            if content is not None:
                for quote in content.xpath(".//blockquote"):
                    target = _first(quote, ".//cite//a[@data-post-id]")
                    if target is not None:
                        quoted.append(target.get("data-post-id"))
                        continue
                    match = self._QUOTE_ID.search(quote.get("cite", ""))
                    if match:
                        quoted.append(match.group(1))
                text = element_text(
                    content, drop=(".//blockquote", f".//*[{has_class('signature')}]")
                )
            else:
                text = ""
            title_el = _first(post, ".//h3/a", ".//h3")
            author_url = None
            if author_el is not None and author_el.get("href"):
                author_url = urljoin(url, author_el.get("href"))
            posts.append(
                ExtractedPost(
                    post_id=post_id,
                    position=offset + index,
                    text=text,
                    author=_clean(author_el.text_content()) if author_el is not None else None,
                    author_url=author_url,
                    published_at=published,
                    date_text=date_text,
                    title=_clean(title_el.text_content()) if title_el is not None else None,
                    quoted_post_ids=quoted,
                )
            )
        return posts

    def thread_title(self, tree: HtmlElement) -> str | None:
        title = _first(tree, f"//h2[{has_class('topic-title')}]", "//h2[1]")
        return _clean(title.text_content()) if title is not None else None

    def forum_links(self, tree: HtmlElement, url: str) -> list[str]:
        return _links(tree, url, f"//a[{has_class('forumtitle')}]/@href")

    def thread_links(self, tree: HtmlElement, url: str) -> list[str]:
        return _links(tree, url, f"//a[{has_class('topictitle')}]/@href")

    def next_page(self, tree: HtmlElement, url: str) -> str | None:
        found = _links(
            tree,
            url,
            f"//*[{has_class('pagination')}]//a[@rel='next']/@href",
            f"//*[{has_class('pagination')}]//li[{has_class('next')}]/a/@href",
        )
        return found[0] if found else None


def _int_param(url: str, name: str) -> int:
    values = parse_qs(urlsplit(url).query).get(name)
    try:
        return int(values[0]) if values else 0
    except ValueError:
        return 0


def _links(tree: HtmlElement, url: str, *expressions: str) -> list[str]:
    """Absolute links found by the first expression that finds any, in page order, once each."""
    for expression in expressions:
        hrefs = [urljoin(url, href.strip()) for href in tree.xpath(expression)]
        if hrefs:
            return list(dict.fromkeys(hrefs))
    return []


PRESETS: dict[str, Preset] = {p.name: p for p in (WordPressComments(), PhpbbPosts())}


def detect_preset(tree: HtmlElement) -> Preset | None:
    """The engine whose markup this page carries, for pages crawled without a preset."""
    for preset in PRESETS.values():
        if preset.detect(tree):
            return preset
    return None
