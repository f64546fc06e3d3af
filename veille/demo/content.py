"""The demo web's content: two WordPress blogs and a phpBB board, read from content.yaml and
placed on the calendar before "now" (veille.demo.render makes their pages).

Every date is computed from "now", so the sample always looks recent and its outage always
falls in the last three days.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from importlib.resources import files
from itertools import pairwise
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

FORUM_PATH = "/forum"
# When "now" is early in the day, the newest posts would lie in the future: the whole
# timeline then moves back by whole days until the newest post is at least this old.
NEWEST_POST_AGE = timedelta(minutes=5)
TOPICS_PER_PAGE = 25  # phpBB's default length of a forum's topic list

_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre")  # fmt: skip
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip
# phpBB's French language pack abbreviates like this (date format "D j M Y H:i").
_PHPBB_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_PHPBB_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
                 "oct.", "nov.", "déc.")  # fmt: skip

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
class ListingPage:
    """A page of a forum's topic list, most recently active first."""

    number: int
    href: str  # as the board links it, relative to /forum/
    topics: list[Topic]
    previous: ListingPage | None = None
    next: ListingPage | None = None


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
    pages: list[ListingPage] = field(default_factory=list)  # the topic list's pages

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for t in self.topics)

    @property
    def topics_by_activity(self) -> list[Topic]:
        return sorted(self.topics, key=lambda t: t.posts[-1].published, reverse=True)

    @property
    def last_post(self) -> ForumPost | None:
        """The newest post of the forum; None for a forum without a topic yet."""
        posts = [t.posts[-1] for t in self.topics]
        return max(posts, key=lambda p: p.published) if posts else None

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
    topics_per_page: int = TOPICS_PER_PAGE

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
            paginate_forum(forum, TOPICS_PER_PAGE)
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
    paginate_topic(topic, per_page)
    return topic


def paginate_topic(topic: Topic, per_page: int) -> None:
    """The topic's pages, `per_page` posts each, linked to each other as phpBB links them."""
    topic.pages = _paginate(topic.posts, per_page, f"./viewtopic.php?t={topic.id}", TopicPage)


def paginate_forum(forum: Forum, per_page: int) -> None:
    """The forum's topic list in pages of `per_page` topics, the most recently active
    first (one page, empty, for a forum without topics)."""
    forum.pages = _paginate(
        forum.topics_by_activity, per_page, f"./viewforum.php?f={forum.id}", ListingPage
    )


_PageOf = TypeVar("_PageOf", TopicPage, ListingPage)


def _paginate(
    items: list[Any], per_page: int, href: str, page: Callable[[int, str, list[Any]], _PageOf]
) -> list[_PageOf]:
    """`items` in pages of `per_page` (at least one page), each at `href` with phpBB's
    `&start=` past the first, linked to the previous and the next."""
    pages = [
        page(number, href + (f"&start={start}" if start else ""), items[start : start + per_page])
        for number, start in enumerate(range(0, max(len(items), 1), per_page), start=1)
    ]
    for earlier, later in pairwise(pages):
        earlier.next, later.previous = later, earlier
    return pages


# ---------------------------------------------------------------------------- the whole site


def load_content() -> dict[str, Any]:
    """The site's posts, as written in content.yaml."""
    text = (files("veille.demo") / "site" / "content.yaml").read_text(encoding="utf-8")
    content: dict[str, Any] = yaml.safe_load(text)
    return content


def build_content(now: datetime, base_url: str) -> tuple[list[Blog], Board]:
    """The blogs and the board for `now`, their links starting with `base_url`."""
    raw = load_content()
    blogs, board = _build(raw, Timeline(now), base_url)
    newest = _newest(blogs, board)
    if newest > now - NEWEST_POST_AGE:
        overshoot = newest - (now - NEWEST_POST_AGE)
        # Whole days keep every post at its hh:mm, and the dates the same all day long,
        # so that running the demo twice in a day crawls the very same posts.
        shift = timedelta(days=-(-overshoot // timedelta(days=1)))
        blogs, board = _build(raw, Timeline(now, shift), base_url)
    return blogs, board


def _build(raw: dict[str, Any], timeline: Timeline, base_url: str) -> tuple[list[Blog], Board]:
    blogs = [_blog(item, timeline, base_url) for item in raw["blogs"]]
    return blogs, _board(raw["forum"], timeline, base_url)


def _newest(blogs: list[Blog], board: Board) -> datetime:
    stamps = [p.published for t in board.topics for p in t.posts]
    for blog in blogs:
        for article in blog.articles:
            stamps += [article.modified] + [c.published for c in article.all_comments()]
    return max(stamps)
