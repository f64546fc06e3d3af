"""The morning report: a brand's overview (warehouse/overview.py) as one self-contained
HTML file (styles and SVG charts inline, nothing fetched) and a PDF of it, in the brand's
language, and, where brands.yaml asks for it (`report: email: true`), emailed once a day
to the brand's recipients.

The PDF is printed by Chromium in headless mode (Debian's `chromium`): the very HTML,
charts included. Without Chromium the HTML is still written, and the report says so.

Emailing goes through the same outbox as alerts: the report is stored in table
`reports`, saved as .eml, sent, then marked sent; a report whose email fails stays
pending and is sent by the next run, and a day's report is never sent twice."""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import jinja2

from veille.core.config import Brand, BrandsFile
from veille.core.home import Warehouse
from warehouse.alerts.emails import aspect_lines, web_link
from warehouse.alerts.store import aspects_against_usual
from warehouse.db import writer
from warehouse.i18n import Formats, translations
from warehouse.lake import upsert_sql
from warehouse.mail import SmtpSettings, save_email, send_email
from warehouse.overview import (
    BrandInfo,
    Scope,
    brand_info,
    brands,
    charts,
    last_day,
    overview,
    rows_as_dicts,
)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
CHART_DAYS = 30
PDF_TIMEOUT_S = 120


class ReportError(ValueError):
    """A report that cannot be made: an unknown brand, or a brand with no mention yet."""


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path | None  # None: no Chromium to print it
    day: date
    since: date
    subject: str


def _environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters["link"] = lambda url: web_link(url) or "#"  # web pages only, no javascript:
    return env


def render_report(
    con: duckdb.DuckDBPyConnection,
    brand_name: str,
    *,
    days: int = 1,
    day: date | None = None,
    made_at: datetime | None = None,
) -> tuple[str, str, date, date]:
    """The report's HTML and subject, its day and the first day of "what is new": the
    last `days` days ending on `day` (default: the brand's last day in the warehouse)."""
    known = {b.name: b for b in brands(con)}
    brand = known.get(brand_name)
    if brand is None:
        raise ReportError(
            f"no brand {brand_name!r} in the warehouse (brands: {', '.join(known) or 'none'})"
        )
    end = day or last_day(con, brand_name)
    if end is None:
        raise ReportError(f"{brand_name} has no mention in the warehouse yet")
    since = end - timedelta(days=days)
    scope = Scope(brand, end - timedelta(days=CHART_DAYS - 1), end)
    found = overview(con, scope, since=since)
    fmt = Formats(brand.locale, brand.timezone)
    gettext = translations(brand.locale).gettext
    negative = rows_as_dicts(
        con,
        "SELECT url, thread_title, source_id, author, published_at, text FROM brand_mentions "
        "WHERE brand = ? AND day BETWEEN ? AND ? AND sentiment = 'negative' "
        "ORDER BY sentiment_score, published_at DESC LIMIT 5",
        [brand_name, since, end],
    )
    # What the new negative posts were about, against the usual (the alert emails' lines)
    aspects = aspect_lines(aspects_against_usual(con, brand_name, since), brand.locale)
    subject = report_subject(brand_name, brand, end)
    html = (
        _environment(brand.locale)
        .get_template("report.html")
        .render(
            title=subject,
            locale=brand.locale,
            scope=scope,
            o=found,
            fmt=fmt,
            charts=charts(found, fmt, gettext),
            negative_posts=negative,
            aspects=aspects,
            made_at=made_at or datetime.now(UTC),
        )
    )
    return html, subject, end, since


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html: Path, pdf: Path) -> bool:
    """Print the HTML file to PDF with headless Chromium; False when there is none."""
    browser = chromium()
    if browser is None:
        return False
    with tempfile.TemporaryDirectory(prefix="veille-chromium-") as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=PDF_TIMEOUT_S,
        )  # fmt: skip
    if done.returncode != 0 or not pdf.exists():
        raise ReportError(f"Chromium could not print {html} to PDF: {done.stderr.strip()[-300:]}")
    return True


def write_report(
    con: duckdb.DuckDBPyConnection,
    brand_name: str,
    folder: Path,
    *,
    days: int = 1,
    day: date | None = None,
) -> Written:
    """The report as `folder/report-BRAND-DAY.html` and `.pdf`."""
    return printed(write_html(con, brand_name, folder, days=days, day=day))


def write_html(
    con: duckdb.DuckDBPyConnection,
    brand_name: str,
    folder: Path,
    *,
    days: int = 1,
    day: date | None = None,
) -> Written:
    """The report as `folder/report-BRAND-DAY.html`, not printed yet (printed)."""
    html, subject, end, since = render_report(con, brand_name, days=days, day=day)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "report-" + "".join(c if c.isalnum() else "-" for c in brand_name) + f"-{end}"
    html_path = folder / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    return Written(html_path, None, end, since, subject)


def printed(written: Written) -> Written:
    """The report with its PDF beside its HTML (unchanged when no Chromium is here). It
    needs no connection: the emailing step prints with the warehouse let go."""
    pdf_path = written.html.with_suffix(".pdf")
    return replace(written, pdf=pdf_path) if print_pdf(written.html, pdf_path) else written


# --- the morning email ---------------------------------------------------------------


@dataclass
class ReportDelivery:
    brand: str
    day: date
    html: Path | None = None
    sent: bool = False
    problem: str | None = None

    @property
    def failed(self) -> bool:
        return self.problem is not None


