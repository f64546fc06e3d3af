"""The alert email: what moved, by how much, since when, with a chart and the posts
that drove it. HTML (every piece of post text escaped) with a plain-text alternative."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from warehouse.alerts.rules import BASELINE_DAYS, BrandAlert, bucket_rows
from warehouse.alerts.store import aspects_against_usual, driving_posts, growing_topics
from warehouse.i18n import Formats, aspect_name, translations
from warehouse.mail import SmtpSettings, save_email, send_email
from warehouse.notifications import ChannelDelivery
from warehouse.overview import brand_info

TEMPLATES = Path(__file__).parent.parent / "templates"
EXCERPT_CHARS = 280


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def chart_png(alert: BrandAlert, frame: pd.DataFrame) -> bytes:
    """Net sentiment and negative mentions per bucket over the last weeks (daily) or
    the last week (hourly), with the baseline's usual range shaded and the alert's
    bucket marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = bucket_rows(frame, alert.brand, alert.bucket)
    shown_days = BASELINE_DAYS if alert.bucket == "day" else 7
    rows = rows[rows["start"] >= pd.Timestamp(alert.start) - pd.Timedelta(days=shown_days)]
    baseline = rows[rows["start"] < pd.Timestamp(alert.start)]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 4.2), sharex=True, dpi=100)
    top.plot(rows["start"], rows["net_sentiment"], marker="o", markersize=3, color="#2c3e50")
    net = baseline["net_sentiment"].dropna()
    if len(net):
        low, high = net.quantile(0.1), net.quantile(0.9)
        top.axhspan(low, high, color="#95a5a6", alpha=0.3, label="usual range (10th-90th pct)")
    top.axvline(pd.Timestamp(alert.start), color="#c0392b", linestyle="--", linewidth=1)
    top.set_ylabel("net sentiment")
    top.set_ylim(-1.05, 1.05)
    top.legend(loc="lower left", fontsize=7)
    width = 0.8 if alert.bucket == "day" else 0.8 / 24
    bottom.bar(rows["start"], rows["negative"], color="#c0392b", width=width)
    bottom.axhline(alert.baseline_negative, color="#7f8c8d", linestyle=":", label="usual (median)")
    bottom.set_ylabel(f"negative / {alert.bucket}")
    bottom.legend(loc="upper left", fontsize=7)
    # The brand's name is drawn as written: with mathtext on, a name holding `$` is
    # parsed as TeX and one such as `$\frac$` raises, which stopped every alert.
    figure.suptitle(f"{alert.brand}, {'daily' if alert.bucket == 'day' else 'hourly'} (UTC)",
                    fontsize=10, parse_math=False, usetex=False)  # fmt: skip
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


@dataclass
class AlertItem:
    """One alert as an email shows it."""

    alert: BrandAlert
    frame: pd.DataFrame  # the brand's buckets (daily or hourly), for the chart
    posts: list[dict[str, Any]]  # the driving posts, most negative first
    topics: list[dict[str, Any]] = field(default_factory=list)  # topics that grew
    # what it was about, from its day on: {aspect, negative, usual, days}
    # (store.aspects_against_usual)
    aspects: list[dict[str, Any]] = field(default_factory=list)
    chart: bytes | None = None  # the chart, when drawn already (else drawn with the email)


def _shown_posts(posts: list[dict[str, Any]], fmt: Formats) -> list[dict[str, Any]]:
    return [
        {
            **post,
            "excerpt": _excerpt(post["text"]),
            "published": fmt.moment(pd.Timestamp(post["published_at"]).to_pydatetime()),
            "link": web_link(post.get("url")),
        }
        for post in posts
    ]


def web_link(url: Any) -> str | None:
    """The URL when it is one to follow (http or https), else None: a `javascript:` or
    `data:` URL stored before loads refused them is shown as text, never as a link."""
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def message_id(items: list[AlertItem]) -> str:
    """The same Message-ID each time these alerts' email is built: should the same email
    reach a server twice (a connection lost before the server's answer), mail programs
    show it once."""
    ids = ",".join(sorted(item.alert.alert_id for item in items))
    return f"<{hashlib.sha256(ids.encode()).hexdigest()[:32]}@veille.local>"


