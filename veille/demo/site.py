"""The demo web: two WordPress blogs and a phpBB board, served on 127.0.0.1 for `veille demo`.

The pages copy the markup that WordPress (Twenty Seventeen theme) and phpBB 3.3 (prosilver)
really emit, because the crawler's extractors are written against real pages. Every date
is computed from "now", so the sample always looks recent and its outage always falls in
the last three days.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from itertools import pairwise
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from veille.core.record import SESSION_PARAMS

HTML = "text/html; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
TEXT = "text/plain; charset=UTF-8"
DEFAULT_BASE_URL = "http://127.0.0.1"
FORUM_PATH = "/forum"
# When "now" is early in the day, the newest posts would lie in the future: the whole
# timeline then moves back by whole days until the newest post is at least this old.
NEWEST_POST_AGE = timedelta(minutes=5)
# The demo prefers this port so that two runs crawl the same URLs; any free port otherwise.
DEFAULT_PORT = 8641

_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre")  # fmt: skip
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip
# phpBB's French language pack abbreviates like this (date format "D j M Y H:i").
_PHPBB_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_PHPBB_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                 "oct.", "nov.", "déc.")  # fmt: skip
_PHPBB_SMILIES = {
    ":)": ("icon_e_smile.gif", "Sourire"),
    ":(": ("icon_e_sad.gif", "Triste"),
    ";)": ("icon_e_wink.gif", "Clin d’œil"),
    ":D": ("icon_e_biggrin.gif", "Très content"),
}
_SMILEY = re.compile(r"(?<!\S)(" + "|".join(re.escape(s) for s in _PHPBB_SMILIES) + r")(?!\S)")
# A grey disc: the default avatar, inline so that no page asks another host for it.
_AVATAR = (
    "data:image/svg+xml,%3Csvg%20xmlns=%22http://www.w3.org/2000/svg%22%20viewBox=%220%200%20"
    "100%20100%22%3E%3Ccircle%20cx=%2250%22%20cy=%2250%22%20r=%2250%22%20fill=%22%23c8c8c8%22/"
    "%3E%3C/svg%3E"
)


@dataclass(frozen=True)
class Page:
    """One resource of the demo site, as the server sends it."""

    content_type: str
    body: bytes


# ---------------------------------------------------------------------------- timeline


class Timeline:
    """Places (days_ago, "HH:MM") in a site's timezone on the calendar before `now`."""

    def __init__(self, now: datetime, shift: timedelta = timedelta(0)) -> None:
        self.now = now
        self.shift = shift

    def at(self, days_ago: int, hhmm: str, tz: ZoneInfo) -> datetime:
        hour, minute = (int(part) for part in hhmm.split(":"))
        day = self.now.astimezone(tz).date() - timedelta(days=days_ago)
        local = datetime.combine(day, time(hour, minute), tzinfo=tz)
        # Shift in UTC: wall-clock arithmetic would be wrong across a DST change.
        return (local.astimezone(UTC) - self.shift).astimezone(tz)


# ---------------------------------------------------------------------------- blogs


@dataclass
class Author:
    key: str
    name: str
    id: int


@dataclass
class Category:
    id: int
    name: str
    slug: str


@dataclass
class Comment:
    author: str
    author_url: str | None
    staff: Author | None
    published: datetime
    text: str
    replies: list[Comment]
    id: int = 0
    css: str = ""


@dataclass
class Article:
    id: int
    slug: str
    title: str
    author: Author
    category: Category
    published: datetime
    modified: datetime
    body: str
    comments: list[Comment]
    path: str = ""
    url: str = ""
    previous: Article | None = None
    next: Article | None = None

    def all_comments(self) -> list[Comment]:
        """Comments and replies, in the order the page shows them."""
        found: list[Comment] = []

        def walk(level: list[Comment]) -> None:
            for comment in level:
                found.append(comment)
                walk(comment.replies)

        walk(self.comments)
        return found

    @property
    def comment_count(self) -> int:
        return len(self.all_comments())

    @property
    def lead(self) -> str:
        """The first paragraph, shown on the home page before "read more"."""
        return self.body.strip().split("\n\n")[0]

    @property
    def excerpt(self) -> Markup:
        """WordPress's automatic excerpt: the first 55 words of the text."""
        words = " ".join(self.body.split()).split(" ")
        return wptexturize(" ".join(words[:55])) + Markup(" [&#8230;]")


