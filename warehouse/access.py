"""Reading the warehouse: the read-only connection notebooks and `veille sql` use, and
the Parquet export.

    from warehouse.access import open_warehouse
    con = open_warehouse()                 # $VEILLE_HOME's warehouse, read-only
    con.sql("SELECT * FROM reputation_index WHERE brand = 'Fibrelia'").df()

A reading connection reads the warehouse and nothing else (warehouse.db.READ_CONFIG):
no other file, no network, no extension, no setting changed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from veille.core.home import Lake, Warehouse
from warehouse.db import WarehouseCorrupt, connect, write_lock

# What `veille export --parquet` writes: one folder per view, partitioned by day.
EXPORTED_VIEWS = ("mentions_clean", "brand_mentions")
# Written in each view's folder by an export: only a folder holding it is ever replaced.
EXPORT_MARKER = ".veille-export"


def open_warehouse(
    path: Warehouse | str | None = None, *, snapshot: bool = False
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (default: $VEILLE_HOME's, or the demo's
    before `veille run` made one: veille/core/home.py warehouse_in_use). It sees the
    data as of its opening; open a new one to see later loads.

    An open connection makes loads wait for it to close. With snapshot=True it reads a
    private copy instead, taken between loads, and never holds up a load: for notebooks
    and other long sessions. A DuckLake (VEILLE_WAREHOUSE) is read as of the moment each
    query starts and never holds up a load."""
    if path is None:
        from veille.core.home import veille_home, warehouse_in_use

        path = warehouse_in_use(veille_home())
    if isinstance(path, Lake):
        return connect(path, read_only=True)
    path = Path(path)
    if not snapshot:
        return connect(path, read_only=True)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet; run `veille run` or `veille demo`")
    folder = Path(tempfile.mkdtemp(prefix="veille-snapshot-"))
    try:
        copy = folder / path.name
        copy_between_loads(path, copy)
        try:
            # The open connection keeps the file's content; nothing is left behind.
            return connect(copy, read_only=True)
        except WarehouseCorrupt as err:
            raise WarehouseCorrupt(str(err).replace(str(copy), str(path))) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def copy_between_loads(path: Path, target: Path, *, wait_s: float | None = None) -> None:
    """Copy the warehouse file (and the WAL a load killed half-way left, replayed on
    opening) to `target`, under the writers' lock so that no load changes it meanwhile.
    Waits up to `wait_s` for a load to finish (warehouse.db.write_wait_s), then raises
    WarehouseBusy."""
    with write_lock(path, wait_s=wait_s, doing="copying a snapshot"):
        shutil.copyfile(path, target)
        wal = path.with_name(path.name + ".wal")
        target_wal = target.with_name(target.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target_wal)
        else:
            target_wal.unlink(missing_ok=True)


class QueryError(ValueError):
    """A query DuckDB refused; the message quotes the query."""


def run_query(
    con: duckdb.DuckDBPyConnection, query: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The query's column names and rows (none for a statement that returns nothing), or
    a QueryError that names the query and says what is wrong."""
    try:
        result = con.sql(query)
        if result is None:
            return [], []
        return list(result.columns), result.fetchall()
    except duckdb.Error as err:
        shown = " ".join(query.split())
        shown = shown if len(shown) <= 200 else shown[:197] + "..."
        hint = ""
        message = str(err)
        if "read-only" in message:
            hint = " (the warehouse is opened read-only: `veille sql` never changes it)"
        elif "does not exist" in message:
            hint = " (see docs/warehouse-reference.md for the tables and views)"
        elif "disabled" in message or "locked" in message:
            # A query larger than memory cannot spill to disk either.
            hint = (
                " (`veille sql` reads the warehouse and nothing else: no other file, no "
                "network, no extension, no setting; nor can a query too large for memory "
                "spill to disk)"
            )
        elif "Corrupt database file" in message:
            hint = " (the warehouse file is damaged: restore it from a backup)"
        raise QueryError(f"query {shown!r}: {str(err).splitlines()[0]}{hint}") from err


class ExportError(ValueError):
    """The export cannot go where it was asked to; nothing was deleted."""


def export_parquet(warehouse: Warehouse, directory: Path) -> dict[str, int]:
    """Each exported view as Parquet under directory/VIEW/day=YYYY-MM-DD/, replacing an
    earlier export; returns the rows written per view. Written beside the target first,
    so a failed export leaves the earlier one whole. Only a folder an earlier export
    wrote (it holds EXPORT_MARKER and Parquet partitions only) is replaced: anything
    else is refused with an ExportError and left as it is."""
    if isinstance(warehouse, Path) and not warehouse.exists():
        raise FileNotFoundError(
            f"{warehouse}: no warehouse here yet; run `veille run` or `veille demo`"
        )
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} is a file, not a folder: choose a folder for the export")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ExportError(f"{directory}: cannot create the export folder ({err.strerror})") from err
    for view in EXPORTED_VIEWS:
        _check_replaceable(directory / view)
    try:
        # Resolved: DuckDB compares the paths it writes with allowed_directories as given.
        staging = Path(tempfile.mkdtemp(prefix=".veille-export-", dir=directory)).resolve()
    except OSError as err:
        raise ExportError(f"{directory}: cannot write there ({err.strerror})") from err
    try:
        # This connection may write under the staging folder and nowhere else.
        con = connect(warehouse, read_only=True, export_dir=staging)
        rows = {}
        try:
            for view in EXPORTED_VIEWS:
                quoted = str(staging / view).replace("'", "''")
                # COPY answers with the number of rows it wrote: the view is computed once.
                written = con.execute(
                    f"COPY (SELECT * FROM {view} ORDER BY day, mention_id) TO '{quoted}' "
                    "(FORMAT parquet, PARTITION_BY (day))"
                ).fetchall()
                rows[view] = int(written[0][0]) if written else 0
                (staging / view).mkdir(exist_ok=True)  # an empty view writes no partition
                marker = {
                    "view": view,
                    "rows": rows[view],
                    "warehouse": str(warehouse),
                    "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                (staging / view / EXPORT_MARKER).write_text(json.dumps(marker), encoding="utf-8")
        finally:
            con.close()
        for view in EXPORTED_VIEWS:
            target, previous = directory / view, staging / f"{view}.previous"
            if target.exists():
                target.rename(previous)
            try:
                (staging / view).rename(target)
            except OSError:
                if previous.exists():
                    previous.rename(target)  # keep the earlier export rather than none
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the folder is ours alone
    return rows


def _check_replaceable(target: Path) -> None:
    """Refuse to replace `target` unless an earlier export wrote all of it."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise ExportError(
            f"{target} is a file, not an earlier export: move it away or choose another folder"
        )
    if not (target / EXPORT_MARKER).is_file():
        raise ExportError(
            f"{target} was not written by `veille export` (it has no {EXPORT_MARKER} file); "
            "nothing was deleted. Move it away or choose another folder (an export made "
            "before Veille marked its exports: delete it yourself, then export again)"
        )
    for entry in target.iterdir():
        if entry.name == EXPORT_MARKER:
            continue
        partition = entry.is_dir() and not entry.is_symlink() and entry.name.startswith("day=")
        strays = (
            [entry]
            if not partition
            else [f for f in entry.iterdir() if f.suffix != ".parquet" or not f.is_file()]
        )
        if strays:
            raise ExportError(
                f"{target} holds {strays[0]}, which no export wrote; nothing was deleted. "
                "Move it out of the export, then export again"
            )
