"""A small phpBB-like forum served on 127.0.0.1 for crawl tests, whose content a test can
change between crawls (new posts), and which logs every request it answers.

Served by tests.local_server (Veille's page server: conditional requests, a request
log). Misbehaving pages: `/error/` always answers 500, `/garbage/` sends bytes that are
not HTML, `/slow/` waits longer than a test's timeout, `/big/` sends a page over a test's
size limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, urlsplit

from veille.demo.server import Page, Request

PER_PAGE = 10


@dataclass
class Post:
    id: int
    author: str
    text: str
    when: str  # ISO 8601, UTC


@dataclass
class Forum:
    topics: dict[int, list[Post]] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    next_id: int = 100
    extra_topic_links: list[str] = field(default_factory=list)  # e.g. to misbehaving pages
    requests: list[tuple[str, int]] = field(default_factory=list)
    user_agents: set[str] = field(default_factory=set)

    def add_topic(self, topic: int, title: str, posts: int) -> None:
        self.titles[topic] = title
        self.topics[topic] = []
        for _ in range(posts):
            self.add_post(topic)

    def add_post(self, topic: int, text: str | None = None) -> Post:
        self.next_id += 1
        number = len(self.topics[topic]) + 1
        post = Post(
            id=self.next_id,
            author=f"membre{self.next_id % 7}",
            text=text or f"Message {number} du sujet {topic} : la box marche bien.",
            when=f"2026-11-{10 + number % 10:02d}T{8 + number % 12:02d}:15:00+00:00",
        )
        self.topics[topic].append(post)
        return post

    # --- pages -------------------------------------------------------------------

    def page(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if path == "/robots.txt":
            return 200, b"User-agent: *\nDisallow: /private/\n"
        if path == "/forum/index.php":
            # Like phpBB's index, it shows activity: it changes when a post is added.
            total = sum(len(posts) for posts in self.topics.values())
            return 200, self._html(
                "Index",
                '<a class="forumtitle" href="./viewforum.php?f=1">Box et fibre</a>'
                f" {total} messages",
            )
        if path == "/forum/viewforum.php":
            rows = "".join(
                f'<li class="row"><a class="topictitle" href="./viewtopic.php?t={t}">'
                f"{escape(self.titles[t])}</a> {len(posts)} messages</li>"
                for t, posts in sorted(self.topics.items())
            ) + "".join(
                f'<li class="row"><a class="topictitle" href="{link}">?</a></li>'
                for link in self.extra_topic_links
            )
            return 200, self._html("Box et fibre", f'<ul class="topiclist">{rows}</ul>')
        if path == "/forum/viewtopic.php":
            topic = int(query.get("t", ["0"])[0])
            start = int(query.get("start", ["0"])[0])
            if topic not in self.topics or start >= max(len(self.topics[topic]), 1):
                return 404, b"not found"
            return 200, self._topic_page(topic, start)
        if path.startswith("/error/"):
            return 500, b"Internal Server Error"
        if path.startswith("/garbage/"):
            return 200, bytes(range(256)) * 40
        if path.startswith("/slow/"):
            time.sleep(5)
            return 200, self._html("Slow", "<p>too late</p>")
        if path.startswith("/big/"):
            return 200, self._html("Big", "<p>" + "x" * 200_000 + "</p>")
        return 404, b"not found"

    def _topic_page(self, topic: int, start: int) -> bytes:
        posts = self.topics[topic][start : start + PER_PAGE]
        body = [f'<h2 class="topic-title"><a href="./viewtopic.php?t={topic}">'
                f"{escape(self.titles[topic])}</a></h2>"]  # fmt: skip
        for post in posts:
            body.append(
                f'<div id="p{post.id}" class="post has-profile bg2"><div class="inner">'
                f'<div class="postbody"><h3><a href="#p{post.id}">Re: {escape(self.titles[topic])}'
                f'</a></h3><p class="author">par <strong><a href="./memberlist.php?mode='
                f'viewprofile&amp;u={post.id % 7}" class="username">{post.author}</a></strong>'
                f' &raquo; <time datetime="{post.when}">{post.when}</time></p>'
                f'<div class="content">{escape(post.text)}</div></div></div></div>'
            )
        if start + PER_PAGE < len(self.topics[topic]):
            body.append(
                '<div class="pagination"><ul><li class="arrow next"><a class="button" '
                f'href="./viewtopic.php?t={topic}&amp;start={start + PER_PAGE}" rel="next">'
                "Suivante</a></li></ul></div>"
            )
        return self._html(self.titles[topic], "".join(body))

    @staticmethod
    def _html(title: str, body: str) -> bytes:
        return (
            f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{escape(title)}"
            f"</title></head><body><div id='page-body'>{body}</div></body></html>"
        ).encode()

    def fetched(self) -> list[str]:
        """Paths answered with a full page (200), in order."""
        return [path for path, status in self.requests if status == 200]

    def answer(self, request: Request) -> Page:
        """What the server sends for a GET of the request's target."""
        self.user_agents.add(request.headers.get("User-Agent", ""))
        parts = urlsplit(request.target)
        status, body = self.page(parts.path, parse_qs(parts.query))
        return Page("text/html; charset=utf-8", body, status)