def build_email(
    items: list[AlertItem],
    *,
    subject: str,
    title: str,
    sender: str,
    recipients: list[str],
    locale: str = "en",
    timezone: str = "UTC",
) -> EmailMessage:
    """HTML (every piece of post text escaped by the template engine) with a chart per
    alert inline, and a plain-text alternative, in `locale`, times in `timezone`."""
    catalog = translations(locale)
    fmt = Formats(locale, timezone)
    _ = catalog.gettext
    shown: list[dict[str, Any]] = [
        {"item": item, "posts": _shown_posts(item.posts, fmt),
         "aspects": aspect_lines(item.aspects, locale),
         "chart_cid": make_msgid(domain="veille.local")[1:-1]}
        for item in items
    ]  # fmt: skip
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    html = environment.get_template("alert_email.html").render(
        title=title, subject=subject, entries=shown, baseline_days=BASELINE_DAYS,
        locale=locale, fmt=fmt,
    )  # fmt: skip
    lines = [title, ""]
    for entry in shown:
        alert = entry["item"].alert
        lines += [alert.summary(locale) + "."]
        reasons = alert.reasons(locale)
        if reasons:
            lines += ["", _("Why") + ":", *(f"- {reason}" for reason in reasons)]
        if entry["aspects"]:
            lines += ["", _("What it was about") + ":", *(f"- {a}" for a in entry["aspects"])]
        lines += ["", _("The posts that drove it") + ":"]
        for post in entry["posts"]:
            author = post["author"] or _("anonymous")
            lines += [
                "",
                f"- {post['source_id']} · {author} · {post['published']}",
                f"  {post['excerpt']}",
                f"  {post['url']}",
            ]
        if entry["item"].topics:
            lines += ["", _("Topics that grew this week") + ":"]
            lines += [
                "- "
                + _("%(topic)s: %(n)s posts (+%(growth)s)")
                % {"topic": t["topic"], "n": t["mentions"], "growth": t["growth"]}
                for t in entry["item"].topics
            ]
        lines.append("")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(items)
    message.set_content("\n".join(lines))
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    for entry in shown:
        item = entry["item"]
        html_part.add_related(
            item.chart or chart_png(item.alert, item.frame), maintype="image", subtype="png",
            cid=f"<{entry['chart_cid']}>", filename=f"{item.alert.brand}-chart.png",
        )  # fmt: skip
    return message


def aspect_lines(aspects: list[dict[str, Any]], locale: str) -> list[str]:
    """ "customer service: 12 negative posts, usually 1.0" (in a day, or over as many
    days as the alert has lasted), in `locale`."""
    _ = translations(locale).gettext
    fmt = Formats(locale)
    lines = []
    for a in aspects:
        days = int(a["days"])
        values = {"aspect": aspect_name(a["aspect"], locale), "n": int(a["negative"]),
                  "usual": fmt.number(a["usual"], 1), "days": days}  # fmt: skip
        if days > 1:
            line = _("%(aspect)s: %(n)s negative posts, usually %(usual)s in %(days)s days")
        else:
            line = _("%(aspect)s: %(n)s negative posts, usually %(usual)s a day")
        lines.append(line % values)
    return lines


def build_alert_email(
    item: AlertItem,
    *,
    sender: str,
    recipients: list[str],
    locale: str = "en",
    timezone: str = "UTC",
) -> EmailMessage:
    """One alert's email: the subject says the brand, what moved, by how much and since
    when."""
    _ = translations(locale).gettext
    return build_email(
        [item],
        subject=f"[Veille] {item.alert.summary(locale)}",
        title=_("%(brand)s: reputation alert") % {"brand": item.alert.brand},
        sender=sender,
        recipients=recipients,
        locale=locale,
        timezone=timezone,
    )


def build_digest_email(
    items: list[AlertItem],
    *,
    day: date,
    sender: str,
    recipients: list[str],
    locale: str = "en",
    timezone: str = "UTC",
) -> EmailMessage:
    """The day's alerts in one email, for those who set `digest: true`."""
    catalog = translations(locale)
    brands = sorted({item.alert.brand for item in items})
    count = catalog.ngettext("%(n)s alert", "%(n)s alerts", len(items)) % {"n": len(items)}
    values = {"day": day.isoformat(), "count": count, "brands": ", ".join(brands)}
    return build_email(
        items,
        subject="[Veille] "
        + catalog.gettext("Daily digest %(day)s: %(count)s (%(brands)s)") % values,
        title=catalog.gettext("Veille daily digest, %(day)s: %(count)s") % values,
        sender=sender,
        recipients=recipients,
        locale=locale,
        timezone=timezone,
    )


