"""Channels: alerts, digests and source-failure notices sent through Apprise, beside the
email, from the outbox (table `notifications`). Real parts only: a webhook receiver on
127.0.0.1 reached through Apprise's json:// and form://, an SMTP server (aiosmtpd), a
DuckDB warehouse holding a crisis."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.receiver import Receiver, webhook_receiver
from tests.warehouse.test_alert_delivery import Server, smtp_server, warehouse
from veille.core.config import BrandsFile, OperatorSettings, load_model
from veille.core.crawl_result import CrawlResult
from veille.demo.run import free_port
from veille.pipeline import RunReport, alert_step, iter_summary, new_run_dir, source_health_step
from warehouse.access import open_warehouse
from warehouse.mail import SmtpSettings

SECRET = "hook-secret-5f3a9c1e7b"


@pytest.fixture(scope="module")
def crisis_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse where Fibrelia and Kalio each have a day of complaints, built once."""
    return warehouse(tmp_path_factory.mktemp("crisis"), "Fibrelia", "Kalio")


@pytest.fixture
def db(crisis_db: Path, tmp_path: Path) -> Path:
    """A copy of the crisis warehouse in the test's data folder (tmp_path / "home")."""
    home = tmp_path / "home"
    home.mkdir()
    return Path(shutil.copy(crisis_db, home / "veille.duckdb"))


@pytest.fixture
def hooks() -> Any:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def mail() -> Any:
    handler = Server()
    with smtp_server(handler) as settings:
        yield handler, settings


def brands_file(
    folder: Path, notify: list[str], *, names: tuple[str, ...] = ("Fibrelia",), digest: bool = False
) -> BrandsFile:
    """brands.yaml as a user writes it, read as `veille run` reads it (${NAME} expanded)."""
    lines = ["brands:"]
    for i, name in enumerate(names):
        lines += [
            f"  - name: {name}",
            "    queries: [x]",
            "    alerts:",
            f"      recipients: [cm{i}@brand.test]",
            f"      digest: {json.dumps(digest)}",
            f"      notify: {json.dumps(notify)}",
        ]
    path = folder / "brands.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_model(path, BrandsFile)


def notifications(db: Path) -> list[tuple[Any, ...]]:
    with open_warehouse(db) as con:
        return con.execute(
            "SELECT channel, kind, brand, attempts, last_error, sent_at IS NOT NULL, title, body "
            "FROM notifications ORDER BY channel, brand"
        ).fetchall()


def test_an_alert_reaches_the_email_and_each_channel_once(
    db: Path, tmp_path: Path, hooks: Receiver, mail: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HOOK_TOKEN", SECRET)
    monkeypatch.setenv("VEILLE_WEB_URL", "https://veille.example.org/")
    handler, smtp = mail
    json_url = hooks.url("json", "/hook/${HOOK_TOKEN}")
    form_url = hooks.url("form", "/form")
    config = brands_file(tmp_path, [json_url, form_url])
    home = db.parent
    [delivery] = alert_step(db, config, home, smtp=smtp)
    assert delivery.sent_now and not delivery.failed
    assert [c.state for c in delivery.channels] == [f"sent to {json_url}", f"sent to {form_url}"]
    # a second run, and a third: nothing goes out again
    for _ in range(2):
        [again] = alert_step(db, config, home, smtp=smtp)
        assert again.sent and not again.sent_now and again.channels == []
    assert len(handler.messages) == 1
    [posted] = hooks.on(f"/hook/{SECRET}")  # the URL's secret, from the environment
    [form] = hooks.on("/form")
    assert len(hooks.requests) == 2
    message = posted.fields
    assert form.fields["title"] == message["title"] == "Fibrelia: reputation alert"
    assert form.fields["message"] == message["message"]
    body = message["message"]
    assert body.startswith(delivery.summary + ".")
    assert "\nWhy:\n- " in body and "\nThe posts that drove it:\n- forum-box · " in body
    assert "Panne " in body and "http://forum.test/viewtopic.php?t=" in body
    assert body.endswith("In Veille: https://veille.example.org/alerts?brand=Fibrelia")
    # The warehouse names the channel with its secret hidden; no file holds the secret.
    rows = notifications(db)
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        (form_url, "alert", 1, None, True),
        (json_url, "alert", 1, None, True),
    ]
    files = [p for p in home.rglob("*") if p.is_file()]
    assert db in files and not [p for p in files if SECRET.encode() in p.read_bytes()]
    # What the run prints, channel by channel.
    lines = list(iter_summary(db, RunReport(tmp_path, db, alerts=[delivery])))
    at = lines.index(f"  {delivery.summary} [emailed now]")
    assert lines[at + 2 : at + 4] == [f"    sent to {json_url}", f"    sent to {form_url}"]


