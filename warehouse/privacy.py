"""The warehouse side of privacy (docs/privacy.md): retention, erasure and access, the
request log, pseudonym re-keying, and the rewrite of the DuckDB file that leaves no
trace of what was removed.

Names and URLs come in already hashed where they are hashed (the application holds the
keys, veille/core/pseudonyms.py); this module only matches and removes rows.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

# The tables that hold rows of a post, beside `mentions` itself, keyed on mention_id.
POST_TABLES = (
    "mention_brands", "mention_aspects", "mention_bands", "topic_pending", "corrections",
    "mention_reviews",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    """Whose posts a request is about: the forms the author's name may be stored under
    (as the site shows it, and its pseudonym), the keyed hashes logged and kept out of
    later loads, and the limits (a source, a post's URL)."""

    names: tuple[str, ...] = ()  # the name as written and its pseudonym
    source_id: str | None = None
    url: str | None = None
    author_key: str | None = None
    url_key: str | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition on `mentions` that picks the person's posts."""
        clauses: list[str] = []
        values: list[Any] = []
        if self.names:
            clauses.append("author IN (SELECT unnest(?))")
            values.append(list(self.names))
        if self.url:
            clauses.append("url = ?")
            values.append(self.url)
        if self.source_id:
            clauses.append("source_id = ?")
            values.append(self.source_id)
        if not clauses or clauses == ["source_id = ?"]:
            raise ValueError("a privacy request needs an author or a URL")
        return " AND ".join(clauses), values


@dataclass
class Removed:
    """What a request removed (or, for `show`, found), as counts per place; never the
    data itself."""

    counts: dict[str, int] = field(default_factory=dict)
    mention_ids: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # the pages the posts were on

    def add(self, place: str, count: int) -> None:
        if count:
            self.counts[place] = self.counts.get(place, 0) + count


def _count(con: duckdb.DuckDBPyConnection, sql: str, values: list[Any]) -> int:
    row = con.execute(sql, values).fetchone()
    return int(row[0]) if row else 0


def person_posts(con: duckdb.DuckDBPyConnection, person: Person) -> pd.DataFrame:
    """The person's posts as stored: what an access request shows."""
    condition, values = person.where()
    return con.execute(
        "SELECT mention_id, source_id, url, thread_title, title, author, author_url, "
        "published_at, language, text, sentiment, expired_at FROM mentions "
        f"WHERE {condition} ORDER BY published_at, mention_id",
        values,
    ).df()


def person_records(con: duckdb.DuckDBPyConnection, person: Person) -> dict[str, int]:
    """How many rows of each table hold the person's posts, quarantine included."""
    condition, values = person.where()
    picked = f"(SELECT mention_id FROM mentions WHERE {condition})"
    counts = {"mentions": _count(con, f"SELECT count(*) FROM mentions WHERE {condition}", values)}
    for table in POST_TABLES:
        counts[table] = _count(
            con, f"SELECT count(*) FROM {table} WHERE mention_id IN {picked}", values
        )
    counts["quarantine"] = _count(
        con, "SELECT count(*) FROM quarantine WHERE " + _quarantine_match(person), []
    )
    return {k: v for k, v in counts.items() if v}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quarantine_match(person: Person) -> str:
    """Refused records are JSON: matched on their fields, never stored anywhere else."""
    clauses = []
    if person.names:
        names = ", ".join(_literal(n) for n in person.names)
        clauses.append(f"json_extract_string(record, '$.author') IN ({names})")
    if person.url:
        clauses.append(f"json_extract_string(record, '$.url') = {_literal(person.url)}")
    if person.source_id:
        clauses.append(f"json_extract_string(record, '$.source_id') = {_literal(person.source_id)}")
    return " AND ".join(clauses)


def forget_person(con: duckdb.DuckDBPyConnection, person: Person) -> Removed:
    """Every row of the person's posts removed, in the caller's transaction."""
    condition, values = person.where()
    removed = Removed()
    picked = con.execute(
        f"SELECT mention_id, url FROM mentions WHERE {condition}", values
    ).fetchall()
    removed.mention_ids = [m for m, _ in picked]
    removed.urls = sorted({u for _, u in picked if u})
    con.execute("CREATE OR REPLACE TEMP TABLE forget_ids (mention_id VARCHAR)")
    con.executemany("INSERT INTO forget_ids VALUES (?)", [[m] for m in removed.mention_ids])
    for table in POST_TABLES:
        removed.add(
            table,
            _count(con, f"SELECT count(*) FROM {table} WHERE mention_id IN "
                   "(SELECT mention_id FROM forget_ids)", []),
        )  # fmt: skip
        con.execute(f"DELETE FROM {table} WHERE mention_id IN (SELECT mention_id FROM forget_ids)")
    match = _quarantine_match(person)
    removed.add("quarantine", _count(con, f"SELECT count(*) FROM quarantine WHERE {match}", []))
    con.execute(f"DELETE FROM quarantine WHERE {match}")
    removed.add("mentions", len(removed.mention_ids))
    con.execute("DELETE FROM mentions WHERE mention_id IN (SELECT mention_id FROM forget_ids)")
    con.execute("DROP TABLE forget_ids")
    return removed


def scrub_notifications(
    con: duckdb.DuckDBPyConnection, needles: list[str], *, dry_run: bool = False
) -> int:
    """The lines of the channels' messages (table notifications) that show the person
    (their name, the page, the start of one of their posts) removed; returns how many.
    A message's other lines, and the message itself, stay."""
    if not needles:
        return 0
    removed = 0
    for notification_id, body in con.execute(
        "SELECT notification_id, body FROM notifications"
    ).fetchall():
        lines = body.split("\n")
        kept = [line for line in lines if not any(n in " ".join(line.split()) for n in needles)]
        if len(kept) != len(lines):
            removed += len(lines) - len(kept)
            if not dry_run:
                con.execute(
                    "UPDATE notifications SET body = ? WHERE notification_id = ?",
                    ["\n".join(kept), notification_id],
                )
    return removed


def erased(con: duckdb.DuckDBPyConnection) -> tuple[set[tuple[str | None, str]], set[str]]:
    """What erasures keep out of later loads: (source or None, author key) pairs and URL
    keys."""
    authors: set[tuple[str | None, str]] = set()
    urls: set[str] = set()
    for source_id, author_key, url_key in con.execute(
        "SELECT source_id, author_key, url_key FROM privacy_requests WHERE kind = 'forget'"
    ).fetchall():
        if url_key:
            urls.add(url_key)
        elif author_key:
            authors.add((source_id, author_key))
    return authors, urls


def expire_posts(
    con: duckdb.DuckDBPyConnection,
    retention_of: Callable[[str], int | None],
    shortest: int | None,
    now: datetime,
) -> Removed:
    """Posts older than their source kind's retention lose their text, titles, author and
    URLs (and what was computed from the text alone: near-duplicate keys, refused
    records); their counts, scores, brands, aspects and topics stay, so every trend keeps
    its history. Expired posts are never written again by a load. Refused records older
    than the `shortest` retention are deleted."""
    removed = Removed()
    kinds = [k for (k,) in con.execute("SELECT DISTINCT source_kind FROM mentions").fetchall()]
    for kind in kinds:
        days = retention_of(kind)
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        where = "source_kind = ? AND published_at < ? AND expired_at IS NULL"
        ids = [m for (m,) in con.execute(
            f"SELECT mention_id FROM mentions WHERE {where}", [kind, cutoff]
        ).fetchall()]  # fmt: skip
        if not ids:
            continue
        removed.mention_ids += ids
        removed.add("mentions", len(ids))
        con.execute(
            "UPDATE mentions SET text = '', title = NULL, thread_title = NULL, author = NULL, "
            "author_url = NULL, url = '', thread_url = NULL, post_id = NULL, expired_at = ? "
            f"WHERE {where}",
            [now, kind, cutoff],
        )
        removed.add(
            "mention_bands",
            _count(con, "SELECT count(*) FROM mention_bands WHERE mention_id IN "
                   "(SELECT mention_id FROM mentions WHERE expired_at = ?)", [now]),
        )  # fmt: skip
        con.execute(
            "DELETE FROM mention_bands WHERE mention_id IN "
            "(SELECT mention_id FROM mentions WHERE expired_at = ?)",
            [now],
        )
    if shortest is not None:
        cutoff = now - timedelta(days=shortest)
        removed.add(
            "quarantine",
            _count(con, "SELECT count(*) FROM quarantine WHERE quarantined_at < ?", [cutoff]),
        )
        con.execute("DELETE FROM quarantine WHERE quarantined_at < ?", [cutoff])
    return removed


def log_request(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    asked_by: str,
    now: datetime,
    removed: Removed,
    person: Person | None = None,
) -> str:
    """The request recorded: who, when, what kind, and counts; for an erasure the keyed
    hashes that keep the person out of later loads. Never a name, a URL or a text."""
    request_id = uuid.uuid4().hex
    con.execute(
        "INSERT INTO privacy_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            request_id, kind, asked_by, now,
            person.source_id if person else None,
            person.author_key if person and not person.url_key else None,
            person.url_key if person else None,
            json.dumps(removed.counts, sort_keys=True),
        ],
    )  # fmt: skip
    return request_id