def brand_voice(con: duckdb.DuckDBPyConnection, brand: str) -> dict[str, str]:
    """The language and time zone of the brand's emails (brands.yaml locale and
    timezone, as last loaded): keyword arguments of the email builders."""
    info = brand_info(con, brand)
    return {"locale": info.locale, "timezone": info.timezone} if info else {}


def alert_item(con: duckdb.DuckDBPyConnection, alert: BrandAlert, frame: pd.DataFrame) -> AlertItem:
    return AlertItem(alert, frame, driving_posts(con, alert), growing_topics(con, alert),
                     aspects=aspects_against_usual(con, alert.brand, alert.day))  # fmt: skip


@dataclass
class Delivery:
    """What became of one alert's email."""

    alert_id: str
    brand: str
    summary: str
    email_path: Path | None
    sent: bool  # the email has gone out, on this run or an earlier one
    sent_now: bool = False
    # Set when the email was due and did not go out (the SMTP server unreachable or
    # refusing it, or the email could not be built): the alert stays pending in the
    # outbox and the next run retries it. `veille run` then exits 3.
    problem: str | None = None
    digest: bool = False  # it goes out in the day's digest
    # Its messages to the brand's channels (alerts.notify) tried on this run.
    channels: list[ChannelDelivery] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Its email or a channel's message is due and did not go out."""
        return self.problem is not None or any(c.failed for c in self.channels)

    @property
    def problems(self) -> str:
        """What did not go out and why, in one line."""
        said = [self.problem] if self.problem else []
        return "; ".join(said + [c.state for c in self.channels if c.failed])

    @property
    def state(self) -> str:
        if self.problem:
            return f"FAILED, {self.problem}"
        if not self.sent:
            return "waits for the next daily digest"
        return "emailed now" if self.sent_now else "emailed on an earlier run"


def safe_summary(alert: BrandAlert) -> str:
    """The alert's summary, or its brand and day where its stored row cannot make one."""
    try:
        return alert.summary()
    except Exception:
        return f"{alert.brand}: alert of {alert.day}"


def not_built(err: Exception) -> str:
    """The problem of an alert whose email could not be built."""
    return (
        f"email not built ({type(err).__name__}: {err}); it stays pending and is retried next run"
    )


@dataclass
class Outgoing:
    """An email built and saved (.eml) inside the alert step's transaction, sent after
    it, so that a slow mail server never holds the warehouse's writer."""

    deliveries: list[Delivery]  # the alerts it carries (one, or a digest's)
    message: EmailMessage

    @property
    def alert_ids(self) -> list[str]:
        return [d.alert_id for d in self.deliveries]


def prepare_alert(
    con: duckdb.DuckDBPyConnection,
    alert: BrandAlert,
    frame: pd.DataFrame,
    settings: SmtpSettings,
    emails_dir: Path,
) -> tuple[Delivery, Outgoing | None]:
    """A recorded alert's email, built and saved as .eml, unless it went out before
    (then no Outgoing). When the email cannot be built the alert stays pending, to be
    sent by the next run, and the Delivery says why (`problem`)."""
    row = con.execute(
        "SELECT sent_at, email_path, recipients FROM alerts WHERE alert_id = ?", [alert.alert_id]
    ).fetchone()
    if row is None:
        raise KeyError(f"alert {alert.alert_id} is not in the alert history; record it first")
    sent_at, email_path, recipients = row
    delivery = Delivery(
        alert.alert_id, alert.brand, alert.summary(),
        Path(email_path) if email_path else None, sent=sent_at is not None,
    )  # fmt: skip
    if delivery.sent:
        return delivery, None
    try:
        message = build_alert_email(
            alert_item(con, alert, frame),
            sender=settings.sender,
            recipients=list(recipients) or [settings.sender],
            **brand_voice(con, alert.brand),
        )
    except Exception as err:  # one alert's bad data must not stop the others
        delivery.problem = not_built(err)
        return delivery, None
    path = emails_dir / f"{alert.day}-{alert.alert_id}.eml"
    return delivery, _saved(con, [delivery], message, path)


