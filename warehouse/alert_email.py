"""The alert email: what moved, by how much, since when, with a chart and the posts
that drove it. HTML (every piece of post text escaped) with a plain-text alternative."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from warehouse.alerts import BASELINE_DAYS, BrandAlert, driving_posts

TEMPLATES = Path(__file__).parent / "templates"
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "veille@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 30

    @classmethod
    def from_env(cls) -> SmtpSettings:
        """VEILLE_SMTP_HOST, _PORT, _FROM, _USER, _PASSWORD, _STARTTLS (1/0)."""
        env = os.environ
        return cls(
            host=env.get("VEILLE_SMTP_HOST", cls.host),
            port=int(env.get("VEILLE_SMTP_PORT", cls.port)),
            sender=env.get("VEILLE_SMTP_FROM", cls.sender),
            user=env.get("VEILLE_SMTP_USER"),
            password=env.get("VEILLE_SMTP_PASSWORD"),
            starttls=env.get("VEILLE_SMTP_STARTTLS", "0") == "1",
        )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def chart_png(alert: BrandAlert, daily: pd.DataFrame) -> bytes:
    """Net sentiment and negative mentions per day over the last weeks, with the
    baseline's usual range shaded and the alert day marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = daily[daily["brand"] == alert.brand].sort_values("day")
    rows = rows[rows["day"] >= alert.day - timedelta(days=BASELINE_DAYS)]
    days = pd.to_datetime(rows["day"])
    baseline = rows[rows["day"] < alert.day]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 4.2), sharex=True, dpi=100)
    top.plot(days, rows["net_sentiment"], marker="o", markersize=3, color="#2c3e50")
    net = baseline["net_sentiment"].dropna()
    if len(net):
        low, high = net.quantile(0.1), net.quantile(0.9)
        top.axhspan(low, high, color="#95a5a6", alpha=0.3, label="usual range (10th-90th pct)")
    top.axvline(pd.Timestamp(alert.day), color="#c0392b", linestyle="--", linewidth=1)
    top.set_ylabel("net sentiment")
    top.set_ylim(-1.05, 1.05)
    top.legend(loc="lower left", fontsize=7)
    bottom.bar(days, rows["negative"], color="#c0392b", width=0.8)
    bottom.axhline(alert.baseline_negative, color="#7f8c8d", linestyle=":", label="usual (median)")
    bottom.set_ylabel("negative / day")
    bottom.legend(loc="upper left", fontsize=7)
    figure.suptitle(f"{alert.brand}, daily (UTC)", fontsize=10)
    figure.autofmt_xdate()
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def build_alert_email(
    alert: BrandAlert,
    daily: pd.DataFrame,
    posts: list[dict[str, Any]],
    *,
    sender: str,
    recipients: list[str],
) -> EmailMessage:
    """`posts`: the driving posts (source_id, author, published_at, text, url,
    thread_title, sentiment_score), most negative first."""
    shown = [
        {
            **post,
            "excerpt": _excerpt(post["text"]),
            "published": pd.Timestamp(post["published_at"]).strftime("%Y-%m-%d %H:%M UTC"),
        }
        for post in posts
    ]
    subject = f"[Veille] {alert.summary()}"
    chart_cid = make_msgid(domain="veille.local")[1:-1]
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )
    html = environment.get_template("alert_email.html").render(
        alert=alert, posts=shown, subject=subject, chart_cid=chart_cid, baseline_days=BASELINE_DAYS
    )
    lines = [alert.summary() + ".", "", "The posts that drove it:"]
    for post in shown:
        lines += [
            "",
            f"- {post['source_id']} · {post['author'] or 'anonymous'} · {post['published']}",
            f"  {post['excerpt']}",
            f"  {post['url']}",
        ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="veille.local")
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative(html, subtype="html")
    html_part = message.get_body(("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        chart_png(alert, daily), maintype="image", subtype="png", cid=f"<{chart_cid}>",
        filename="chart.png",
    )  # fmt: skip
    return message


@dataclass
class Delivery:
    """What became of one alert's email."""

    alert_id: str
    brand: str
    summary: str
    email_path: Path | None
    sent: bool  # the email has gone out, on this run or an earlier one
    sent_now: bool = False
    problem: str | None = None

    @property
    def state(self) -> str:
        if self.problem:
            return self.problem
        return "emailed now" if self.sent_now else "emailed on an earlier run"


def deliver_alert(
    con: duckdb.DuckDBPyConnection,
    alert: BrandAlert,
    daily: pd.DataFrame,
    settings: SmtpSettings,
    emails_dir: Path,
) -> Delivery:
    """Email a recorded alert unless it went out before: the message is saved as .eml,
    then sent, then marked sent. When the SMTP server cannot be reached the alert stays
    pending, to be sent by the next run."""
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
        return delivery
    message = build_alert_email(
        alert,
        daily,
        driving_posts(con, alert.brand, alert.day),
        sender=settings.sender,
        recipients=list(recipients) or [settings.sender],
    )
    delivery.email_path = save_email(message, emails_dir / f"{alert.day}-{alert.alert_id}.eml")
    con.execute(
        "UPDATE alerts SET email_path = ? WHERE alert_id = ?",
        [str(delivery.email_path), alert.alert_id],
    )
    try:
        send_email(message, settings)
    except OSError as err:
        delivery.problem = f"email not sent ({err}); it stays pending and is retried next run"
        return delivery
    con.execute(
        "UPDATE alerts SET sent_at = ? WHERE alert_id = ?", [datetime.now(UTC), alert.alert_id]
    )
    delivery.sent = delivery.sent_now = True
    return delivery


def save_email(message: EmailMessage, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def send_email(message: EmailMessage, settings: SmtpSettings) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)
