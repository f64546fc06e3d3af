"""Reading the warehouse: the read-only connection notebooks and `veille sql` use, and
the Parquet export.

    from warehouse.access import open_warehouse
    con = open_warehouse()                 # $VEILLE_HOME's warehouse, read-only
    con.sql("SELECT * FROM reputation_index WHERE brand = 'Fibrelia'").df()
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import connect

# What `veille export --parquet` writes: one folder per view, partitioned by day.
EXPORTED_VIEWS = ("mentions_clean", "brand_mentions")


def open_warehouse(path: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse (default: $VEILLE_HOME's). It sees the
    data as of its opening; open a new one to see later loads."""
    if path is None:
        from veille.home import veille_home, warehouse_path

        path = warehouse_path(veille_home())
    return connect(Path(path), read_only=True)


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
        if "read-only" in str(err):
            hint = " (the warehouse is opened read-only: `veille sql` never changes it)"
        elif "does not exist" in str(err):
            hint = " (see docs/warehouse-reference.md for the tables and views)"
        raise QueryError(f"query {shown!r}: {str(err).splitlines()[0]}{hint}") from err


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Each exported view as Parquet under directory/VIEW/day=YYYY-MM-DD/, replacing an
    earlier export; returns the rows written per view. Written beside the target first,
    so a failed export leaves the earlier one whole."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = {}
    for view in EXPORTED_VIEWS:
        target = directory / view
        staging = directory / f".{view}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        quoted = str(staging).replace("'", "''")
        # COPY answers with the number of rows it wrote: the view is computed once.
        written = con.execute(
            f"COPY (SELECT * FROM {view} ORDER BY day, mention_id) TO '{quoted}' "
            "(FORMAT parquet, PARTITION_BY (day))"
        ).fetchone()
        rows[view] = int(written[0]) if written else 0
        staging.mkdir(exist_ok=True)  # an empty view writes no partition
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return rows