def prepare_digests(
    con: duckdb.DuckDBPyConnection,
    pending: list[tuple[BrandAlert, pd.DataFrame]],
    settings: SmtpSettings,
    emails_dir: Path,
    today: date,
) -> tuple[list[Delivery], list[Outgoing]]:
    """The day's digest for each list of recipients: every pending digest alert in one
    email, sent at most once a day (alerts raised after it wait for tomorrow's). An
    alert that cannot be shown (its posts or chart fail) is left out, pending, with its
    problem; a digest that cannot be built leaves all of its alerts pending."""
    deliveries: list[Delivery] = []
    outgoing: list[Outgoing] = []
    groups: dict[tuple[str, ...], list[tuple[BrandAlert, pd.DataFrame, Delivery]]] = {}
    for alert, frame in pending:
        delivery = Delivery(alert.alert_id, alert.brand, safe_summary(alert), None, sent=False,
                            digest=True)  # fmt: skip
        try:
            alert.summary()  # what the email shows first: a damaged row fails here
            row = con.execute(
                "SELECT recipients, sent_at FROM alerts WHERE alert_id = ?", [alert.alert_id]
            ).fetchone()
            if row is None:
                raise KeyError(f"alert {alert.alert_id} is not in the alert history")
        except Exception as err:  # a damaged row: the other alerts go on
            delivery.problem = not_built(err)
            deliveries.append(delivery)
            continue
        if row[1] is None:
            groups.setdefault(tuple(row[0]), []).append((alert, frame, delivery))
    for recipients, members in groups.items():
        waiting = [delivery for _, _, delivery in members]
        deliveries += waiting
        sent_today = con.execute(
            "SELECT count(*) FROM alerts WHERE delivery = 'digest' AND recipients = ? "
            "AND CAST(timezone('UTC', sent_at) AS DATE) = ?",
            [list(recipients), today],
        ).fetchone()
        if sent_today and sent_today[0]:
            continue
        items, shown = [], []
        for alert, frame, delivery in members:
            try:
                item = alert_item(con, alert, frame)
                item.chart = chart_png(alert, frame)
            except Exception as err:  # the others go out without it
                delivery.problem = not_built(err)
                continue
            items.append(item)
            shown.append(delivery)
        if not items:
            continue
        try:
            message = build_digest_email(
                items, day=today, sender=settings.sender,
                recipients=list(recipients) or [settings.sender],
                **brand_voice(con, items[0].alert.brand),
            )  # fmt: skip
        except Exception as err:  # e.g. a header that cannot be written
            for delivery in shown:
                delivery.problem = not_built(err)
            continue
        key = hashlib.sha256("\n".join([*recipients, today.isoformat()]).encode()).hexdigest()
        path = emails_dir / f"{today}-digest-{key[:12]}.eml"
        outgoing.append(_saved(con, shown, message, path))
    return deliveries, outgoing


def _saved(
    con: duckdb.DuckDBPyConnection, deliveries: list[Delivery], message: EmailMessage, path: Path
) -> Outgoing:
    """The outbox's first step: the email saved, and its path recorded with its alerts."""
    saved = save_email(message, path)
    ids = [d.alert_id for d in deliveries]
    con.execute(
        "UPDATE alerts SET email_path = ? WHERE list_contains(?, alert_id)", [str(saved), ids]
    )
    for delivery in deliveries:
        delivery.email_path = saved
    return Outgoing(deliveries, message)


def send_outgoing(outgoing: list[Outgoing], settings: SmtpSettings) -> list[str]:
    """The outbox's second step, with no connection to the warehouse held: each email
    sent; one that fails leaves its alerts pending (their `problem` says why) and the
    others go on. Returns the ids of the alerts sent, to be marked (mark_sent)."""
    sent: list[str] = []
    for email in outgoing:
        try:
            send_email(email.message, settings)
        except Exception as err:  # OSError mostly (smtplib's errors), but any means not sent
            for delivery in email.deliveries:
                delivery.problem = (
                    f"email not sent ({err}); it stays pending and is retried next run"
                )
        else:
            sent += email.alert_ids
            for delivery in email.deliveries:
                delivery.sent = delivery.sent_now = True
    return sent


def mark_sent(con: duckdb.DuckDBPyConnection, alert_ids: list[str], at: datetime) -> None:
    """The outbox's last step. An email sent whose mark is lost (a crash just before) goes
    out again on the next run, with the same Message-ID (message_id)."""
    if alert_ids:
        con.execute(
            "UPDATE alerts SET sent_at = ? WHERE list_contains(?, alert_id)", [at, alert_ids]
        )
