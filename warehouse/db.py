"""The DuckDB warehouse: connections, migrations and the one-writer lock.

The schema's single source of truth is the numbered SQL files in warehouse/schema/,
applied in order and recorded in `schema_version`; views (warehouse/views/) hold no
data and are re-created after every migration.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

SCHEMA_DIR = Path(__file__).parent / "schema"
VIEWS_DIR = Path(__file__).parent / "views"


# Created before any migration runs, so it lives here rather than in schema/.
SCHEMA_VERSION_SQL = """
-- One row per migration applied; key: version.
CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,  -- the NNN of warehouse/schema/NNN_name.sql
    name       VARCHAR NOT NULL,     -- the file applied
    applied_at TIMESTAMPTZ NOT NULL  -- when
);
"""


class WarehouseBusy(RuntimeError):
    """Another process is writing to the warehouse."""


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet; run `veille run` or `veille demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as err:
        if "lock" not in str(err).lower():
            raise
        # A load in progress holds the file; readers can open it again once it is done.
        raise WarehouseBusy(
            f"{path} is being written by {_holder(path)}; retry when it has finished"
        ) from None
    # Stable output whatever the machine's zone; instants are stored as TIMESTAMPTZ.
    con.execute("SET TimeZone = 'UTC'")
    return con


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(SCHEMA_DIR.glob("*.sql")):
        number = path.name.split("_", 1)[0]
        if not number.isdigit():
            raise RuntimeError(f"{path}: migration files are named NNN_description.sql")
        found.append((int(number), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, each in its own transaction, then rebuild
    the views. Returns the versions applied."""
    con.execute(SCHEMA_VERSION_SQL)
    rows = con.execute("SELECT version FROM schema_version").fetchall()
    done = {row[0] for row in rows}
    applied = []
    for version, path in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [version, path.name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    # Views are created in name order: a view may read the views named before it.
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    return applied


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _holder(path: Path) -> str:
    """Who holds the write lock, as the lock file records it."""
    try:
        return _lock_path(path).read_text(encoding="utf-8").strip() or "another process"
    except OSError:
        return "another process"


@contextmanager
def writer(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one read-write connection: a lock file beside the database names the holder,
    so a second writer gets a clear error instead of DuckDB's lock conflict."""
    lock_path = _lock_path(path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        holder = _holder(path)
        raise WarehouseBusy(
            f"{path} is being written by {holder}; wait for it to finish, then retry"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "command": " ".join(sys.argv[:3]),
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        )
    )
    handle.flush()
    try:
        con = connect(path)
        try:
            migrate(con)
            yield con
        finally:
            con.close()
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
