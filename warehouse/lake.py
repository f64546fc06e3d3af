"""The warehouse on DuckLake: a catalog in PostgreSQL (or any catalog DuckLake takes) and
the data as Parquet files in a shared folder or object storage, for many writers on many
machines. Chosen by `VEILLE_WAREHOUSE=ducklake:CATALOG` (veille/core/home.py Lake).

The schema has one source of truth, the migrations of warehouse/schema/: they are applied
to an empty in-memory DuckDB, and the lake gets the tables, columns and macros that
result, without what DuckLake does not have (primary keys, unique and check constraints,
indexes). The keys stay what the upserts match on: every upsert is a `MERGE INTO` (which
runs the same on the DuckDB file). The views are the same files.

Writers take no lock of Veille's: DuckLake commits each transaction optimistically, and a
transaction that conflicts with another writer's is retried (`retrying`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from veille.core.home import Lake
from warehouse.extensions import ExtensionError, load_extensions

log = logging.getLogger(__name__)

NAME = "lake"  # the name the lake is attached under
# How often a transaction that lost a race with another writer is tried again.
CONFLICT_RETRIES = 20
T = TypeVar("T")


class LakeUnavailable(RuntimeError):
    """The lake cannot be attached: its catalog unreachable, its data folder unreadable,
    or an extension missing. The message says which and what to do."""


def extensions_folder() -> Path:
    """Where the extensions' files are laid out (from their PyPI wheels): a cache."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "veille" / "duckdb-extensions"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect_lake(lake: Lake, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached (read-only when asked) and in use, its
    extensions loaded from their wheels, never downloaded."""
    if "://" not in lake.data_path:
        Path(lake.data_path).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        names = ["ducklake"]
        if lake.catalog.startswith("postgres:"):
            names.append("postgres")
        if lake.data_path.startswith(("s3://", "gs://", "r2://", "https://", "http://")):
            names.append("httpfs")
        try:
            load_extensions(con, extensions_folder(), tuple(names))
        except (ExtensionError, duckdb.Error) as err:
            raise LakeUnavailable(f"{lake}: DuckDB extensions not loaded: {err}") from None
        con.execute("SET GLOBAL TimeZone = 'UTC'")
        options = [f"DATA_PATH {_quote(lake.data_path)}"] + (["READ_ONLY"] if read_only else [])
        try:
            con.execute(f"ATTACH {_quote(lake.uri)} AS {NAME} ({', '.join(options)})")
        except duckdb.Error as err:
            raise LakeUnavailable(
                f"{lake}: cannot attach it ({str(err).splitlines()[0]}); check "
                "VEILLE_WAREHOUSE (the catalog: is its server up, does the database exist?) "
                "and VEILLE_WAREHOUSE_DATA"
            ) from None
        con.execute(f"USE {NAME}")
    except BaseException:
        con.close()
        raise
    return con


def is_conflict(err: BaseException) -> bool:
    """A transaction another writer's commit made fail: it can be tried again."""
    text = str(err).lower()
    return isinstance(err, duckdb.TransactionException) or "conflict" in text


def retrying(what: str, attempt: Callable[[], T], retries: int = CONFLICT_RETRIES) -> T:
    """`attempt()` (one whole transaction), tried again while it conflicts with another
    writer's, after a short random wait."""
    for tries in range(1, retries + 1):
        try:
            return attempt()
        except duckdb.Error as err:
            if not is_conflict(err) or tries == retries:
                raise
            wait = random.uniform(0.05, 0.2) * tries
            log.info(f"{what}: another writer committed first; trying again in {wait:.2f} s")
            time.sleep(wait)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    not_null: bool
    default: str | None


@dataclass(frozen=True)
class Schema:
    """What the migrations make, read back from an empty DuckDB."""

    tables: dict[str, list[Column]]
    keys: dict[str, list[str]]  # each table's primary key
    macros: list[str]  # CREATE OR REPLACE MACRO statements
    versions: list[tuple[int, str]]
    fingerprint: str  # of every migration and view file


