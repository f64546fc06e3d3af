"""Privacy by design (docs/privacy.md): what the load keeps of the people who write the
posts, how long it keeps it, and the answers to erasure and access requests, across the
warehouse and every file of the data folder.

- At load (`PostPrivacy.prepare`): author names become pseudonyms and profile URLs are
  not kept (`privacy.authors: pseudonymised`); e-mail addresses and phone numbers in
  texts are masked (`privacy.mask_personal_data`); the posts of people who asked to be
  forgotten are kept out.
- `apply_retention`: posts past `privacy.retention_days` lose their text, author and URL
  (their counts and scores stay), and run folders that old are removed.
- `forget` / `show`: an erasure or access request, logged without the erased data.
- `rotate_key`: a new pseudonym key, every stored pseudonym re-hashed with it.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import getpass
import html
import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.netiquette import mask_personal_data
from veille.core.config import PrivacySettings
from veille.core.home import Warehouse, emails_dir, reports_dir, runs_dir, state_dir
from veille.core.pseudonyms import (
    PrivacyKeyError,
    Pseudonyms,
    hash_step,
    new_key,
    pseudonyms,
    write_keys,
)
from veille.core.record import Mention
from warehouse import privacy as stored
from warehouse.db import write_lock, writer

log = logging.getLogger(__name__)


def asked_by_default() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass
class PostPrivacy:
    """What the load does to each post before it is stored."""

    settings: PrivacySettings
    keys: Pseudonyms | None  # None: no key yet (clear authors, nobody forgotten)
    erased_authors: set[tuple[str | None, str]] = field(default_factory=set)
    erased_urls: set[str] = field(default_factory=set)

    @property
    def pseudonymised(self) -> bool:
        return self.settings.authors == "pseudonymised"

    def forgotten(self, mention: Mention) -> bool:
        if self.keys is None:
            return False
        if self.erased_urls and self.keys.of(mention.url) in self.erased_urls:
            return True
        if mention.author and self.erased_authors:
            key = self.keys.of(mention.author)
            return (None, key) in self.erased_authors or (
                mention.source_id,
                key,
            ) in self.erased_authors
        return False

    def prepare(self, mention: Mention) -> Mention | None:
        """The post as the warehouse may keep it; None for a forgotten person's."""
        if self.forgotten(mention):
            return None
        changes: dict[str, Any] = {}
        if self.pseudonymised and self.keys is not None:
            who = mention.author or mention.author_url
            changes["author"] = self.keys.of(who) if who else None
            changes["author_url"] = None
        if self.settings.mask_personal_data:
            for name in ("text", "title", "thread_title"):
                value = getattr(mention, name)
                if value:
                    changes[name] = mask_personal_data(value)[0]
        return dataclasses.replace(mention, **changes) if changes else mention

    @property
    def active(self) -> bool:
        return (
            self.pseudonymised
            or self.settings.mask_personal_data
            or bool(self.erased_authors or self.erased_urls)
        )


def post_privacy(settings: PrivacySettings, home: Path, db_path: Warehouse) -> PostPrivacy:
    """The load's privacy for this warehouse: its keys (a first one made when authors
    are to be pseudonymised), checked against those the warehouse knows, and its
    erasures."""
    keys = pseudonyms(home, create=settings.authors == "pseudonymised")
    privacy = PostPrivacy(settings, keys)
    with writer(db_path) as con:
        if keys is not None and settings.authors == "pseudonymised":
            stored.check_keys(con, keys.fingerprints, datetime.now(UTC))
        privacy.erased_authors, privacy.erased_urls = stored.erased(con)
    if (privacy.erased_authors or privacy.erased_urls) and keys is None:
        raise stored.KeyMismatch(
            "the warehouse holds erasure requests but the data folder has no pseudonym key "
            "(privacy/keys): restore it from its backup, or the forgotten posts would load"
        )
    return privacy


