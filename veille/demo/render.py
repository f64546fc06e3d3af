"""The demo web's pages: the markup that WordPress (Twenty Seventeen theme) and phpBB 3.3
(prosilver) really emit, made from veille.demo.content with the Jinja templates in
site/templates, because the crawler's extractors are written against real pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from veille.demo.content import Board, Member, build_content
from veille.demo.server import HTML, TEXT, Page

RSS = "application/rss+xml; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
DEFAULT_BASE_URL = "http://127.0.0.1"

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


def excerpt(text: str) -> Markup:
    """WordPress's automatic excerpt: the first 55 words of the text."""
    words = " ".join(text.split()).split(" ")
    return wptexturize(" ".join(words[:55])) + Markup(" [&#8230;]")


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
        excerpt=excerpt,
        phpbb_text=phpbb_text,
        username=_username,
        truncate_subject=_truncate_subject,
        cdata=_cdata,
        rfc822=lambda moment: format_datetime(moment.astimezone(UTC)),
        utc_iso=lambda moment: moment.astimezone(UTC).isoformat(),
    )
    return env


def render_site(now: datetime, *, base_url: str = DEFAULT_BASE_URL) -> dict[str, Page]:
    """Every page of the demo site for `now`, keyed by request path and query (parameters
    in the order the site's own links use). Absolute links start with `base_url`."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    blogs, board = build_content(now, base_url.rstrip("/"))
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
    for target, _, page in board_pages(board, env):
        pages[target] = page
    return pages


def board_pages(board: Board, env: Environment | None = None) -> Iterator[tuple[str, str, Page]]:
    """Every page of the phpBB board as (target, kind, page), in the order a reader
    browses it. Kinds: "index", "category" (a category's forums), "forum" (a page of a
    forum's topic list), "topic" (a page of posts), and "alias" (a page under another
    address: the board's folder, or a post's own link, answered with its topic page)."""
    env = env or _environment()

    def html(template: str, **context: Any) -> Page:
        return Page(HTML, env.get_template(template).render(board=board, **context).encode())

    forum = board.path
    index = html("phpbb/index.html", categories=board.categories, crumbs=[])
    yield f"{forum}/index.php", "index", index
    yield f"{forum}/", "alias", index
    for category in board.categories:
        yield (
            f"{forum}/viewforum.php?f={category.id}",
            "category",
            html("phpbb/viewforum.html", forum=category, listing=None, crumbs=[category]),
        )
        for sub in category.forums:
            for listing in sub.pages:
                yield (
                    f"{forum}/{listing.href.removeprefix('./')}",
                    "forum",
                    html("phpbb/viewforum.html", forum=sub, listing=listing,
                         crumbs=[category, sub]),
                )  # fmt: skip
            for listing in sub.pages:
                for topic in listing.topics:
                    for page in topic.pages:
                        rendered = html(
                            "phpbb/viewtopic.html", topic=topic, page=page, crumbs=[category, sub]
                        )
                        yield f"{forum}/{page.href.removeprefix('./')}", "topic", rendered
                        # phpBB answers a post's own link with the page that holds it.
                        for post in page.posts:
                            yield f"{forum}/viewtopic.php?p={post.id}", "alias", rendered
