"""The sources' health: every run records what each source's crawl fetched and found
(table `source_runs`, view `source_health`), a source that found no post where an
earlier run found some is failed, and a source that fails several runs in a row is
emailed to the operator, once a streak.

The crawl decides the other failures (crawlers/run.py: no page fetched, most pages
failed, nothing readable); this module adds the one that needs the earlier runs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from veille.core.crawl_result import CrawlResult
from warehouse.lake import upsert_sql
from warehouse.notifications import (
    ChannelDelivery,
    Channels,
    Notice,
    OutgoingNotice,
    one_write,
    prepare_notices,
    record_notices,
)

if TYPE_CHECKING:
    from veille.core.config import OperatorSettings
    from warehouse.mail import SmtpSettings


@dataclass
class SourceHealth:
    """A source after this run: failed or not, since how many runs, and the operator's
    email when one was due."""

    source_id: str
    problem: str | None
    failed_in_a_row: int
    emailed: bool = False  # the operator was emailed about this streak (now or before)
    emailed_now: bool = False
    email_path: Path | None = None
    # Set when the operator's email was due and did not go out: the next run retries it.
    email_problem: str | None = None
    # Its notices to the operator's channels (operator.notify) tried on this run.
    channels: list[ChannelDelivery] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.problem is not None

    @property
    def told_in_part(self) -> bool:
        """The operator's email or a channel's notice is due and did not go out."""
        return self.email_problem is not None or any(c.failed for c in self.channels)


def no_posts_problem(
    con: duckdb.DuckDBPyConnection, run_id: str, result: CrawlResult
) -> str | None:
    """Why a crawl that fetched its pages and found no post failed, or None: it failed
    when an earlier run of the source found posts and no page was unchanged since the
    last crawl (unchanged pages explain a crawl with nothing new)."""
    if not result.ok or result.path is None or result.posts or result.unchanged:
        return None
    row = con.execute(
        "SELECT run_id, posts FROM source_runs WHERE source_id = ? AND run_id <> ? AND posts > 0 "
        "ORDER BY run_id DESC, started_at DESC LIMIT 1",
        [result.source_id, run_id],
    ).fetchone()
    if row is None:
        return None
    return (
        f"no post found in {result.pages} pages, where run {row[0]} found {row[1]}: has the "
        "site changed its markup? (`veille extract PAGE.html --url URL --preset NAME` shows "
        f"what a page gives); see {result.log_path}"
    )


# What record_runs writes of each run (source_runs' columns, its key first).
RUN_COLUMNS = [
    "run_id", "source_id", "started_at", "finished_at", "pages_fetched", "pages_unchanged",
    "pages_failed", "posts", "posts_without_date", "problem", "log_path", "recorded_at",
]  # fmt: skip


def record_runs(
    con: duckdb.DuckDBPyConnection, run_id: str, results: Iterable[CrawlResult]
) -> None:
    """One row per source for this run, in one transaction; recording the same run again
    (an Airflow retry) replaces its rows but keeps what was emailed."""
    now = datetime.now(UTC)
    con.execute("BEGIN TRANSACTION")
    try:
        for r in results:
            started = r.started_at or now
            con.execute(
                upsert_sql("source_runs", RUN_COLUMNS, update=RUN_COLUMNS[2:]),
                [run_id, r.source_id, started, r.finished_at or started, r.fetched, r.unchanged,
                 r.failed, r.posts, r.posts_without_date, r.problem,
                 str(r.log_path) if r.log_path else None, now],
            )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def failure_streak(
    con: duckdb.DuckDBPyConnection, source_id: str
) -> list[tuple[str, datetime, str, datetime | None]]:
    """The source's latest runs that failed in a row, latest first: (run_id, started_at,
    problem, operator_emailed_at); empty when its latest run did not fail."""
    rows = con.execute(
        "SELECT run_id, started_at, problem, operator_emailed_at FROM source_runs "
        "WHERE source_id = ? ORDER BY run_id DESC, started_at DESC",
        [source_id],
    ).fetchall()
    streak = []
    for run_id, started_at, problem, emailed_at in rows:
        if problem is None:
            break
        streak.append((run_id, started_at, problem, emailed_at))
    return streak


def build_operator_email(
    source_id: str,
    streak: list[tuple[str, datetime, str, datetime | None]],
    *,
    sender: str,
    recipient: str,
) -> EmailMessage:
    """Plain text: the source, how many runs it failed, each run's problem (answers and
    log), and what to look at."""
    count = len(streak)
    lines = [*_streak_said(source_id, streak), "", "Its failed runs, latest first:"]
    for run_id, started_at, problem, _ in streak:
        lines += [
            f"- run {run_id} (crawl started {started_at:%Y-%m-%d %H:%M} UTC):",
            f"  {problem}",
        ]
    lines += [
        "",
        'Its last runs: veille sql "SELECT * FROM source_health WHERE source_id = '
        f"'{source_id}'\"",
        "This email is sent once: again only if the source works, then fails as many runs "
        "in a row.",
    ]
    message = EmailMessage()
    message["Subject"] = f"[Veille] Source {source_id} has failed {count} runs in a row"
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    first_run = streak[-1][0]
    key = hashlib.sha256(f"{source_id}\n{first_run}".encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{key}@veille.local>"
    message.set_content("\n".join(lines))
    return message


def _streak_said(
    source_id: str, streak: list[tuple[str, datetime, str, datetime | None]]
) -> list[str]:
    return [
        f"The source {source_id} (sources.yaml) has failed its last {len(streak)} runs: its "
        "posts are not being collected.",
        "",
        f"Latest problem: {streak[0][2]}",
    ]


def operator_notices(
    source_id: str,
    run_id: str,
    streak: list[tuple[str, datetime, str, datetime | None]],
    operator: OperatorSettings,
) -> list[Notice]:
    """The notice of a source's streak of failures for each of the operator's channels:
    the email's words in short, one notice a streak (its key: the streak's first run)."""
    title = f"Source {source_id} has failed {len(streak)} runs in a row"
    body = "\n".join([
        *_streak_said(source_id, streak),
        "",
        'Its last runs: veille sql "SELECT * FROM source_health WHERE source_id = '
        f"'{source_id}'\"",
    ])  # fmt: skip
    about = f"{source_id}\n{streak[-1][0]}"
    return [
        Notice("source_failure", channel.name, title, body, source_id=source_id, run_id=run_id,
               about=about)
        for channel in operator.notify
    ]  # fmt: skip


def check_streaks(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    results: Iterable[CrawlResult],
    operator: OperatorSettings,
    settings: SmtpSettings,
    emails_dir: Path,
) -> list[SourceHealth]:
    """Each source's streak of failed runs; for each that has reached
    `operator.failures_before_email` without an email yet, the operator's email: saved as
    .eml, sent, then marked sent on this run's row (a failed send is retried next run).
    The notices to the operator's channels are recorded in the outbox (table
    `notifications`, once a streak), to be sent once the warehouse is let go
    (notifications.py)."""
    from warehouse.mail import save_email, send_email

    healths = []
    for result in results:
        streak = failure_streak(con, result.source_id)
        health = SourceHealth(result.source_id, result.problem, len(streak))
        healths.append(health)
        if len(streak) >= operator.failures_before_email and operator.notify:
            notices = operator_notices(result.source_id, run_id, streak, operator)
            with one_write(con):
                record_notices(con, notices, datetime.now(UTC))
        health.emailed = any(emailed_at is not None for *_, emailed_at in streak)
        due = len(streak) >= operator.failures_before_email and not health.emailed
        if not due or operator.email is None:
            continue
        try:
            message = build_operator_email(
                result.source_id, streak, sender=settings.sender, recipient=operator.email
            )
            path = save_email(
                message,
                emails_dir / f"{streak[0][1]:%Y-%m-%d}-source-{result.source_id}-{run_id}.eml",
            )
        except Exception as err:  # the other sources go on
            health.email_problem = f"operator email not built ({type(err).__name__}: {err})"
            continue
        health.email_path = path
        con.execute(
            "UPDATE source_runs SET email_path = ? WHERE run_id = ? AND source_id = ?",
            [str(path), run_id, result.source_id],
        )
        try:
            send_email(message, settings)
        except Exception as err:  # OSError mostly: smtplib's errors
            health.email_problem = f"operator email not sent ({err}); it is retried on the next run"
            continue
        con.execute(
            "UPDATE source_runs SET operator_emailed_at = ? WHERE run_id = ? AND source_id = ?",
            [datetime.now(UTC), run_id, result.source_id],
        )
        health.emailed = health.emailed_now = True
    return healths


def prepare_operator_notices(
    con: duckdb.DuckDBPyConnection, operator: OperatorSettings, healths: list[SourceHealth]
) -> list[OutgoingNotice]:
    """The operator's channels' pending notices (this run's and those an earlier run
    could not send), prepared to be sent once the warehouse is let go; each one's
    delivery put on its source's health."""
    channels: Channels = {(None, channel.name): channel for channel in operator.notify}
    notices = prepare_notices(
        con, ("source_failure",), channels, "sources.yaml operator.notify",
        today=datetime.now(UTC).date(),
    )  # fmt: skip
    by_source = {health.source_id: health for health in healths}
    for notice in notices:
        health = by_source.get(notice.delivery.source_id or "")
        if health is not None:
            health.channels.append(notice.delivery)
    return notices