def leave_no_trace(db_path: Warehouse) -> None:
    """What was deleted made unreadable in the warehouse's files too: the DuckDB file
    rewritten, or the DuckLake's Parquet files rewritten and its old snapshots expired."""
    if isinstance(db_path, Path):
        stored.rewrite_file(db_path, lambda: write_lock(db_path, doing="privacy rewrite"))
        return
    from warehouse.lake import NAME

    with writer(db_path) as con:
        stored.purge_lake(con, NAME)


# --- requests --------------------------------------------------------------------------


def person(
    home: Path, *, author: str | None, source_id: str | None, url: str | None
) -> stored.Person:
    """Whose posts a request is about: the author's name as written and as its
    pseudonym (the warehouse may hold either), within a source, or one page's posts;
    with the keyed hashes an erasure keeps (a first key is made when there is none)."""
    keys = pseudonyms(home, create=True)
    if keys is None:  # pseudonyms() makes one: only a broken promise gets here
        raise PrivacyKeyError(f"no pseudonym key could be made in {home / 'privacy'}")
    names = (author.strip(), keys.of(author)) if author else ()
    return stored.Person(
        names=names,
        source_id=source_id,
        url=url,
        author_key=keys.of(author) if author else None,
        url_key=keys.of(url) if url else None,
    )


@dataclass
class Answer:
    """What a request did: counts per place (table or folder), the request's id, and for
    an access request the posts found."""

    request_id: str
    counts: dict[str, int]
    posts: pd.DataFrame | None = None


def show(
    home: Path,
    db_path: Warehouse,
    *,
    author: str | None = None,
    source_id: str | None = None,
    url: str | None = None,
    asked_by: str | None = None,
) -> Answer:
    """An access request: the person's posts in the warehouse and the files of the data
    folder that name them. Logged (who asked, when, the counts)."""
    who = person(home, author=author, source_id=source_id, url=url)
    now = datetime.now(UTC)
    with writer(db_path) as con:
        posts = stored.person_posts(con, who)
        needles = _needles(who, posts)
        found = stored.Removed(counts=stored.person_records(con, who))
        found.add("notification lines", stored.scrub_notifications(con, needles, dry_run=True))
        for place, count in _scan_files(home, needles).items():
            found.add(place, count)
        request_id = stored.log_request(con, "show", asked_by or asked_by_default(), now, found)
    return Answer(request_id, found.counts, posts)


def forget(
    home: Path,
    db_path: Warehouse,
    *,
    author: str | None = None,
    source_id: str | None = None,
    url: str | None = None,
    asked_by: str | None = None,
) -> Answer:
    """An erasure request: the person's posts removed from the warehouse (then rewritten,
    so the file keeps no trace), from the run folders, the crawl state, the saved emails
    and reports and the web app's copies; kept out of later loads. The log keeps who
    asked, when, keyed hashes of the name or URL, and the counts."""
    who = person(home, author=author, source_id=source_id, url=url)
    now = datetime.now(UTC)
    with writer(db_path) as con:
        posts = stored.person_posts(con, who)
        needles = _needles(who, posts)
        con.execute("BEGIN TRANSACTION")
        removed = stored.forget_person(con, who)
        removed.add("notification lines", stored.scrub_notifications(con, needles))
        request_id = stored.log_request(
            con, "forget", asked_by or asked_by_default(), now, removed, who
        )
        con.execute("COMMIT")
    for place, count in _scrub_files(home, needles, who).items():
        removed.add(place, count)
    leave_no_trace(db_path)
    with writer(db_path) as con:  # the file counts, now that they are known
        con.execute(
            "UPDATE privacy_requests SET removed = ? WHERE request_id = ?",
            [json.dumps(removed.counts, sort_keys=True), request_id],
        )
    return Answer(request_id, removed.counts)