@dataclass
class RecentComment:
    article: Article
    comment: Comment


@dataclass
class ArchiveMonth:
    url: str
    label: str


@dataclass
class Blog:
    key: str
    name: str
    tagline: str
    language: str
    tz: ZoneInfo
    ui: dict[str, str]
    authors: dict[str, Author]
    categories: list[Category]
    articles: list[Article]  # newest first, as WordPress lists them
    path: str
    url: str
    menu_base_id: int = 20

    @property
    def recent_comments(self) -> list[RecentComment]:
        everything = [
            RecentComment(article, comment)
            for article in self.articles
            for comment in article.all_comments()
        ]
        everything.sort(key=lambda r: r.comment.published, reverse=True)
        return everything[:5]

    @property
    def archives(self) -> list[ArchiveMonth]:
        months: dict[tuple[int, int], ArchiveMonth] = {}
        for article in self.articles:
            day = article.published
            label = f"{self._month(day.month)} {day.year}"
            url = f"{self.url}/{day.year}/{day.month:02d}/"
            months.setdefault((day.year, day.month), ArchiveMonth(url, label))
        return list(months.values())

    @property
    def last_build(self) -> datetime:
        return max(a.modified for a in self.articles)

    def _month(self, month: int) -> str:
        return (_FR_MONTHS if self.language == "fr" else _EN_MONTHS)[month - 1]

    def date_text(self, moment: datetime) -> str:
        """The theme's date: "3 novembre 2026" or "November 3, 2026"."""
        if self.language == "fr":
            return f"{moment.day} {self._month(moment.month)} {moment.year}"
        return f"{self._month(moment.month)} {moment.day}, {moment.year}"

    def comment_date_text(self, moment: datetime) -> str:
        """A comment's date and time as the locale writes them."""
        if self.language == "fr":
            return f"{self.date_text(moment)} à {moment.hour} h {moment.minute:02d}"
        hour = moment.hour % 12 or 12
        suffix = "am" if moment.hour < 12 else "pm"
        return f"{self.date_text(moment)} at {hour}:{moment.minute:02d} {suffix}"


def _slug(name: str) -> str:
    plain = name.lower().translate(str.maketrans("àâäçéèêëîïôöùûü", "aaaceeeeiioouuu"))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def _comments(
    raw: list[dict[str, Any]], blog_authors: dict[str, Author], tz: ZoneInfo, timeline: Timeline
) -> list[Comment]:
    comments = []
    for item in raw:
        staff = blog_authors[item["by"]] if "by" in item else None
        comments.append(
            Comment(
                author=staff.name if staff else item["author"],
                author_url=item.get("url"),
                staff=staff,
                published=timeline.at(item["days_ago"], item["time"], tz),
                text=item["text"],
                replies=_comments(item.get("replies", []), blog_authors, tz, timeline),
            )
        )
    return comments


def _comment_classes(article: Article) -> None:
    """WordPress's comment_class(): even/odd over all comments, thread-even/odd over
    top-level ones, the depth, and "parent" when a comment has replies."""
    counters = {"alt": 0, "thread": 0}

    def walk(level: list[Comment], depth: int) -> None:
        for comment in level:
            classes = ["comment"]
            if comment.staff is not None:
                classes += ["byuser", f"comment-author-{comment.staff.key}"]
                if comment.staff is article.author:
                    classes.append("bypostauthor")
            classes += ["odd", "alt"] if counters["alt"] % 2 else ["even"]
            counters["alt"] += 1
            if depth == 1:
                thread = counters["thread"]
                classes += ["thread-odd", "thread-alt"] if thread % 2 else ["thread-even"]
                counters["thread"] += 1
            classes.append(f"depth-{depth}")
            if comment.replies:
                classes.append("parent")
            comment.css = " ".join(classes)
            walk(comment.replies, depth + 1)

    walk(article.comments, 1)