@functools.cache
def reference_schema() -> Schema:
    from warehouse.migrations import SCHEMA_DIR, VIEWS_DIR, migrate, migrations

    con = duckdb.connect()
    try:
        migrate(con)
        tables: dict[str, list[Column]] = {}
        for table, name, type_, nullable, default in con.execute(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default "
            "FROM duckdb_columns() c JOIN duckdb_tables() t USING (database_name, schema_name, "
            "table_name) WHERE c.database_name = 'memory' ORDER BY c.table_name, c.column_index"
        ).fetchall():
            default = None if default in (None, "NULL") else str(default)
            tables.setdefault(table, []).append(Column(name, type_, not nullable, default))
        keys = {
            table: list(columns)
            for table, columns in con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                "WHERE database_name = 'memory' AND constraint_type = 'PRIMARY KEY'"
            ).fetchall()
        }
        macros = [
            f"CREATE OR REPLACE MACRO {name}({', '.join(params)}) AS ({body})"
            for name, params, body in con.execute(
                "SELECT function_name, parameters, macro_definition FROM duckdb_functions() "
                "WHERE database_name = 'memory' AND function_type = 'macro' AND NOT internal"
            ).fetchall()
        ]
    finally:
        con.close()
    digest = hashlib.sha256()
    for path in sorted([*SCHEMA_DIR.glob("*.sql"), *VIEWS_DIR.glob("*.sql")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = [(version, path.name) for version, path in migrations()]
    return Schema(tables, keys, macros, versions, digest.hexdigest()[:16])


def primary_key(table: str) -> list[str]:
    """The columns an upsert into `table` matches on (its primary key in the DuckDB file)."""
    return reference_schema().keys[table]


def migrate_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Bring the lake to the schema the migrations make: the tables and columns missing
    created (a column a later migration adds is added, nullable), the macros and views
    (re)made, in one transaction, retried while another writer does the same. Nothing is
    done when the lake already has this schema (its fingerprint). True when it changed."""
    schema = reference_schema()
    if _fingerprint(con) == schema.fingerprint:
        return False

    def attempt() -> None:
        # after a conflict, the writer that won may have made it already
        if _fingerprint(con) != schema.fingerprint:
            _apply(con, schema)

    retrying("schema", attempt)
    return True


def claim(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a transaction of upserts: make it conflict with any other such transaction
    committed meanwhile, so that DuckLake refuses the later one and it is tried again
    (`retrying`) on the rows the first wrote. Without it, two loads of the same new post
    at once would both insert it: DuckLake has no key to refuse the second, and inserts
    into one table never conflict. Both update the one row of `lake_writes`: updates of
    one row do."""
    con.execute("UPDATE lake_writes SET writes = writes + 1")


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = "
        "'lake_schema'",
        [NAME],
    ).fetchone()
    if not found or not found[0]:
        return None
    row = con.execute("SELECT fingerprint FROM lake_schema").fetchone()
    return str(row[0]) if row else None


def _apply(con: duckdb.DuckDBPyConnection, schema: Schema) -> None:
    from warehouse.migrations import VIEWS_DIR

    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT c.table_name, c.column_name FROM duckdb_columns() c JOIN duckdb_tables() t "
        "USING (database_name, schema_name, table_name) WHERE c.database_name = ?",
        [NAME],
    ).fetchall():
        existing.setdefault(table, set()).add(column)
    con.execute("BEGIN TRANSACTION")
    try:
        for table, columns in schema.tables.items():
            if table not in existing:
                con.execute(
                    f"CREATE TABLE {table} ("
                    + ", ".join(_column_sql(c, with_not_null=True) for c in columns)
                    + ")"
                )
                continue
            for column in columns:
                if column.name not in existing[table]:
                    con.execute(f"ALTER TABLE {table} ADD COLUMN {_column_sql(column)}")
        for macro in schema.macros:
            con.execute(macro)
        for path in sorted(VIEWS_DIR.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        now = datetime.now(UTC)
        for version, name in schema.versions:
            con.execute(
                "MERGE INTO schema_version USING (SELECT ? AS version) AS new "
                "ON schema_version.version = new.version "
                "WHEN NOT MATCHED THEN INSERT VALUES (?, ?, ?)",
                [version, version, name, now],
            )
        con.execute("CREATE TABLE IF NOT EXISTS lake_writes (writes BIGINT NOT NULL)")
        if con.execute("SELECT count(*) FROM lake_writes").fetchone() == (0,):
            con.execute("INSERT INTO lake_writes VALUES (0)")
        con.execute("CREATE TABLE IF NOT EXISTS lake_schema (fingerprint VARCHAR NOT NULL)")
        con.execute("DELETE FROM lake_schema")
        con.execute("INSERT INTO lake_schema VALUES (?)", [schema.fingerprint])
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back what is left of a transaction (a failed commit leaves none)."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _column_sql(column: Column, *, with_not_null: bool = False) -> str:
    sql = f'"{column.name}" {column.type}'
    if column.default is not None:
        sql += f" DEFAULT {column.default}"
    if with_not_null and column.not_null:
        sql += " NOT NULL"
    return sql


def upsert_sql(
    table: str,
    columns: list[str] | None = None,
    *,
    source: str | None = None,
    update: list[str] | str | None = None,
    update_when: str | None = None,
) -> str:
    """A `MERGE INTO table` on its key (primary_key), the same on the DuckDB file and on
    DuckLake (which has no keys, hence no `INSERT … ON CONFLICT`). The rows come from
    `source`, a query giving `columns` (default: one row of `?` parameters, one per
    column, all of the table's in order), named `excluded` as in an upsert. New keys are
    inserted; with `update`, rows already there are updated: the columns named (`col =
    excluded.col`), or a SET list given whole; `update_when` limits which."""
    names = columns or [c.name for c in reference_schema().tables[table]]
    if source is None:
        source = "SELECT " + ", ".join(f"? AS {name}" for name in names)
    on = " AND ".join(f"{table}.{key} = excluded.{key}" for key in primary_key(table))
    sql = f"MERGE INTO {table} USING ({source}) AS excluded ON {on}"
    if update:
        sets = (
            update if isinstance(update, str) else ", ".join(f"{c} = excluded.{c}" for c in update)
        )
        sql += f" WHEN MATCHED{f' AND {update_when}' if update_when else ''} THEN UPDATE SET {sets}"
    values = ", ".join(f"excluded.{name}" for name in names)
    return sql + f" WHEN NOT MATCHED THEN INSERT ({', '.join(names)}) VALUES ({values})"