def test_a_failing_channel_stays_pending_and_blocks_neither_the_others_nor_the_email(
    db: Path, tmp_path: Path, hooks: Receiver, mail: Any, caplog: pytest.LogCaptureFixture
):
    handler, smtp = mail
    failing, working = hooks.url("json", "/fail"), hooks.url("form", "/form")
    down = f"json://127.0.0.1:{free_port()}/down"  # nothing listens there
    config = brands_file(tmp_path, [failing, down, working])
    home = db.parent
    hooks.status["/fail"] = 500
    caplog.set_level(logging.INFO, logger="warehouse.alerts.step")
    [first] = alert_step(db, config, home, smtp=smtp)
    assert first.sent_now and first.problem is None and len(handler.messages) == 1
    assert first.failed  # `veille run` exits 3: something is retried next run
    states = {c.channel: c for c in first.channels}
    assert states[working].sent_now
    assert states[failing].state.startswith(f"{failing} failed (HTTP 500: ")
    assert states[failing].state.endswith("), retried next run")
    assert states[down].failed and "Connection error" in (states[down].problem or "")
    assert "HTTP 500" in first.problems and working not in first.problems
    assert any(f"{failing} failed (HTTP 500" in line for line in caplog.messages)
    pending = {r[0]: r for r in notifications(db) if not r[5]}
    assert set(pending) == {failing, down}
    assert pending[failing][3] == 1 and pending[failing][4] == (
        "HTTP 500: Failed to send JSON POST notification: Internal server error."
    )
    # Still down on the next run: tried again, counted; then it answers again.
    alert_step(db, config, home, smtp=smtp)
    assert len(hooks.on("/fail")) == 2
    del hooks.status["/fail"]
    [last] = alert_step(db, config, home, smtp=smtp)
    assert [c.state for c in last.channels if not c.failed] == [f"sent to {failing}"]
    assert len(hooks.on("/fail")) == 3 and len(hooks.on("/form")) == 1
    assert len(handler.messages) == 1
    rows = {r[0]: r for r in notifications(db)}
    assert rows[failing][3:6] == (3, None, True)
    assert rows[down][3] == 3 and not rows[down][5]


def test_a_channel_removed_from_the_config_keeps_its_messages_pending_quietly(
    db: Path, tmp_path: Path, hooks: Receiver, mail: Any, caplog: pytest.LogCaptureFixture
):
    _, smtp = mail
    gone, kept = hooks.url("json", "/gone"), hooks.url("json", "/kept")
    hooks.status["/gone"] = 503
    alert_step(db, brands_file(tmp_path, [gone, kept]), db.parent, smtp=smtp)
    caplog.set_level(logging.INFO, logger="warehouse.notifications")
    [delivery] = alert_step(db, brands_file(tmp_path, [kept]), db.parent, smtp=smtp)
    assert not delivery.failed and delivery.channels == []
    assert len(hooks.on("/gone")) == 1 and len(hooks.on("/kept")) == 1
    assert (
        f"notify: {gone} of Fibrelia is no longer in brands.yaml alerts.notify: its 1 pending "
        "messages stay pending (they go out if it comes back)"
    ) in caplog.messages
    # It comes back: its message goes out.
    hooks.status.clear()
    alert_step(db, brands_file(tmp_path, [gone, kept]), db.parent, smtp=smtp)
    assert len(hooks.on("/gone")) == 2 and all(r[5] for r in notifications(db))