def apply_retention(
    settings: PrivacySettings,
    home: Path,
    db_path: Warehouse,
    *,
    now: datetime | None = None,
    asked_by: str | None = None,
) -> Answer | None:
    """Posts past their retention lose their text, author and URL; run folders older
    than the shortest retention are removed. None when no retention is set."""
    shortest = settings.shortest_retention()
    if shortest is None:
        return None
    now = now or datetime.now(UTC)
    with writer(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        removed = stored.expire_posts(con, settings.retention_of, shortest, now)
        con.execute("COMMIT")
    folders = _old_run_folders(home, now - timedelta(days=shortest))
    for folder in folders:
        shutil.rmtree(folder)
    removed.add("run folders", len(folders))
    if removed.counts.get("mentions") or removed.counts.get("quarantine"):
        leave_no_trace(db_path)
    with writer(db_path) as con:
        request_id = stored.log_request(con, "apply", asked_by or "retention", now, removed)
    return Answer(request_id, removed.counts)


def rotate_key(home: Path, db_path: Warehouse, *, asked_by: str | None = None) -> Answer:
    """A new key at the end of the chain; every stored pseudonym re-hashed with it, in one
    transaction, before the key file is rewritten (a crash between the two is told by the
    key check of the next load)."""
    from veille.core.pseudonyms import PREFIX, read_keys
    from veille.core.settings import settings as env

    if env().privacy_keys:
        raise PrivacyKeyError(
            "the keys come from VEILLE_PRIVACY_KEYS: to rotate, write them to the data "
            "folder's privacy/keys (one per line), unset the variable and rotate; then set it "
            "to the file's new chain, or keep the file"
        )
    keys = read_keys(home)
    if keys is None:
        raise PrivacyKeyError(f"no pseudonym key in {home / 'privacy'}: nothing to rotate")
    key = new_key()
    chain = Pseudonyms([*keys, key])
    now = datetime.now(UTC)
    with writer(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        stored.check_keys(con, Pseudonyms(keys).fingerprints, now)
        changed = stored.rekey(con, lambda old: hash_step(key, old), PREFIX)
        stored.check_keys(con, chain.fingerprints, now)
        removed = stored.Removed({"pseudonyms re-keyed": changed} if changed else {})
        request_id = stored.log_request(con, "rotate-key", asked_by or asked_by_default(), now,
                                        removed)  # fmt: skip
        con.execute("COMMIT")
    write_keys(home, chain.keys)
    leave_no_trace(db_path)  # the old pseudonyms leave the files too
    return Answer(request_id, removed.counts)


# --- the files of the data folder ------------------------------------------------------


def _run_time(folder: Path) -> datetime:
    """When a run folder's run was: its name's last stamp (veille/pipeline.py names them
    from the moment, or from the data interval), else its modification time."""
    stamp = folder.name.split("_")[-1]
    for layout in ("%Y%m%dT%H%M%S%fZ", "%Y%m%dT%H%M%SZ"):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    return datetime.fromtimestamp(folder.stat().st_mtime, UTC)


def _old_run_folders(home: Path, cutoff: datetime) -> list[Path]:
    folder = runs_dir(home)
    if not folder.exists():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and _run_time(p) < cutoff)


def _needles(who: stored.Person, posts: pd.DataFrame) -> list[str]:
    """What identifies the person in a file: their name as written and its pseudonym,
    the URL asked about, and the start of each of their posts' texts."""
    needles = [n for n in who.names if n]
    if who.url:
        needles.append(who.url)
    for text in posts["text"] if not posts.empty else []:
        snippet = " ".join(str(text).split())[:60]
        if len(snippet) >= 20:
            needles.append(snippet)
    return needles


def _readable(path: Path) -> str:
    """A file's text as a person would read it: an e-mail's decoded parts, an HTML page
    unescaped; other files as UTF-8."""
    if path.suffix == ".eml":
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(html.unescape(part.get_content()))
        parts.append(str(message.get("Subject", "")))
        return " ".join(" ".join(parts).split())
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".html", ".htm"):
        text = html.unescape(text)
    return text


def _data_files(home: Path) -> Iterator[tuple[str, Path]]:
    """(place, file) for the files of the data folder that may hold posts."""
    for place, folder, patterns in (
        ("run folder files", runs_dir(home), ("*.jsonl", "*.log", "*.json")),
        ("emails", emails_dir(home), ("*.eml",)),
        ("reports", reports_dir(home), ("*.html",)),
    ):
        if folder.exists():
            for pattern in patterns:
                for path in sorted(folder.rglob(pattern)):
                    yield place, path