def report_id(brand: str, day: date) -> str:
    return hashlib.sha256(f"{brand}|{day}".encode()).hexdigest()[:24]


def build_email(written: Written, recipients: list[str], sender: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = written.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="veille.local")
    html = written.html.read_text(encoding="utf-8")
    note = f" ({written.pdf.name})" if written.pdf is not None else ""
    message.set_content(f"{written.subject}\n\nThe report is this email's HTML, and a PDF{note}.")
    message.add_alternative(html, subtype="html")
    if written.pdf is not None:
        message.add_attachment(
            written.pdf.read_bytes(), maintype="application", subtype="pdf",
            filename=written.pdf.name,
        )  # fmt: skip
    return message


def _today(brand: Brand, now: datetime) -> date:
    return now.astimezone(ZoneInfo(brand.timezone)).date()


def email_reports(
    db_path: Warehouse,
    brands_file: BrandsFile,
    reports_dir: Path,
    emails_dir: Path,
    *,
    smtp: Any = None,
    now: datetime | None = None,
) -> list[ReportDelivery]:
    """Each brand's morning report whose brands.yaml asks for it: made once a day (the
    brand's day), stored, saved and emailed; and every report an earlier run left
    pending, emailed now. A brand that fails is reported and the others go on."""
    settings = smtp or SmtpSettings.from_env()
    now = now or datetime.now(UTC)
    deliveries: list[ReportDelivery] = []
    wanted = [b for b in brands_file.brands if b.role == "brand" and b.report.email]
    # Three short writes, with the PDFs printed and the emails sent between them: a slow
    # Chromium or mail server holds up no load.
    made: list[tuple[Brand, date, Written]] = []
    with writer(db_path) as con:
        for brand in wanted:
            day = _today(brand, now)
            if con.execute(
                "SELECT 1 FROM reports WHERE report_id = ?", [report_id(brand.name, day)]
            ).fetchone():
                continue  # today's is made (sent, or pending below)
            try:
                html = write_html(con, brand.name, reports_dir, days=brand.report.days, day=day)
            except Exception as err:  # the other brands go on
                deliveries.append(ReportDelivery(brand.name, day, problem=f"not made: {err}"))
                continue
            made.append((brand, day, html))
    ready: list[tuple[Brand, date, Written]] = []
    for brand, day, html in made:
        try:
            ready.append((brand, day, printed(html)))
        except Exception as err:  # the other brands go on
            deliveries.append(ReportDelivery(brand.name, day, problem=f"not made: {err}"))
    outgoing: list[tuple[str, ReportDelivery, EmailMessage]] = []
    with writer(db_path) as con:
        for brand, day, written in ready:
            recipients = list(brand.report.recipients or brand.alerts.recipients)
            con.execute(
                upsert_sql("reports"),
                [report_id(brand.name, day), brand.name, day, written.since, recipients,
                 str(written.html), str(written.pdf) if written.pdf else None, None, now, None],
            )  # fmt: skip
        pending = con.execute(
            "SELECT report_id, brand, day, since, recipients, html_path, pdf_path, email_path "
            "FROM reports WHERE sent_at IS NULL ORDER BY day, brand"
        ).fetchall()
        for rid, brand_name, day, since, recipients, html, pdf, saved in pending:
            delivery = ReportDelivery(brand_name, day, Path(html))
            deliveries.append(delivery)
            try:
                written = Written(
                    Path(html), Path(pdf) if pdf else None, day, since,
                    report_subject(brand_name, brand_info(con, brand_name), day),
                )  # fmt: skip
                message = build_email(written, list(recipients) or [settings.sender],
                                      settings.sender)  # fmt: skip
                path = Path(saved) if saved else emails_dir / f"{day}-report-{rid[:12]}.eml"
                save_email(message, path)
                con.execute("UPDATE reports SET email_path = ? WHERE report_id = ?",
                            [str(path), rid])  # fmt: skip
            except Exception as err:  # it stays pending; the next run sends it
                delivery.problem = f"email not sent ({err}); it stays pending for the next run"
                log.warning(f"report: {brand_name} {day}: {delivery.problem}")
                continue
            outgoing.append((rid, delivery, message))
    sent: list[str] = []
    for rid, delivery, message in outgoing:
        try:
            send_email(message, settings)
        except Exception as err:  # it stays pending; the next run sends it
            delivery.problem = f"email not sent ({err}); it stays pending for the next run"
            log.warning(f"report: {delivery.brand} {delivery.day}: {delivery.problem}")
            continue
        sent.append(rid)
        delivery.sent = True
        log.info(f"report: {delivery.brand} {delivery.day} emailed")
    if sent:
        with writer(db_path) as con:
            con.execute(
                "UPDATE reports SET sent_at = ? WHERE list_contains(?, report_id)",
                [datetime.now(UTC), sent],
            )
    return deliveries


def report_subject(brand_name: str, brand: BrandInfo | None, day: date) -> str:
    """The report's title and email subject, in the brand's language (English for a
    brand no longer in the warehouse's brands)."""
    locale = brand.locale if brand else "en"
    day_shown = Formats(locale, brand.timezone if brand else "UTC").day(day)
    return translations(locale).gettext("Morning report: %(brand)s, %(day)s") % {
        "brand": brand_name,
        "day": day_shown,
    }
