"""Alert delivery on a real warehouse and real SMTP servers (aiosmtpd on 127.0.0.1):
an email the server accepted is sent, whatever it answers to QUIT; one alert that
cannot be emailed does not stop the others; brand names are drawn literally."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.factories import scored_mention, today_days_ago
from veille.core.config import BrandsFile
from veille.core.record import write_mentions
from veille.demo.run import free_port
from veille.pipeline import alert_step, load_step
from warehouse.alerts.emails import chart_png
from warehouse.alerts.rules import BrandAlert
from warehouse.alerts.store import record_alert
from warehouse.db import writer
from warehouse.mail import SmtpSettings


@dataclass
class Server:
    """An aiosmtpd handler that keeps what it accepted and answers DATA and QUIT as
    told (None: the usual 250 and 221)."""

    data_reply: str | None = None
    quit_reply: str | None = None
    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.messages.append(bytes(envelope.content))
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> Any:
        from aiosmtpd.smtp import MISSING

        return self.quit_reply or MISSING


@contextmanager
def smtp_server(handler: Server) -> Iterator[SmtpSettings]:
    from aiosmtpd.controller import Controller

    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpSettings(host="127.0.0.1", port=controller.port, sender="veille@test")
    finally:
        controller.stop()


def brands(*names: str, **alerts: Any) -> BrandsFile:
    return BrandsFile.model_validate(
        {"brands": [{"name": name, "queries": ["x"],
                     "alerts": {"recipients": [f"cm{i}@brand.test"], **alerts}}
                    for i, name in enumerate(names)]}
    )  # fmt: skip


def crisis(path: Path, brand: str, first_id: int) -> Path:
    """Four calm weeks (a positive and a neutral post a day), then a day of complaints."""
    mentions = [
        scored_mention(first_id + 2 * day + k, brand=brand, days_ago=day + 0.5, sentiment=s)
        for day in range(1, 29)
        for k, s in enumerate(("positive", "neutral"))
    ]
    mentions += [
        scored_mention(first_id + 500 + n, brand=brand, days_ago=today_days_ago(n, 12),
                       sentiment="negative", text=f"Panne {n} chez {brand}")
        for n in range(12)
    ]  # fmt: skip
    write_mentions(path, mentions)
    return path


def warehouse(tmp_path: Path, *names: str) -> Path:
    db = tmp_path / "home" / "veille.duckdb"
    for k, name in enumerate(names):
        load_step(crisis(tmp_path / f"{k}.jsonl", name, 1000 * k), db)
    return db


def pending(db: Path) -> list[str]:
    with writer(db) as con:
        return [r[0] for r in con.execute("SELECT brand FROM alerts WHERE sent_at IS NULL")
                .fetchall()]  # fmt: skip


def test_an_email_the_server_accepted_is_sent_once_though_it_answers_quit_with_421(
    tmp_path: Path,
):
    db = warehouse(tmp_path, "Fibrelia")
    home = tmp_path / "home"
    handler = Server(quit_reply="421 4.3.0 closing, busy")
    with smtp_server(handler) as smtp:
        runs = [alert_step(db, brands("Fibrelia"), home, smtp=smtp)
                for _ in range(3)]  # fmt: skip
    assert len(handler.messages) == 1  # was 3: the 421 made it "not sent", so resent
    [first], [second], [third] = runs
    assert first.sent_now and not first.failed and first.problem is None
    assert second.sent and not second.sent_now and third.sent and not third.sent_now
    assert pending(db) == []


def test_an_email_the_server_refused_stays_pending_and_goes_out_on_the_next_run(
    tmp_path: Path,
):
    db = warehouse(tmp_path, "Fibrelia")
    home = tmp_path / "home"
    handler = Server(data_reply="451 4.3.0 try again later")
    with smtp_server(handler) as smtp:
        [refused] = alert_step(db, brands("Fibrelia"), home, smtp=smtp)
        assert refused.failed and "451" in (refused.problem or "")
        assert pending(db) == ["Fibrelia"]
        handler.data_reply = None
        [sent] = alert_step(db, brands("Fibrelia"), home, smtp=smtp)
    assert sent.sent_now and len(handler.messages) == 1 and pending(db) == []


def test_one_alert_that_cannot_be_emailed_does_not_stop_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # An alert left in the outbox by an older version, before recipients were checked at
    # config load: its To header cannot be written. It comes first in the outbox.
    db = warehouse(tmp_path, "Fibrelia", "Kalio")
    home = tmp_path / "home"
    stuck = BrandAlert("Aaron", datetime(2026, 1, 5).date(), 9, 9, -1.0, 0.5, 0.0, net_z=-6.0)
    with writer(db) as con:
        record_alert(con, stuck, ["cm@aaron.test\r\nBcc: everyone@aaron.test"],
                     datetime.now(UTC))  # fmt: skip
    caplog.set_level(logging.INFO, logger="warehouse.alerts.step")
    handler = Server()
    with smtp_server(handler) as smtp:
        deliveries = alert_step(db, brands("Fibrelia", "Kalio"), home, smtp=smtp)
        by_brand = {d.brand: d for d in deliveries}
        assert by_brand["Fibrelia"].sent_now and by_brand["Kalio"].sent_now
        assert len(handler.messages) == 2
        failed = by_brand["Aaron"]
        assert failed.failed and not failed.sent
        assert "stays pending" in (failed.problem or "")
        assert "linefeed or carriage return" in (failed.problem or "")
        assert any(
            line.startswith("alert: Aaron: ") and "FAILED" in line for line in caplog.messages
        )
        assert pending(db) == ["Aaron"]  # retried on the next run, not dropped
        again = alert_step(db, brands("Fibrelia", "Kalio"), home, smtp=smtp)
    assert [d.brand for d in again if d.failed] == ["Aaron"] and len(handler.messages) == 2


def test_a_brand_whose_alerts_cannot_be_checked_does_not_stop_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    from veille.core.config import AlertSettings, Brand

    # Settings built without validation (as a caller of alert_step could): the rule
    # for this brand fails; the brands after it are still checked and emailed.
    odd = AlertSettings.model_construct(sensitivity="extreme", recipients=["cm@aaron.test"],
                                        min_volume=5, bucket="day", digest=False)  # fmt: skip
    aaron = Brand.model_construct(name="Aaron", role="brand", queries=["x"], exclude=[],
                                  competitors=[], alerts=odd)  # fmt: skip
    config = BrandsFile.model_construct(
        languages=["fr"], brands=[aaron, *brands("Fibrelia").brands]
    )
    db = warehouse(tmp_path, "Fibrelia")
    caplog.set_level(logging.INFO, logger="warehouse.alerts.step")
    handler = Server()
    with smtp_server(handler) as smtp:
        deliveries = alert_step(db, config, tmp_path / "home", smtp=smtp)
    by_brand = {d.brand: d for d in deliveries}
    assert by_brand["Fibrelia"].sent_now and len(handler.messages) == 1
    assert by_brand["Aaron"].failed and "alerts not checked (KeyError" in (
        by_brand["Aaron"].problem or ""
    )
    assert any(
        line.startswith("alert: Aaron: FAILED, alerts not checked") for line in caplog.messages
    )


def test_a_digest_goes_out_without_the_alert_that_cannot_be_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # Two digest alerts for the same recipients; one cannot be shown (its row lost what
    # moved, as a damaged row would): the digest carries the other.
    db = warehouse(tmp_path, "Fibrelia")
    home = tmp_path / "home"
    config = BrandsFile.model_validate(
        {"brands": [{"name": "Fibrelia", "queries": ["x"],
                     "alerts": {"recipients": ["cm@group.test"], "digest": True}}]}
    )  # fmt: skip
    damaged = BrandAlert("Aaron", datetime(2026, 1, 5).date(), 9, 9, -1.0, 0.5, 0.0, net_z=-6.0)
    with writer(db) as con:
        record_alert(con, damaged, ["cm@group.test"], datetime.now(UTC), "digest")
        con.execute("UPDATE alerts SET net_z = NULL WHERE alert_id = ?", [damaged.alert_id])
    caplog.set_level(logging.INFO, logger="warehouse.alerts.step")
    handler = Server()
    with smtp_server(handler) as smtp:
        deliveries = alert_step(db, config, home, smtp=smtp)
    by_brand = {d.brand: d for d in deliveries}
    assert by_brand["Fibrelia"].sent_now and not by_brand["Fibrelia"].failed
    assert by_brand["Aaron"].failed and "stays pending" in (by_brand["Aaron"].problem or "")
    assert any(line.startswith("alert: Aaron: alert of 2026-01-05 (FAILED, email not built")
               for line in caplog.messages)  # fmt: skip
    [raw] = handler.messages
    assert "Daily digest" in str(message_from_bytes(raw, policy=policy.default)["Subject"])
    assert pending(db) == ["Aaron"]


MATHTEXT = r"$\frac$"


def test_a_brand_name_holding_mathtext_is_drawn_literally_and_emailed(tmp_path: Path):
    db = warehouse(tmp_path, MATHTEXT)
    handler = Server()
    with smtp_server(handler) as smtp:
        [delivery] = alert_step(db, brands(MATHTEXT), tmp_path / "home", smtp=smtp)  # fmt: skip
    assert delivery.sent_now
    received = message_from_bytes(handler.messages[0], policy=policy.default)
    assert MATHTEXT in str(received["Subject"])
    [image] = [p for p in received.walk() if p.get_content_type() == "image/png"]
    assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "name", [MATHTEXT, r"$x^$", "$$", r"\$ and $\alpha$ and _^{}", "Ca$h $x^$"]
)
def test_chart_text_is_literal_whatever_the_brand_name(name: str):
    day = pd.Timestamp("2026-11-24").date()
    frame = pd.DataFrame(
        [{"brand": name, "day": (pd.Timestamp(day) - pd.Timedelta(days=k)).date(),
          "mentions": 3, "positive": 1, "neutral": 1, "negative": 1, "net_sentiment": 0.0}
         for k in range(10)]
    )  # fmt: skip
    alert = BrandAlert(name, day, 3, 1, 0.0, 0.5, 1.0, net_z=-5.0)
    assert chart_png(alert, frame)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_alert_email_speaks_the_brands_language(tmp_path: Path):
    db = tmp_path / "home" / "veille.duckdb"
    french = BrandsFile.model_validate(
        {"brands": [{"name": "Fibrelia", "queries": ["x"], "locale": "fr",
                     "timezone": "Europe/Paris",
                     "alerts": {"recipients": ["cm@fibrelia.test"]}},
                    {"name": "Kalio", "queries": ["x"], "locale": "en",
                     "alerts": {"recipients": ["cm@kalio.test"]}}]}
    )  # fmt: skip
    load_step(crisis(tmp_path / "f.jsonl", "Fibrelia", 0), db, french)
    load_step(crisis(tmp_path / "k.jsonl", "Kalio", 5000), db, french)
    handler = Server()
    with smtp_server(handler) as settings:
        deliveries = alert_step(db, french, tmp_path / "home", smtp=settings)
    assert [d.sent for d in deliveries] == [True, True]
    received = {
        str(m["To"]): m
        for m in (message_from_bytes(raw, policy=policy.default) for raw in handler.messages)
    }
    fr, en = received["cm@fibrelia.test"], received["cm@kalio.test"]
    assert str(fr["Subject"]).startswith("[Veille] Fibrelia : ")
    assert "mentions négatives en un jour (d'habitude 0,0)" in str(fr["Subject"])
    fr_html = fr.get_body(("html",)).get_content()
    assert "Les messages en cause" in fr_html and 'lang="fr"' in fr_html
    assert "12, dont 12 négatives" in fr_html
    # the posts' times in the brand's zone, as a French reader writes them
    assert re.search(r"\d{1,2} (nov|déc)\. 2026, \d\d:\d\d", fr_html)
    # English, as the alert history stores it.
    assert str(en["Subject"]) == f"[Veille] {deliveries[1].summary}"
    assert "The posts that drove it" in en.get_body(("html",)).get_content()
