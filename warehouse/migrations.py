"""The warehouse's schema, one source of truth: the numbered SQL files in
warehouse/schema/, applied in order and recorded in `schema_version`; views
(warehouse/views/) hold no data and are re-created after every migration. The DuckDB
file runs them as they are (warehouse/db.py); a DuckLake gets what they make
(warehouse/lake.py)."""

from __future__ import annotations

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