def _scan_files(home: Path, needles: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for place, path in _data_files(home):
        if any(n in _readable(path) for n in needles):
            found[place] = found.get(place, 0) + 1
    return found


def _scrub_files(home: Path, needles: list[str], who: stored.Person) -> dict[str, int]:
    """The person removed from every file: their records dropped from the run folders'
    JSON lines and their lines from the logs; a saved email or report that shows them
    deleted (a PDF with its HTML); the crawl state forgets the page asked about; the web
    app's copies of the warehouse are deleted (it takes new ones)."""
    counts: dict[str, int] = {}

    def count(place: str, n: int = 1) -> None:
        if n:
            counts[place] = counts.get(place, 0) + n

    for place, path in _data_files(home):
        if path.suffix == ".jsonl":
            count("run folder records", _drop_records(path, needles, who))
        elif path.suffix == ".log":
            count("log lines", _drop_lines(path, needles))
        elif path.suffix == ".json":  # a run's reports: redacted, so they still parse
            count("run reports redacted", _redact(path, needles))
        elif any(n in _readable(path) for n in needles):
            path.unlink()
            if path.suffix == ".html":
                path.with_suffix(".pdf").unlink(missing_ok=True)
            count(place)
    if who.url:
        states = [*state_dir(home).glob("*.sqlite"), *runs_dir(home).rglob("*.state.sqlite")]
        for state in sorted(states):
            count("crawl state pages", _forget_page(state, who.url))
    web = home / "web"
    for copy in sorted(web.glob("copy-*.duckdb*")) if web.exists() else []:
        copy.unlink()
        count("web app copies")
    return counts


def _matches(record: dict[str, Any], needles: list[str], who: stored.Person) -> bool:
    if who.source_id and record.get("source_id") not in (None, who.source_id):
        return False
    if who.url and record.get("url") == who.url:
        return True
    values = [record.get("author"), record.get("author_url")]
    if any(v in who.names for v in values if v):
        return True
    text = " ".join(str(record.get("text") or "").split())
    return any(len(n) >= 20 and n in text for n in needles)


def _drop_records(path: Path, needles: list[str], who: stored.Person) -> int:
    raw = path.read_text(encoding="utf-8")
    if not any(n in raw for n in needles) and not any(json.dumps(n)[1:-1] in raw for n in needles):
        return 0
    kept, dropped = [], 0
    for line in raw.splitlines(keepends=True):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            kept.append(line)
            continue
        if isinstance(record, dict) and _matches(record, needles, who):
            dropped += 1
        else:
            kept.append(line)
    if dropped:
        _rewrite(path, "".join(kept))
    return dropped


def _drop_lines(path: Path, needles: list[str]) -> int:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    kept = [line for line in lines if not any(n in line for n in needles)]
    if len(kept) != len(lines):
        _rewrite(path, "".join(kept))
    return len(lines) - len(kept)


def _redact(path: Path, needles: list[str]) -> int:
    """Each needle in a JSON file (as JSON writes it inside a string) replaced by
    "[erased]"; returns how many."""
    text = path.read_text(encoding="utf-8", errors="replace")
    found = 0
    for needle in needles:
        for ascii_only in (False, True):  # as written, or with \u escapes
            written = json.dumps(needle, ensure_ascii=ascii_only)[1:-1]
            found += text.count(written)
            text = text.replace(written, "[erased]")
    if found:
        _rewrite(path, text)
    return found


def _rewrite(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _forget_page(state: Path, url: str) -> int:
    if state.suffix != ".sqlite":
        return 0
    db = sqlite3.connect(state)
    try:
        removed = db.execute("DELETE FROM pages WHERE url = ?", [url]).rowcount
        removed += db.execute(
            "DELETE FROM threads WHERE thread_url = ? OR last_page_url = ?", [url, url]
        ).rowcount
        db.commit()
        db.execute("VACUUM")  # the freed pages are wiped, not just unlinked
    finally:
        db.close()
    return removed