def test_a_channel_gets_one_digest_of_the_days_alerts(
    db: Path, tmp_path: Path, hooks: Receiver, mail: Any
):
    handler, smtp = mail
    url = hooks.url("json", "/digest")
    config = brands_file(tmp_path, [url], names=("Fibrelia", "Kalio"), digest=True)
    deliveries = alert_step(db, config, db.parent, smtp=smtp)
    assert [d.brand for d in deliveries] == ["Fibrelia", "Kalio"]
    assert all(d.sent_now and [c.state for c in d.channels] == [f"sent to {url}"]
               for d in deliveries)  # fmt: skip
    alert_step(db, config, db.parent, smtp=smtp)
    [digest] = hooks.on("/digest")
    today = datetime.now(UTC).date()
    assert digest.fields["title"] == f"Veille daily digest, {today}: 2 alerts"
    body = digest.fields["message"]
    assert body.startswith(f"Fibrelia: reputation alert\n{deliveries[0].summary}.")
    assert f"\n\nKalio: reputation alert\n{deliveries[1].summary}." in body
    assert len(handler.messages) == 2  # each brand's recipients get their digest email
    assert [(r[1], r[5]) for r in notifications(db)] == [("digest", True)] * 2


def test_a_failing_source_is_told_to_the_operators_channel_once_a_streak(
    tmp_path: Path, hooks: Receiver, smtp: Any
):
    inbox, port = smtp
    home = tmp_path / "home"
    failed = CrawlResult(
        "blog-mort", None, posts=0, pages=21, errors=20, seconds=1.0,
        problem="most pages failed: 20 of the 20 pages (answers: HTTP 200 ×1, HTTP 404 ×20)",
    )  # fmt: skip
    url = hooks.url("json", "/ops")
    operator = OperatorSettings(email="ops@example.org", failures_before_email=2, notify=[url])
    told = []
    for _ in range(3):
        [health] = source_health_step(
            [failed], new_run_dir(home), home / "veille.duckdb", operator, home,
            smtp=SmtpSettings(port=port, sender="veille@test.example"),
        )  # fmt: skip
        told.append([c.state for c in health.channels])
    assert told == [[], [f"sent to {url}"], []]
    assert not health.told_in_part and len(inbox.messages) == 1
    [notice] = hooks.requests
    assert notice.fields["title"] == "Source blog-mort has failed 2 runs in a row"
    assert notice.fields["message"].startswith(
        "The source blog-mort (sources.yaml) has failed its last 2 runs: its posts are not "
        "being collected.\n\nLatest problem: most pages failed: 20 of the 20 pages"
    )
    [row] = notifications(home / "veille.duckdb")
    assert row[:2] == (url, "source_failure") and row[5]


def test_the_message_speaks_the_brands_language(
    tmp_path: Path, hooks: Receiver, mail: Any, monkeypatch: pytest.MonkeyPatch
):
    from tests.warehouse.test_alert_delivery import crisis
    from veille.pipeline import load_step

    monkeypatch.setenv("VEILLE_WEB_URL", "https://veille.example.org")
    _, smtp = mail
    url = hooks.url("json", "/fr")
    path = tmp_path / "brands.yaml"
    path.write_text(
        "brands:\n  - name: Fibrelia\n    queries: [x]\n    locale: fr\n"
        f"    alerts:\n      recipients: [cm@fibrelia.test]\n      notify: ['{url}']\n",
        encoding="utf-8",
    )
    config = load_model(path, BrandsFile)
    db = tmp_path / "home" / "veille.duckdb"
    load_step(crisis(tmp_path / "f.jsonl", "Fibrelia", 0), db, config)
    alert_step(db, config, db.parent, smtp=smtp)
    [posted] = hooks.on("/fr")
    assert posted.fields["title"] == "Fibrelia : alerte de réputation"
    body = posted.fields["message"]
    assert body.startswith("Fibrelia : ") and "\nPourquoi :\n- " in body
    assert "\nLes messages en cause :\n- forum-box · " in body
    assert body.endswith("Dans Veille : https://veille.example.org/alerts?brand=Fibrelia")
