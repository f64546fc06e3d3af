"""What a source's crawl remembers between runs, so that the next run fetches only what
is new or changed: each page's validators (ETag, Last-Modified) for conditional
requests, and for each forum thread the last page seen, where the next crawl resumes.

One SQLite file per source. The crawl works on a copy, left beside its posts; the copy
replaces the state only once those posts are stored in the warehouse (`commit_crawl`,
called after the load). A crawl that fails, or a run that fails after its crawl, leaves
the state as it was, so the next run fetches those pages again instead of skipping
posts that never reached the warehouse.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fetched_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS threads (
    thread_url TEXT PRIMARY KEY,
    last_page_url TEXT NOT NULL,
    last_post_id TEXT,
    updated_at TEXT NOT NULL
);
"""


class CrawlState:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) of the page as last fetched."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM pages WHERE url = ?", [url]
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def remember_page(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._db.execute(
            "INSERT INTO pages VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
            "etag = excluded.etag, last_modified = excluded.last_modified, "
            "fetched_at = excluded.fetched_at",
            [url, etag, last_modified, datetime.now(UTC).isoformat()],
        )

    def last_page(self, thread_url: str) -> str | None:
        """The thread's last page seen by an earlier crawl, where this one resumes."""
        row = self._db.execute(
            "SELECT last_page_url FROM threads WHERE thread_url = ?", [thread_url]
        ).fetchone()
        return row[0] if row else None

    def remember_thread(
        self, thread_url: str, last_page_url: str, last_post_id: str | None
    ) -> None:
        self._db.execute(
            "INSERT INTO threads VALUES (?, ?, ?, ?) ON CONFLICT (thread_url) DO UPDATE SET "
            "last_page_url = excluded.last_page_url, last_post_id = excluded.last_post_id, "
            "updated_at = excluded.updated_at",
            [thread_url, last_page_url, last_post_id, datetime.now(UTC).isoformat()],
        )

    def counts(self) -> tuple[int, int]:
        pages = self._db.execute("SELECT count(*) FROM pages").fetchone()[0]
        threads = self._db.execute("SELECT count(*) FROM threads").fetchone()[0]
        return int(pages), int(threads)


def working_copy(state_path: Path, work_path: Path) -> Path:
    """A copy of the state for a crawl to update (an empty file when there is none yet)."""
    work_path.parent.mkdir(parents=True, exist_ok=True)
    work_path.unlink(missing_ok=True)
    if state_path.exists():
        shutil.copyfile(state_path, work_path)
    return work_path


def commit(work_path: Path, state_path: Path) -> None:
    """What the crawl found is stored: its updated state becomes the source's state."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    work_path.replace(state_path)


def pending_update(crawl_file: Path) -> Path:
    """Where a crawl leaves its updated state: beside the posts it wrote."""
    return crawl_file.with_suffix(".state.sqlite")


def commit_crawl(crawl_file: Path, state_dir: Path) -> bool:
    """The posts of `crawl_file` are stored: the state its crawl left becomes its
    source's state (named by the file: `<source id>.jsonl`). False when that crawl left
    no state to commit (not incremental, or already committed)."""
    work_path = pending_update(crawl_file)
    if not work_path.exists():
        return False
    commit(work_path, state_dir / f"{crawl_file.stem}.sqlite")
    return True
