"""The run's alert step: detect (rules), store (store: the outbox), then send (emails)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from veille.core.config import Brand, BrandsFile
from veille.core.home import Warehouse
from warehouse.alerts.emails import (
    Delivery,
    Outgoing,
    mark_sent,
    not_built,
    prepare_alert,
    prepare_digests,
    safe_summary,
    send_outgoing,
)
from warehouse.alerts.notices import alert_notices, digest_message
from warehouse.alerts.rules import BrandAlert, detect_brand_alerts
from warehouse.alerts.store import pending_alerts, previous_alerts, read_buckets, record_alert
from warehouse.db import writer
from warehouse.mail import SmtpSettings
from warehouse.notifications import (
    Channels,
    OutgoingNotice,
    mark_notices,
    one_write,
    prepare_notices,
    record_notices,
    send_notices,
)

log = logging.getLogger(__name__)


def run_alerts(
    db_path: Warehouse,
    brands: BrandsFile,
    emails_dir: Path,
    *,
    smtp: Any = None,
    as_of: date | None = None,
    lookback_days: int = 3,
) -> list[Delivery]:
    """Detect reputation drops over the last `lookback_days` (in each brand's buckets,
    daily or hourly), store them in the alert history (the outbox), and email each one
    not yet sent (saved as .eml in `emails_dir` too), or, for brands with `digest: true`,
    the day's digest. An alert already sent is not sent again; one whose sending failed
    is retried on the next run.

    Each brand and each alert is on its own: one that fails (its detection, its email's
    building or sending) is logged with its brand and the reason and returned with
    `problem` set (`Delivery.failed`), its alert stays pending in the outbox, and the
    others go on.

    With `as_of` (a past day: an Airflow run's data interval, a backfill) only the days
    up to it are read, so the alerts are those a run on that day found. The warehouse's
    writer is held only to detect, record and build the emails; they are sent after it
    is let go (a slow mail server holds up no load), then marked sent in a second short
    transaction.

    The brands' channels (alerts.notify) get the same alerts from their own outbox
    (table `notifications`): each new alert's messages are recorded with it, in one
    write; they are sent after the emails, each channel on its own, and marked sent or
    left pending with their error, to be retried by the next run. Each Delivery lists
    the channels tried on this run (`channels`)."""
    settings = smtp or SmtpSettings.from_env()
    deliveries: list[Delivery] = []
    outgoing: list[Outgoing] = []

    def buckets(con: duckdb.DuckDBPyConnection, bucket: str) -> pd.DataFrame:
        frame = read_buckets(con, bucket)
        return frame if as_of is None else frame[frame["day"] <= as_of].reset_index(drop=True)

    with writer(db_path) as con:
        needed = {"day"} | {b.alerts.bucket for b in brands.brands if b.role == "brand"}
        frames = {bucket: buckets(con, bucket) for bucket in sorted(needed)}
        if frames["day"].empty:
            log.info("alert: no mentions in the warehouse yet")
            return []
        last_day = as_of or max(frames["day"]["day"])
        since = last_day - timedelta(days=lookback_days - 1)
        new_ids: set[str] = set()
        found: list[tuple[BrandAlert, str]] = []  # in the days looked at, sent or not
        for brand in brands.brands:
            if brand.role != "brand":
                continue
            try:
                # Alerts of the days looked at again are found again (same ids), not
                # cooled down.
                earlier = [a for a in previous_alerts(con, brand.name) if a.date() < since]
                for alert in detect_brand_alerts(
                    frames[brand.alerts.bucket],
                    brand.name,
                    since=since,
                    bucket=brand.alerts.bucket,
                    sensitivity=brand.alerts.sensitivity,
                    min_volume=brand.alerts.min_volume,
                    previous_alerts=earlier,
                ):
                    how = "digest" if brand.alerts.digest else "email"
                    if _record(con, alert, brand, how):
                        new_ids.add(alert.alert_id)
                    found.append((alert, how))
            except Exception as err:  # the other brands are still checked
                problem = (
                    f"alerts not checked ({type(err).__name__}: {err}); the next run tries again"
                )
                log.warning(f"alert: {brand.name}: FAILED, {problem}")
                deliveries.append(
                    Delivery("", brand.name, f"{brand.name}: alerts not checked", None,
                             sent=False, problem=problem)
                )  # fmt: skip
        # The outbox: the alerts of the days looked at, and every one an earlier run left
        # pending, however old.
        seen = {alert.alert_id for alert, _ in found}
        outbox = pending_alerts(con)
        unsent = {alert.alert_id for alert, _ in outbox}
        pending = [(alert, how) for alert, how in outbox if alert.alert_id not in seen]
        digest = []
        for alert, how in [*pending, *found]:
            try:
                frame = frames.get(alert.bucket)
                if frame is None:  # the brand has changed buckets since: read them
                    frame = frames[alert.bucket] = buckets(con, alert.bucket)
                if how == "digest":
                    if alert.alert_id in unsent:
                        digest.append((alert, frame))
                    continue
                delivery, email = prepare_alert(con, alert, frame, settings, emails_dir)
                if email is not None:
                    outgoing.append(email)
            except Exception as err:  # it stays pending; the other alerts go on
                delivery = Delivery(alert.alert_id, alert.brand, safe_summary(alert), None,
                                    sent=False, problem=not_built(err))  # fmt: skip
            deliveries.append(delivery)
        today = datetime.now(UTC).date()
        try:
            digested, digests = prepare_digests(con, digest, settings, emails_dir, today)
            outgoing += digests
        except Exception as err:  # every digest alert stays pending
            digested = [Delivery(alert.alert_id, alert.brand, safe_summary(alert), None, sent=False,
                                 problem=not_built(err), digest=True)
                        for alert, _ in digest]  # fmt: skip
        deliveries += digested
        notices = _channel_notices(con, brands, deliveries, today)
    # The emails and the channels' messages go out with the warehouse let go; the marks
    # come back in a short write.
    sent = send_outgoing(outgoing, settings)
    send_notices(notices)
    if sent or notices:
        with writer(db_path) as con:
            mark_sent(con, sent, datetime.now(UTC))
            mark_notices(con, notices, datetime.now(UTC))
    for delivery in deliveries:
        new = ", new" if delivery.alert_id in new_ids else ""
        log.log(_level(delivery), f"alert: {delivery.summary} ({delivery.state}{new})")
        for channel in delivery.channels:
            level = logging.WARNING if channel.failed else logging.INFO
            log.log(level, f"alert: {delivery.summary}: {channel.state}")
    if not deliveries:
        log.info("alert: no reputation drop detected")
    return deliveries


def _record(con: duckdb.DuckDBPyConnection, alert: BrandAlert, brand: Brand, how: str) -> bool:
    """Store a new alert in the history (the outbox) with its messages to the brand's
    channels, in one write; False when it was there already."""
    if con.execute("SELECT 1 FROM alerts WHERE alert_id = ?", [alert.alert_id]).fetchone():
        return False
    notices = alert_notices(con, alert, brand)  # read before the write
    now = datetime.now(UTC)
    with one_write(con):
        record_alert(con, alert, brand.alerts.recipients, now, how)
        record_notices(con, notices, now)
    return True


def _channel_notices(
    con: duckdb.DuckDBPyConnection, brands: BrandsFile, deliveries: list[Delivery], today: date
) -> list[OutgoingNotice]:
    """The channels' pending messages, prepared to be sent, each one's delivery put on
    its alerts' (an alert whose email went out on an earlier run gets one too)."""
    channels: Channels = {(b.name, c.name): c for b in brands.brands for c in b.alerts.notify}
    try:
        notices = prepare_notices(
            con, ("alert", "digest"), channels, "brands.yaml alerts.notify", today=today,
            digest=lambda rows: digest_message(con, rows, today),
        )  # fmt: skip
    except Exception as err:  # the emails still go out; the messages wait in the outbox
        log.warning(f"alert: channels' messages not prepared ({type(err).__name__}: {err}); "
                    "they stay pending and are retried next run")  # fmt: skip
        return []
    by_id = {d.alert_id: d for d in deliveries if d.alert_id}
    wanted = {i for n in notices for i in n.delivery.alert_ids if i not in by_id}
    if wanted:
        for alert_id, brand, summary, sent_at, how in con.execute(
            "SELECT alert_id, brand, summary, sent_at, delivery FROM alerts "
            "WHERE list_contains(?, alert_id) ORDER BY day, hour, brand",
            [sorted(wanted)],
        ).fetchall():
            by_id[alert_id] = Delivery(alert_id, brand, summary, None, sent=sent_at is not None,
                                       digest=how == "digest")  # fmt: skip
            deliveries.append(by_id[alert_id])
    for notice in notices:
        for alert_id in notice.delivery.alert_ids:
            if alert_id in by_id:
                by_id[alert_id].channels.append(notice.delivery)
    return notices


def _level(delivery: Delivery) -> int:
    """An email that failed is a warning (Airflow and terminals show it apart); each
    channel's line says its own."""
    return logging.WARNING if delivery.problem is not None else logging.INFO
