"""What people decide in `veille web`: a sentiment corrected, a post marked "not about
this brand", tagged or handled, an alert acknowledged or called a false alarm.

The warehouse has one writer, and a load may hold it for minutes; a decision must
never wait for it, fail or be lost. So each decision is first written to a journal
beside the warehouse (SQLite, `veille.reviews.sqlite` beside `veille.duckdb`: many
writers, committed at once), then copied into the warehouse by the next writer: the
app itself when no load runs, else the load (warehouse/load.py), which copies the
journal before its own rows. Copying is idempotent (a decision's id is its key), so a
crash between the two steps copies it again, harmlessly.

In the warehouse, corrections go to table corrections (they win over the model in
every view, and `veille models train --with-corrections` learns from them), the other
decisions to mention_reviews and alert_reviews (schema/014_reviews.sql), read by the
views brand_exclusions, mention_triage and alert_history.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from veille.core.record import SENTIMENT_LABELS
from warehouse.lake import upsert_sql

# What a decision does, by what it is about.
MENTION_ACTIONS = ("not_about", "about", "tag", "untag", "handled", "unhandled")
ALERT_VERDICTS = ("acknowledged", "false_alarm", "reopened")
MAX_TAG_CHARS = 40

_JOURNAL_SQL = """
CREATE TABLE IF NOT EXISTS reviews (
    review_id TEXT PRIMARY KEY,  -- the decision
    kind      TEXT NOT NULL,     -- correction, mention or alert
    target    TEXT NOT NULL,     -- the mention_id, or the alert_id
    action    TEXT NOT NULL,     -- the sentiment (correction), a MENTION_ACTIONS or ALERT_VERDICTS
    brand     TEXT,              -- the brand it is about, when it is about one
    tag       TEXT,              -- the tag, for tag and untag
    reason    TEXT,              -- why, in the user's words (corrections)
    done_by   TEXT NOT NULL,     -- who
    done_at   TEXT NOT NULL,     -- when (ISO 8601, UTC)
    copied_at TEXT               -- when it reached the warehouse; null until then
);
CREATE INDEX IF NOT EXISTS reviews_pending ON reviews (copied_at, done_at);
"""


class ReviewError(ValueError):
    """A decision that cannot be recorded: an unknown action, label or tag."""


@dataclass(frozen=True)
class Review:
    kind: str  # correction, mention or alert
    target: str  # mention_id or alert_id
    action: str
    done_by: str
    brand: str | None = None
    tag: str | None = None
    reason: str | None = None
    review_id: str = ""
    done_at: datetime | None = None

    def checked(self) -> Review:
        """This decision with its id and time set, or a ReviewError saying what is wrong."""
        allowed = {
            "correction": SENTIMENT_LABELS,
            "mention": MENTION_ACTIONS,
            "alert": ALERT_VERDICTS,
        }.get(self.kind)
        if allowed is None:
            raise ReviewError(f"kind {self.kind!r}: use correction, mention or alert")
        if self.action not in allowed:
            raise ReviewError(f"{self.kind} {self.action!r}: use one of {', '.join(allowed)}")
        if not self.target or not self.done_by:
            raise ReviewError("a decision names what it is about and who made it")
        if self.action in ("not_about", "about") and not self.brand:
            raise ReviewError(f"{self.action}: say which brand")
        tag = self.tag
        if self.action in ("tag", "untag"):
            tag = " ".join((self.tag or "").split())
            if not tag or len(tag) > MAX_TAG_CHARS:
                raise ReviewError(f"a tag is 1 to {MAX_TAG_CHARS} characters, on one line")
        return Review(
            kind=self.kind,
            target=self.target,
            action=self.action,
            done_by=self.done_by,
            brand=self.brand,
            tag=tag,
            reason=self.reason,
            review_id=self.review_id or uuid.uuid4().hex,
            done_at=self.done_at or datetime.now(UTC),
        )


def journal_path(db_path: Path) -> Path:
    """The journal beside a warehouse: veille.duckdb → veille.reviews.sqlite."""
    return db_path.with_name(f"{db_path.stem}.reviews.sqlite")


@contextmanager
def _journal(db_path: Path) -> Iterator[sqlite3.Connection]:
    path = journal_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # autocommit off: `with con` commits or rolls back; WAL lets readers and one writer
    # work at once, and a busy journal is waited for (5 s), not refused.
    with closing(sqlite3.connect(path, timeout=5.0)) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(_JOURNAL_SQL)
        yield con


def record_reviews(db_path: Path, reviews: Iterable[Review]) -> list[Review]:
    """Journal the decisions (all or none), whatever the warehouse is doing; returns them
    with their ids and times."""
    checked = [review.checked() for review in reviews]
    with _journal(db_path) as con, con:
        con.executemany(
            "INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                (
                    r.review_id,
                    r.kind,
                    r.target,
                    r.action,
                    r.brand,
                    r.tag,
                    r.reason,
                    r.done_by,
                    r.done_at.isoformat() if r.done_at else "",
                )
                for r in checked
            ],
        )
    return checked


# A decision as _row_review reads it back.
_SELECT = (
    "SELECT review_id, kind, target, action, brand, tag, reason, done_by, done_at FROM reviews"
)


def _row_review(row: tuple[str, ...]) -> Review:
    review_id, kind, target, action, brand, tag, reason, done_by, done_at = row
    return Review(
        kind=kind,
        target=target,
        action=action,
        done_by=done_by,
        brand=brand,
        tag=tag,
        reason=reason,
        review_id=review_id,
        done_at=datetime.fromisoformat(done_at),
    )


def journaled(db_path: Path, *, pending_only: bool = False) -> list[Review]:
    """The journal's decisions, oldest first (only those not yet in the warehouse, with
    pending_only)."""
    if not journal_path(db_path).exists():
        return []
    where = "WHERE copied_at IS NULL" if pending_only else ""
    with _journal(db_path) as con:
        rows = con.execute(f"{_SELECT} {where} ORDER BY done_at, review_id").fetchall()
    return [_row_review(row) for row in rows]


def recent_reviews(db_path: Path, limit: int = 100) -> list[Review]:
    """The latest decisions, newest first: who decided what, and when (the audit)."""
    if not journal_path(db_path).exists():
        return []
    with _journal(db_path) as con:
        rows = con.execute(
            f"{_SELECT} ORDER BY done_at DESC, review_id DESC LIMIT ?",
            [limit],
        ).fetchall()
    return [_row_review(row) for row in rows]


def insert_reviews(con: duckdb.DuckDBPyConnection, reviews: Iterable[Review]) -> None:
    """Write decisions into a warehouse's tables; one already there is left as it is."""
    for r in reviews:
        if r.kind == "correction":
            con.execute(
                upsert_sql("corrections"),
                [r.review_id, r.target, r.brand, r.action, r.done_by, r.reason, r.done_at],
            )
        elif r.kind == "mention":
            con.execute(
                upsert_sql("mention_reviews"),
                [r.review_id, r.target, r.action, r.brand, r.tag, r.done_by, r.done_at],
            )
        else:
            con.execute(
                upsert_sql("alert_reviews"),
                [r.review_id, r.target, r.action, r.done_by, r.done_at],
            )


def copy_journal(con: duckdb.DuckDBPyConnection, db_path: Path) -> int:
    """Copy the journal's pending decisions into the warehouse `con` writes (db_path's),
    in one transaction, then mark them copied. Returns how many were copied."""
    pending = journaled(db_path, pending_only=True)
    if not pending:
        return 0
    con.execute("BEGIN TRANSACTION")
    try:
        insert_reviews(con, pending)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    now = datetime.now(UTC).isoformat()
    with _journal(db_path) as journal, journal:
        journal.executemany(
            "UPDATE reviews SET copied_at = ? WHERE review_id = ?",
            [(now, r.review_id) for r in pending],
        )
    return len(pending)
