"""Stack Exchange Q&A sites (Stack Overflow, Super User, the *.stackexchange.com sites).

Code rather than selectors, because a post's author is one of several user cards
(the asker or answerer, not the last editor), and comments hang under each post as
posts of their own.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from parsel import Selector

from crawlers.extract.dates import parse_iso
from crawlers.extract.post import ExtractedPost
from crawlers.extract.text import element_text
from crawlers.page_objects import PageObject, handles


def _iso(value: str | None) -> str | None:
    """Stack Exchange writes "2014-02-07 10:53:03Z, License: CC BY-SA 3.0" in titles."""
    return value.split(",")[0].strip() if value else None


@handles("stackexchange.com", "stackoverflow.com", "superuser.com", "serverfault.com",
         "askubuntu.com", "mathoverflow.net")  # fmt: skip
class StackExchange(PageObject):
    name = "stackexchange"

    def posts(
        self,
        page: Selector,
        url: str,
        *,
        timezone: str,
        now: datetime | None,
        language: str | None = None,
    ) -> list[ExtractedPost]:
        posts: list[ExtractedPost] = []
        for node in page.css("div.question, div.answer"):
            post_id = node.attrib.get("data-questionid") or node.attrib.get("data-answerid")
            body = node.css("div.js-post-body, div.s-prose[itemprop='text']")
            if not post_id or not body:
                continue
            # The author's card is the one saying "asked"/"answered", not "edited".
            card = None
            for signature in node.css(".post-signature"):
                action = " ".join(signature.css(".user-action-time ::text").getall()).lower()
                if "edited" not in action:
                    card = signature
            author = card.css(".user-details a::text").get() if card else None
            profile = card.css(".user-details a::attr(href)").get() if card else None
            when = (
                card.css(".user-action-time span.relativetime::attr(title)").get() if card else None
            )
            posts.append(
                ExtractedPost(
                    post_id=post_id,
                    position=len(posts) + 1,
                    text=element_text(body[0].root),
                    author=author.strip() if author else None,
                    author_url=urljoin(url, profile) if profile else None,
                    published_at=parse_iso(_iso(when), timezone),
                    date_text=card.css(".user-action-time span.relativetime::text").get()
                    if card
                    else None,
                )
            )
            for comment in node.css("li.comment[data-comment-id]"):
                text = comment.css(".comment-copy")
                if not text:
                    continue
                user = comment.css("a.comment-user")
                stamp = comment.css(".comment-date span::attr(title)").get()
                posts.append(
                    ExtractedPost(
                        post_id=f"comment-{comment.attrib['data-comment-id']}",
                        position=len(posts) + 1,
                        text=element_text(text[0].root),
                        author=(user.css("::text").get() or "").strip() or None,
                        author_url=urljoin(url, user.attrib["href"]) if user else None,
                        published_at=parse_iso(_iso(stamp), timezone),
                        date_text=comment.css(".comment-date span::text").get(),
                        quoted_post_ids=[post_id],  # the post it comments on
                    )
                )
        return posts

    def thread_title(self, page: Selector) -> str | None:
        title = page.css("#question-header h1 a::text, #question-header h1::text").get()
        return title.strip() if title else None

    def thread_links(self, page: Selector, url: str) -> list[str]:
        links = page.css(
            ".s-post-summary--content-title a::attr(href), a.question-hyperlink::attr(href)"
        ).getall()
        return list(dict.fromkeys(urljoin(url, link) for link in links if "/questions/" in link))

    def next_page(self, page: Selector, url: str) -> str | None:
        link = page.css(".s-pagination a[rel='next']::attr(href)").get()
        return urljoin(url, link) if link else None

    def thread_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "page"])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