def _blog(raw: dict[str, Any], timeline: Timeline, base_url: str) -> Blog:
    tz = ZoneInfo(raw["timezone"])
    path = f"/{raw['key']}"
    authors = {
        key: Author(key=key, name=value["name"], id=value["id"])
        for key, value in raw["authors"].items()
    }
    # Category 1 is WordPress's "Uncategorized"; the blog's own start at 2.
    categories = [
        Category(id=index, name=name, slug=_slug(name))
        for index, name in enumerate(raw["menu"], start=2)
    ]
    by_name = {c.name: c for c in categories}
    articles = []
    for item in raw["articles"]:
        published = timeline.at(item["days_ago"], item["time"], tz)
        article = Article(
            id=item["id"],
            slug=item["slug"],
            title=item["title"],
            author=authors[item["author"]],
            category=by_name[item["category"]],
            published=published,
            modified=published + timedelta(minutes=item.get("edited_after", 0)),
            body=item["body"],
            comments=_comments(item.get("comments", []), authors, tz, timeline),
        )
        # Pretty permalinks use the post's local date: /%year%/%monthnum%/%day%/%postname%/
        article.path = f"{path}/{published:%Y/%m/%d}/{article.slug}/"
        article.url = base_url + article.path
        articles.append(article)
    articles.sort(key=lambda a: a.published)
    for older, newer in pairwise(articles):
        older.next, newer.previous = newer, older
    # Comment ids grow with time over the whole blog, as the database assigns them.
    every_comment = sorted(
        (c for a in articles for c in a.all_comments()), key=lambda c: c.published
    )
    for offset, comment in enumerate(every_comment):
        comment.id = raw["first_comment_id"] + offset
    for article in articles:
        _comment_classes(article)
    return Blog(
        key=raw["key"],
        name=raw["name"],
        tagline=raw["tagline"],
        language=raw["language"],
        tz=tz,
        ui=raw["ui"],
        authors=authors,
        categories=categories,
        articles=list(reversed(articles)),
        path=path,
        url=base_url + path,
    )


# ---------------------------------------------------------------------------- forum


@dataclass
class Member:
    name: str
    id: int
    rank: str
    posts: int
    joined: datetime
    signature: str | None
    colour: str | None


@dataclass
class Quote:
    post: ForumPost
    text: str


@dataclass
class ForumPost:
    member: Member
    published: datetime
    text: str
    position: int
    subject: str
    quote: Quote | None = None
    id: int = 0


@dataclass
class TopicPage:
    number: int
    href: str  # as the board links it, relative to /forum/
    posts: list[ForumPost]
    previous: TopicPage | None = None
    next: TopicPage | None = None


@dataclass
class Topic:
    id: int
    title: str
    views: int
    posts: list[ForumPost]
    forum: Forum
    pages: list[TopicPage] = field(default_factory=list)


@dataclass
class Forum:
    id: int
    name: str
    description: str
    topics: list[Topic] = field(default_factory=list)
    forums: list[Forum] = field(default_factory=list)  # a category's forums

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for t in self.topics)

    @property
    def topics_by_activity(self) -> list[Topic]:
        return sorted(self.topics, key=lambda t: t.posts[-1].published, reverse=True)

    @property
    def last_post(self) -> ForumPost:
        return max((t.posts[-1] for t in self.topics), key=lambda p: p.published)

    @property
    def guests(self) -> int:
        # A stable, plausible number: the demo must render the same bytes every time.
        return 3 + (self.id * 7) % 11


