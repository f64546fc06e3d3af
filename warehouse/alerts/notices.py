"""An alert as a channel shows it (Slack, Teams, a webhook...): the email's content in
short form, plain text, in the brand's language: the summary line, why in plain words,
what it was about, the posts that drove it, and a link to veille web when its address
is known (VEILLE_WEB_URL). A digest lists a channel's alerts of the day."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import quote

import duckdb

from veille.core.config import Brand
from veille.core.settings import settings
from warehouse.alerts.emails import aspect_lines, brand_voice, web_link
from warehouse.alerts.rules import BrandAlert
from warehouse.alerts.store import aspects_against_usual, driving_posts
from warehouse.i18n import translations
from warehouse.notifications import Kind, Notice, Pending

log = logging.getLogger(__name__)

POSTS_SHOWN = 3
EXCERPT_CHARS = 160


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def alert_message(con: duckdb.DuckDBPyConnection, alert: BrandAlert) -> tuple[str, str]:
    """(title, body) of the alert's message. What the warehouse cannot give (the posts,
    the aspects) is left out rather than holding the message up."""
    locale = brand_voice(con, alert.brand).get("locale", "en")
    _ = translations(locale).gettext
    colon = " :" if locale == "fr" else ":"  # French puts a space before a colon
    title = _("%(brand)s: reputation alert") % {"brand": alert.brand}
    lines = [alert.summary(locale) + "."]
    reasons = alert.reasons(locale)
    if reasons:
        lines += ["", _("Why") + colon, *(f"- {reason}" for reason in reasons)]
    try:
        aspects = aspect_lines(aspects_against_usual(con, alert.brand, alert.day), locale)
        posts = driving_posts(con, alert, limit=POSTS_SHOWN)
    except Exception as err:  # the summary and the reasons still go out
        log.warning(f"alert: {alert.brand}: the message's posts left out ({err})")
        aspects, posts = [], []
    if aspects:
        lines += ["", _("What it was about") + colon, *(f"- {a}" for a in aspects)]
    if posts:
        lines += ["", _("The posts that drove it") + colon]
        for post in posts:
            author = post["author"] or _("anonymous")
            lines.append(f"- {post['source_id']} · {author}: {_excerpt(post['text'])}")
            if link := web_link(post.get("url")):
                lines.append(f"  {link}")
    web = settings().web_url
    if web:
        lines += [
            "",
            _("In Veille") + f"{colon} {web.rstrip('/')}/alerts?brand={quote(alert.brand)}",
        ]
    return title, "\n".join(lines)


def alert_notices(con: duckdb.DuckDBPyConnection, alert: BrandAlert, brand: Brand) -> list[Notice]:
    """The alert's message for each channel of the brand's `alerts.notify`: sent alone,
    or in the channel's daily digest when the brand asks for digests."""
    if not brand.alerts.notify:
        return []
    title, body = alert_message(con, alert)
    kind: Kind = "digest" if brand.alerts.digest else "alert"
    return [
        Notice(kind, channel.name, title, body, alert_id=alert.alert_id, brand=alert.brand)
        for channel in brand.alerts.notify
    ]


def digest_message(
    con: duckdb.DuckDBPyConnection, rows: list[Pending], day: date
) -> tuple[str, str]:
    """(title, body) of a channel's digest: its pending alerts' messages, one after the
    other, in the language of the first one's brand."""
    locale = brand_voice(con, rows[0].brand or "").get("locale", "en")
    catalog = translations(locale)
    count = catalog.ngettext("%(n)s alert", "%(n)s alerts", len(rows)) % {"n": len(rows)}
    title = catalog.gettext("Veille daily digest, %(day)s: %(count)s") % {
        "day": day.isoformat(),
        "count": count,
    }
    return title, "\n\n".join(f"{row.title}\n{row.body}" for row in rows)
