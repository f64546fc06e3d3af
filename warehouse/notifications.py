"""The channels' outbox (table `notifications`): alerts, digests and source-failure
notices for the channels of brands.yaml `alerts.notify` and sources.yaml
`operator.notify`, sent beside the emails and with the same guarantees.

- record: a message is written for each channel in the same write as its alert or
  notice, before anything is sent;
- prepare: inside the warehouse's writer, the pending messages are matched with their
  channel's URL in the config (by the channel's name: the warehouse never holds the URL's
  secrets), a channel's digest rows gathered into one message;
- send: with the warehouse let go, each channel on its own (warehouse/notify.py): one
  that fails, or raises, stops neither the others nor the emails;
- mark: in a short write, the messages sent, and for the others the attempt and its
  error; they are retried by the next run. A message sent is never sent again."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import duckdb

from veille.core.config import NotifyChannel
from warehouse.lake import upsert_sql
from warehouse.notify import send_notice

log = logging.getLogger(__name__)

Kind = Literal["alert", "digest", "source_failure"]


@dataclass(frozen=True)
class Notice:
    """A message to record for one channel."""

    kind: Kind
    channel: str  # the channel's name (NotifyChannel.name)
    title: str
    body: str
    alert_id: str | None = None
    brand: str | None = None
    source_id: str | None = None
    run_id: str | None = None
    # what the notice is about, for its key: the alert, or the source's streak
    about: str = ""

    @property
    def notification_id(self) -> str:
        key = "\n".join([self.kind, self.about or self.alert_id or "", self.channel])
        return hashlib.sha256(key.encode()).hexdigest()[:32]


COLUMNS = [
    "notification_id", "kind", "alert_id", "brand", "source_id", "run_id", "channel",
    "title", "body", "recorded_at", "attempts",
]  # fmt: skip


@contextmanager
def one_write(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A transaction: an alert or notice and its messages are recorded together, or not
    at all (a message never goes missing for an alert recorded)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def record_notices(con: duckdb.DuckDBPyConnection, notices: list[Notice], now: datetime) -> None:
    """Write each notice not yet there (a notice recorded before is left as it is)."""
    for n in notices:
        con.execute(
            upsert_sql("notifications", COLUMNS),
            [n.notification_id, n.kind, n.alert_id, n.brand, n.source_id, n.run_id, n.channel,
             n.title, n.body, now, 0],
        )  # fmt: skip


@dataclass(frozen=True)
class Pending:
    """A message of the outbox not yet sent."""

    notification_id: str
    kind: Kind
    alert_id: str | None
    brand: str | None
    source_id: str | None
    channel: str
    title: str
    body: str
    recorded_at: datetime


@dataclass
class ChannelDelivery:
    """What became of one message to one channel on this run."""

    channel: str
    kind: Kind
    alert_ids: list[str] = field(default_factory=list)
    source_id: str | None = None
    sent_now: bool = False
    # Set when the send failed: the message stays pending and the next run retries it.
    problem: str | None = None

    @property
    def failed(self) -> bool:
        return self.problem is not None

    @property
    def state(self) -> str:
        if self.problem is not None:
            return f"{self.channel} failed ({self.problem}), retried next run"
        return f"sent to {self.channel}" if self.sent_now else f"{self.channel}: not sent yet"


@dataclass
class OutgoingNotice:
    """A message prepared inside the writer, sent after it is let go."""

    channel: NotifyChannel
    title: str
    body: str
    notification_ids: list[str]
    delivery: ChannelDelivery


# The live channels by (brand, channel name); brand None for the operator's channels.
Channels = Mapping[tuple[str | None, str], NotifyChannel]
# Makes a channel's digest (title, body) from its pending digest rows.
DigestMaker = Callable[[list[Pending]], tuple[str, str]]


def pending_notices(con: duckdb.DuckDBPyConnection, kinds: tuple[Kind, ...]) -> list[Pending]:
    """The messages of these kinds not sent yet, oldest first."""
    rows = con.execute(
        "SELECT notification_id, kind, alert_id, brand, source_id, channel, title, body, "
        "recorded_at FROM notifications WHERE sent_at IS NULL AND list_contains(?, kind) "
        "ORDER BY recorded_at, notification_id",
        [list(kinds)],
    ).fetchall()
    return [Pending(*row) for row in rows]


def prepare_notices(
    con: duckdb.DuckDBPyConnection,
    kinds: tuple[Kind, ...],
    channels: Channels,
    listed_in: str,
    *,
    today: date,
    digest: DigestMaker | None = None,
) -> list[OutgoingNotice]:
    """The pending messages of these kinds, each with its channel's URL found again in
    the config (`channels`); a channel's pending digest rows in one message, at most one
    digest a day per channel. A message whose channel is no longer in the config
    (`listed_in`, for the log) stays pending, said once per channel."""
    outgoing: list[OutgoingNotice] = []
    digests: dict[tuple[str, str], tuple[NotifyChannel, list[Pending]]] = {}
    missing: dict[tuple[str | None, str], int] = {}
    # oldest first, and the channels of one alert or notice in the config's order
    order = {key: position for position, key in enumerate(channels)}
    rows = sorted(
        pending_notices(con, kinds),
        key=lambda row: (row.recorded_at, order.get((row.brand, row.channel), len(order))),
    )
    for row in rows:
        channel = channels.get((row.brand, row.channel))
        if channel is None:
            key = (row.brand, row.channel)
            missing[key] = missing.get(key, 0) + 1
            continue
        if row.kind == "digest":
            digests.setdefault((channel.name, channel.url), (channel, []))[1].append(row)
            continue
        delivery = ChannelDelivery(
            channel.name, row.kind, [row.alert_id] if row.alert_id else [], row.source_id
        )
        outgoing.append(
            OutgoingNotice(channel, row.title, row.body, [row.notification_id], delivery)
        )
    for (brand, name), count in missing.items():
        whose = f" of {brand}" if brand else ""
        log.info(
            f"notify: {name}{whose} is no longer in {listed_in}: its {count} pending "
            "messages stay pending (they go out if it comes back)"
        )
    for channel, rows in digests.values():
        if digest is None or _digest_sent(con, channel.name, today):
            continue  # the day's digest went out: these wait for tomorrow's
        title, body = digest(rows)
        ids = [row.alert_id for row in rows if row.alert_id]
        delivery = ChannelDelivery(channel.name, "digest", ids)
        outgoing.append(
            OutgoingNotice(channel, title, body, [r.notification_id for r in rows], delivery)
        )
    return outgoing


def _digest_sent(con: duckdb.DuckDBPyConnection, channel: str, today: date) -> bool:
    row = con.execute(
        "SELECT count(*) FROM notifications WHERE kind = 'digest' AND channel = ? "
        "AND CAST(timezone('UTC', sent_at) AS DATE) = ?",
        [channel, today],
    ).fetchone()
    return bool(row and row[0])


def send_notices(outgoing: list[OutgoingNotice]) -> None:
    """Each message sent to its channel, with no connection to the warehouse held; one
    that fails has its delivery's `problem` set, and the others go on."""
    for notice in outgoing:
        try:
            problem = send_notice(notice.channel, notice.title, notice.body)
        except Exception as err:  # send_notice does not raise; should it, the others go on
            problem = f"{type(err).__name__}: not sent"
        notice.delivery.problem = problem
        notice.delivery.sent_now = problem is None


def mark_notices(
    con: duckdb.DuckDBPyConnection, outgoing: list[OutgoingNotice], at: datetime
) -> None:
    """Each message tried: sent (sent_at), or its attempt counted with its error."""
    for notice in outgoing:
        con.execute(
            "UPDATE notifications SET attempts = attempts + 1, last_attempt_at = $at, "
            "last_error = $error, sent_at = CASE WHEN $error IS NULL THEN $at END "
            "WHERE list_contains($ids, notification_id) AND sent_at IS NULL",
            {"at": at, "error": notice.delivery.problem, "ids": notice.notification_ids},
        )
