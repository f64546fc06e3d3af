"""The morning report: one self-contained HTML file with its charts and figures, a PDF
printed by Chromium, and an email received once a day, kept when SMTP is down."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.factories import NOW, load_mentions, scored_mention
from veille.core.config import BrandsFile
from veille.core.record import AspectMatch, write_mentions
from veille.demo.run import free_port
from warehouse.mail import SmtpSettings
from warehouse.report import email_reports

CHROMIUM = shutil.which("chromium")


def brands_file(report: dict | None = None) -> BrandsFile:
    fibrelia = {"name": "Fibrelia", "queries": ["Fibrelia"], "competitors": ["Orbix"],
                "locale": "fr", "timezone": "Europe/Paris",
                "alerts": {"recipients": ["cm@fibrelia.example"]}}  # fmt: skip
    if report is not None:
        fibrelia["report"] = report
    return BrandsFile.model_validate(
        {"brands": [fibrelia, {"name": "Orbix", "role": "competitor", "queries": ["Orbix"]}]}
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    posts = [
        scored_mention(n, sentiment=("negative" if n % 3 == 0 else "positive"), days_ago=n % 20)
        for n in range(1, 40)
    ]
    posts += [scored_mention(100 + n, brand="Orbix", days_ago=n) for n in range(8)]
    posts.append(scored_mention(200, sentiment="negative", days_ago=0.5,
                                text="Fibrelia : panne <b>totale</b> depuis ce matin"))  # fmt: skip
    # What the new negative posts were about: the network, twice (half a day and a day
    # ago), never before; the price once, six days ago.
    for post in posts[-1], posts[20]:
        post.brands[0].aspects = [AspectMatch("network", "negative", -0.8)]
    posts[5].brands[0].aspects = [AspectMatch("price", "negative", -0.5)]
    write_mentions(tmp_path / "batch.jsonl", posts)
    db = tmp_path / "home" / "veille.duckdb"
    load_mentions(tmp_path / "batch.jsonl", db, brands_file())
    return db


def test_the_report_is_one_html_file_with_its_charts_and_a_pdf(warehouse: Path, tmp_path: Path):
    out = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", "report", "--brand", "Fibrelia", "--since", "1d",
         "--warehouse", str(warehouse), "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=300,
        env={**os.environ, "VEILLE_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html_path = Path(done.stdout.splitlines()[0])
    html = html_path.read_text(encoding="utf-8")
    assert html_path.parent == out and html_path.suffix == ".html"
    # Self-contained: three inline charts, styles inline, nothing fetched, no script.
    assert html.count('<svg class="chart"') == 3
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|url\(", html)
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(link.startswith("http://forum.test/") for link in links)  # the posts
    # The brand's figures, in French.
    assert "Rapport du matin : Fibrelia" in html and "Part de voix" in html
    con = duckdb.connect(str(warehouse), read_only=True)
    index = con.execute(
        "SELECT reputation_index FROM reputation_index WHERE brand = 'Fibrelia' "
        "ORDER BY day DESC LIMIT 1"
    ).fetchone()
    con.close()
    assert index is not None
    assert f'<span class="value">{round(index[0])}</span>' in html
    assert "&lt;b&gt;totale&lt;/b&gt;" in html  # a post's text is text
    about = html.split("De quoi parlaient les messages négatifs</h2>")[1].split("</ul>")[0]
    assert re.findall(r"<li>(.*?)</li>", about) == [
        "réseau : 2 mentions négatives, d&#39;habitude 0,0 en 2 jours"
    ]
    if CHROMIUM is None:
        assert "no PDF: Chromium is not installed" in done.stderr
        return
    pdf = Path(done.stdout.splitlines()[1])
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 20_000  # the charts are in it


def test_an_unknown_brand_or_a_bad_period_is_refused(warehouse: Path, tmp_path: Path):
    def report(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "veille.cli", "report", "--warehouse", str(warehouse), *args],
            capture_output=True, text=True, cwd=REPO, timeout=300,
            env={**os.environ, "VEILLE_HOME": str(tmp_path / "home")},
        )  # fmt: skip

    unknown = report("--brand", "Fibrellia")
    assert unknown.returncode == 2 and "no brand 'Fibrellia'" in unknown.stderr
    assert "Fibrelia, Orbix" in unknown.stderr
    period = report("--brand", "Fibrelia", "--since", "yesterday")
    assert period.returncode == 2 and "--since 'yesterday'" in period.stderr


def test_the_morning_email_goes_once_a_day_and_waits_for_smtp(
    warehouse: Path, tmp_path: Path, smtp
):
    inbox, port = smtp
    brands = brands_file({"email": True})
    up = SmtpSettings(host="127.0.0.1", port=port, sender="veille@test")
    reports, emails = tmp_path / "home" / "reports", tmp_path / "home" / "emails"
    first = email_reports(warehouse, brands, reports, emails, smtp=up, now=NOW)
    assert [(d.brand, d.sent, d.problem) for d in first] == [("Fibrelia", True, None)]
    again = email_reports(warehouse, brands, reports, emails, smtp=up, now=NOW)
    assert again == []  # today's went out already
    assert len(inbox.messages) == 1
    message = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert message["To"] == "cm@fibrelia.example"
    assert str(message["Subject"]).startswith("Rapport du matin : Fibrelia")
    assert message.get_body(("html",)) is not None
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ([] if CHROMIUM is None else [f"report-Fibrelia-{first[0].day}.pdf"])
    # The next morning the SMTP server is down: the report is made, kept, and sent later.
    tomorrow = NOW + timedelta(days=1)
    down = SmtpSettings(host="127.0.0.1", port=free_port(), sender="veille@test", timeout_s=5)
    failed = email_reports(warehouse, brands, reports, emails, smtp=down, now=tomorrow)
    assert len(failed) == 1 and failed[0].failed and "stays pending" in (failed[0].problem or "")
    assert len(inbox.messages) == 1
    later = email_reports(warehouse, brands, reports, emails, smtp=up, now=tomorrow)
    assert [(d.sent, d.problem) for d in later] == [(True, None)]
    assert len(inbox.messages) == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute("SELECT sent_at IS NOT NULL FROM reports ORDER BY day").fetchall()
    con.close()
    assert rows == [(True,), (True,)]