@dataclass
class Board:
    name: str
    description: str
    tz: ZoneInfo
    now: datetime
    per_page: int
    members_total: int
    members: dict[str, Member]
    categories: list[Forum]
    path: str
    url: str

    @property
    def forums(self) -> list[Forum]:
        return [forum for category in self.categories for forum in category.forums]

    @property
    def topics(self) -> list[Topic]:
        return [topic for forum in self.forums for topic in forum.topics]

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for t in self.topics)

    @property
    def topic_count(self) -> int:
        return len(self.topics)

    @property
    def newest_member(self) -> Member:
        return max(self.members.values(), key=lambda m: m.joined)

    @property
    def online(self) -> int:
        return 17 + sum(f.guests for f in self.forums)

    @property
    def timezone_name(self) -> str:
        return str(self.tz)

    @property
    def utc_offset_label(self) -> str:
        offset = self.now.astimezone(self.tz).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    @property
    def record_date(self) -> str:
        return self.date_text(self.now - timedelta(days=412), exact=True)

    def date_text(self, moment: datetime, exact: bool = False) -> str:
        """phpBB's user-facing date: "ven. 20 nov. 2026 14:05" in the board's timezone,
        or "il y a 12 minutes" within the hour, as phpBB writes recent posts."""
        age = self.now - moment
        if not exact and timedelta(0) <= age < timedelta(hours=1):
            minutes = int(age.total_seconds() // 60)
            if minutes < 1:
                return "il y a moins d’une minute"
            return f"il y a {minutes} minute{'s' if minutes > 1 else ''}"
        local = moment.astimezone(self.tz)
        day = _PHPBB_DAYS[local.weekday()]
        month = _PHPBB_MONTHS[local.month - 1]
        return f"{day} {local.day} {month} {local.year} {local:%H:%M}"


def _board(raw: dict[str, Any], timeline: Timeline, base_url: str) -> Board:
    tz = ZoneInfo(raw["timezone"])
    members = {
        name: Member(
            name=name,
            id=value["id"],
            rank=value["rank"],
            posts=value["posts"],
            joined=timeline.at(value["joined_days_ago"], "19:22", tz),
            signature=value.get("signature"),
            colour=value.get("colour"),
        )
        for name, value in raw["members"].items()
    }
    per_page = raw["per_page"]
    categories = []
    for raw_category in raw["categories"]:
        category = Forum(id=raw_category["id"], name=raw_category["name"], description="")
        for raw_forum in raw_category["forums"]:
            forum = Forum(
                id=raw_forum["id"], name=raw_forum["name"], description=raw_forum["description"]
            )
            for raw_topic in raw_forum["topics"]:
                forum.topics.append(_topic(raw_topic, forum, members, per_page, tz, timeline))
            category.forums.append(forum)
        categories.append(category)
    # Post ids grow with time over the whole board, as the database assigns them.
    every_post = sorted(
        (p for c in categories for f in c.forums for t in f.topics for p in t.posts),
        key=lambda p: p.published,
    )
    for offset, post in enumerate(every_post):
        post.id = raw["first_post_id"] + offset
    return Board(
        name=raw["name"],
        description=raw["description"],
        tz=tz,
        now=timeline.now,
        per_page=per_page,
        members_total=raw["members_total"],
        members=members,
        categories=categories,
        path=FORUM_PATH,
        url=base_url + FORUM_PATH,
    )


def _topic(
    raw: dict[str, Any],
    forum: Forum,
    members: dict[str, Member],
    per_page: int,
    tz: ZoneInfo,
    timeline: Timeline,
) -> Topic:
    topic = Topic(id=raw["id"], title=raw["title"], views=raw["views"], posts=[], forum=forum)
    for position, item in enumerate(raw["posts"], start=1):
        post = ForumPost(
            member=members[item["author"]],
            published=timeline.at(item["days_ago"], item["time"], tz),
            text=item["text"],
            position=position,
            subject=topic.title if position == 1 else f"Re: {topic.title}",
        )
        if "quote" in item:
            quoted = topic.posts[item["quote"]["post"] - 1]
            post.quote = Quote(post=quoted, text=item["quote"]["text"])
        topic.posts.append(post)
    for number, start in enumerate(range(0, len(topic.posts), per_page), start=1):
        href = f"./viewtopic.php?t={topic.id}" + (f"&start={start}" if start else "")
        topic.pages.append(TopicPage(number, href, topic.posts[start : start + per_page]))
    for earlier, later in pairwise(topic.pages):
        earlier.next, later.previous = later, earlier
    return topic


# ---------------------------------------------------------------------------- rendering


def wptexturize(text: str) -> Markup:
    """Escape `text` and curl its quotes as WordPress does (l'appli → l&#8217;appli)."""
    html = str(escape(text))
    html = re.sub(r"(?<=\w)&#39;", "&#8217;", html)
    html = html.replace("&#39;", "&#8216;")
    html = re.sub(r"(^|(?<=[\s(]))&#34;", "&#8220;", html)
    html = html.replace("&#34;", "&#8221;")
    html = html.replace("...", "&#8230;")
    return Markup(html)


def wpautop(text: str) -> Markup:
    """Paragraphs as WordPress's wpautop() makes them: blank line → <p>, newline → <br />."""
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    rendered = [
        "<p>" + "<br />\n".join(str(wptexturize(line)) for line in p.strip().split("\n")) + "</p>"
        for p in paragraphs
    ]
    return Markup("\n".join(rendered))


def phpbb_text(text: str) -> Markup:
    """A post body as phpBB 3.3 stores it for display: escaped, smilies as images, <br>."""

    def smiley(match: re.Match[str]) -> str:
        image, title = _PHPBB_SMILIES[match.group(1)]
        return (
            f'<img class="smilies" src="./images/smilies/{image}" width="15" height="17" '
            f'alt="{match.group(1)}" title="{title}">'
        )

    html = _SMILEY.sub(smiley, str(escape(text.strip())))
    return Markup(html.replace("\n", "<br>\n"))


def _username(member: Member) -> Markup:
    """phpBB's profile link; staff get the coloured variant."""
    href = f"./memberlist.php?mode=viewprofile&u={member.id}"
    if member.colour:
        return Markup('<a href="{}" style="color: #{};" class="username-coloured">{}</a>').format(
            href, member.colour, member.name
        )
    return Markup('<a href="{}" class="username">{}</a>').format(href, member.name)


def _truncate_subject(subject: str) -> str:
    return subject if len(subject) <= 30 else subject[:30].rstrip() + "…"


def _cdata(value: str) -> Markup:
    """Raw text for a CDATA section (the only sequence it cannot hold is split)."""
    return Markup(str(value).replace("]]>", "]]]]><![CDATA[>"))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("veille.demo", "site/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        wpautop=wpautop,
        wptexturize=wptexturize,
        phpbb_text=phpbb_text,
        username=_username,
        truncate_subject=_truncate_subject,
        cdata=_cdata,
        rfc822=lambda moment: format_datetime(moment.astimezone(UTC)),
        utc_iso=lambda moment: moment.astimezone(UTC).isoformat(),
    )
    return env


def _build(raw: dict[str, Any], timeline: Timeline, base_url: str) -> tuple[list[Blog], Board]:
    blogs = [_blog(item, timeline, base_url) for item in raw["blogs"]]
    return blogs, _board(raw["forum"], timeline, base_url)


def _newest(blogs: list[Blog], board: Board) -> datetime:
    stamps = [p.published for t in board.topics for p in t.posts]
    for blog in blogs:
        for article in blog.articles:
            stamps += [article.modified] + [c.published for c in article.all_comments()]
    return max(stamps)


def load_content() -> dict[str, Any]:
    """The site's posts, as written in content.yaml."""
    text = (files("veille.demo") / "site" / "content.yaml").read_text(encoding="utf-8")
    content: dict[str, Any] = yaml.safe_load(text)
    return content


def render_site(now: datetime, *, base_url: str = DEFAULT_BASE_URL) -> dict[str, Page]:
    """Every page of the demo site for `now`, keyed by request path and query (parameters
    in the order the site's own links use). Absolute links start with `base_url`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    base_url = base_url.rstrip("/")
    raw = load_content()
    blogs, board = _build(raw, Timeline(now), base_url)
    newest = _newest(blogs, board)
    if newest > now - NEWEST_POST_AGE:
        overshoot = newest - (now - NEWEST_POST_AGE)
        # Whole days keep every post at its hh:mm, and the dates the same all day long,
        # so that running the demo twice in a day crawls the very same posts.
        shift = timedelta(days=-(-overshoot // timedelta(days=1)))
        blogs, board = _build(raw, Timeline(now, shift), base_url)

    env = _environment()

    def html(template: str, **context: Any) -> Page:
        return Page(HTML, env.get_template(template).render(**context).encode("utf-8"))

    pages: dict[str, Page] = {
        "/": html("index.html", blogs=blogs, board=board),
        "/robots.txt": Page(TEXT, env.get_template("robots.txt").render().encode("utf-8")),
    }
    for blog in blogs:
        pages[f"{blog.path}/"] = html("wordpress/home.html", blog=blog, article=None, is_home=True)
        feed = env.get_template("wordpress/feed.xml").render(blog=blog)
        pages[f"{blog.path}/feed/"] = Page(RSS, feed.encode("utf-8"))
        # WordPress's sitemaps (with lastmod, as SEO plugins write them), for backfills.
        for name in ("sitemap_index", "sitemap_posts"):
            sitemap = env.get_template(f"wordpress/{name}.xml").render(blog=blog)
            path = "wp-sitemap.xml" if name == "sitemap_index" else "wp-sitemap-posts-post-1.xml"
            pages[f"{blog.path}/{path}"] = Page(XML, sitemap.encode("utf-8"))
        for article in blog.articles:
            pages[article.path] = html(
                "wordpress/single.html", blog=blog, article=article, is_home=False, avatar=_AVATAR
            )
    forum = board.path
    index = html("phpbb/index.html", board=board, categories=board.categories, crumbs=[])
    pages[f"{forum}/"] = index
    pages[f"{forum}/index.php"] = index
    for category in board.categories:
        pages[f"{forum}/viewforum.php?f={category.id}"] = html(
            "phpbb/viewforum.html", board=board, forum=category, crumbs=[category]
        )
        for sub in category.forums:
            pages[f"{forum}/viewforum.php?f={sub.id}"] = html(
                "phpbb/viewforum.html", board=board, forum=sub, crumbs=[category, sub]
            )
            for topic in sub.topics:
                for page in topic.pages:
                    rendered = html(
                        "phpbb/viewtopic.html",
                        board=board,
                        topic=topic,
                        page=page,
                        crumbs=[category, sub],
                    )
                    pages[f"{forum}/{page.href.removeprefix('./')}"] = rendered
                    # phpBB answers a post's own link with the page that holds it.
                    for post in page.posts:
                        pages[f"{forum}/viewtopic.php?p={post.id}"] = rendered
    return pages


# ---------------------------------------------------------------------------- serving


def _lookup_key(target: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A request target reduced to what identifies a page: the path with "./" and "//"
    resolved, and the query's parameters in any order, without a session id (phpBB's sid)."""
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    resolved = posixpath.normpath(path)
    if path.endswith("/") and resolved != "/":
        resolved += "/"
    # Tolerate links copied from HTML source, where "&" is written "&amp;".
    query = parts.query.replace("&amp;", "&")
    params = sorted(
        (k, v)
        for k, v in parse_qsl(query, keep_blank_values=True)
        if k.lower() not in SESSION_PARAMS
    )
    return resolved, tuple(params)


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    pages: dict[tuple[str, tuple[tuple[str, str], ...]], Page]

    def find(self, target: str) -> tuple[HTTPStatus, Page, str | None]:
        """The status, page and, for a redirect, where to."""
        path, params = _lookup_key(target)
        page = self.pages.get((path, params))
        if page is not None:
            return HTTPStatus.OK, page, None
        # WordPress redirects a missing trailing slash to the canonical URL.
        if not path.endswith("/") and (path + "/", params) in self.pages:
            location = path + "/" + (f"?{urlencode(params)}" if params else "")
            return HTTPStatus.MOVED_PERMANENTLY, _MOVED, location
        return HTTPStatus.NOT_FOUND, _NOT_FOUND, None


_NOT_FOUND = Page(HTML, b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
                        b"<body><h1>Not Found</h1></body></html>\n")  # fmt: skip
_MOVED = Page(HTML, b"")


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer
    server_version = "Apache"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        status, page, location = self.server.find(self.path)
        # An ETag per page, as real servers send, so re-crawls can ask "only if changed".
        etag = f'"{hashlib.sha1(page.body).hexdigest()[:20]}"'
        if status == HTTPStatus.OK and self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        if status == HTTPStatus.OK:
            self.send_header("ETag", etag)
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if with_body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo prints its own summary, not an access log."""


class DemoSite:
    """The demo site served on 127.0.0.1 while the `with` block runs: on DEFAULT_PORT when
    it is free (or the port given), else on any free port."""

    def __init__(self, now: datetime | None = None, port: int | None = None) -> None:
        if now is not None and now.utcoffset() is None:
            raise ValueError(f"now must be timezone-aware, got {now!r}")
        self.now = now or datetime.now(UTC)
        self.port = port
        self.base_url = ""
        self.pages: dict[str, Page] = {}
        self._server: _DemoServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> DemoSite:
        server = self._bind()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        # Links are absolute (as WordPress makes them), so render once the port is known.
        self.pages = render_site(self.now, base_url=self.base_url)
        server.pages = {_lookup_key(path): page for path, page in self.pages.items()}
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="veille-demo-site", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def _bind(self) -> _DemoServer:
        """The given port; by default DEFAULT_PORT when free, so that two demo runs see
        the same URLs, else any free port."""
        if self.port is not None:
            return _DemoServer(("127.0.0.1", self.port), _Handler)
        try:
            return _DemoServer(("127.0.0.1", DEFAULT_PORT), _Handler)
        except OSError:
            return _DemoServer(("127.0.0.1", 0), _Handler)

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site."""
        return self.base_url + path