class KeyMismatch(RuntimeError):
    """The pseudonym keys are not those the warehouse's pseudonyms were made with."""


def check_keys(con: duckdb.DuckDBPyConnection, fingerprints: list[str], now: datetime) -> None:
    """The key chain must extend the one the warehouse recorded (the same keys, in the same
    order, maybe more); a chain that does not would give an author a second pseudonym.
    The chain's new keys are recorded."""
    known = [f for (f,) in con.execute(
        "SELECT fingerprint FROM pseudonym_keys ORDER BY position"
    ).fetchall()]  # fmt: skip
    if fingerprints[: len(known)] != known:
        raise KeyMismatch(
            f"the pseudonym keys are not those this warehouse's pseudonyms were made with "
            f"(it knows {len(known)} key(s), fingerprints {', '.join(known)}): restore the "
            "data folder's privacy/keys file (or VEILLE_PRIVACY_KEYS) from its backup"
        )
    for position, value in enumerate(fingerprints[len(known) :], len(known) + 1):
        con.execute("INSERT INTO pseudonym_keys VALUES (?, ?, ?)", [value, position, now])


def rekey(con: duckdb.DuckDBPyConnection, step: Callable[[str], str], prefix: str) -> int:
    """Every stored pseudonym (a value starting with `prefix`) replaced by `step` of it:
    authors, refused records' authors, the erasure log's keys. Returns how many distinct
    pseudonyms changed."""
    stored = {a for (a,) in con.execute(
        "SELECT DISTINCT author FROM mentions WHERE starts_with(author, ?) UNION "
        "SELECT DISTINCT json_extract_string(record, '$.author') FROM quarantine "
        "WHERE starts_with(json_extract_string(record, '$.author'), ?) UNION "
        "SELECT author_key FROM privacy_requests WHERE starts_with(author_key, ?) UNION "
        "SELECT url_key FROM privacy_requests WHERE starts_with(url_key, ?)",
        [prefix] * 4,
    ).fetchall() if a}  # fmt: skip
    mapping = pd.DataFrame(
        [(old, step(old)) for old in sorted(stored)], columns=["old", "new"]
    ).astype("string")
    con.register("rekeyed", mapping)
    con.execute(
        "UPDATE mentions SET author = r.new FROM rekeyed AS r WHERE mentions.author = r.old"
    )
    con.execute(
        "UPDATE quarantine SET record = json_merge_patch(record, json_object('author', r.new)) "
        "FROM rekeyed AS r WHERE json_extract_string(quarantine.record, '$.author') = r.old"
    )
    for column in ("author_key", "url_key"):
        con.execute(
            f"UPDATE privacy_requests SET {column} = r.new FROM rekeyed AS r "
            f"WHERE privacy_requests.{column} = r.old"
        )
    con.unregister("rekeyed")
    return len(stored)


def rewrite_file(path: Path, lock: Callable[[], Any]) -> None:
    """The DuckDB file copied table by table into a new file that then replaces it.
    DuckDB reuses the blocks of deleted rows but does not wipe them, so an erased name
    stays readable in the file until they are overwritten; the copy holds only the live
    rows. Done under the writers' lock (`lock`); a reader that had the file open keeps
    the old one until it reopens it."""
    fresh = path.with_name(path.name + ".rewrite")
    fresh.unlink(missing_ok=True)
    with lock():
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
            con.execute(f"ATTACH '{fresh}' AS dst")
            con.execute("COPY FROM DATABASE src TO dst")
            con.execute("DETACH dst")
            con.execute("DETACH src")
        finally:
            con.close()
        os.replace(fresh, path)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)


def purge_lake(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """On a DuckLake, a delete only marks rows deleted: the Parquet files keep them, and
    so do older snapshots (time travel, which Veille does not use). The files holding
    deleted rows are rewritten, every snapshot but the current one expired, and the
    files no snapshot needs any more deleted."""
    con.execute(f"CALL ducklake_rewrite_data_files('{name}', delete_threshold => 0)")
    con.execute(f"CALL ducklake_expire_snapshots('{name}', older_than => now())")
    con.execute(f"CALL ducklake_cleanup_old_files('{name}', cleanup_all => true)")
