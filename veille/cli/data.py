"""`veille correct`, `veille db migrate`, `veille sql`, `veille export`: the warehouse's data."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from veille.cli.common import UsageError, add_warehouse_option, warehouse_arg


def cmd_correct(args: argparse.Namespace) -> int:
    from warehouse.corrections import CorrectionError, record_correction

    db_path = warehouse_arg(args)
    if isinstance(db_path, Path) and not db_path.exists():
        raise UsageError(f"{db_path}: no warehouse here; give --warehouse PATH")
    try:
        correction = record_correction(
            db_path,
            args.mention_id,
            args.sentiment,
            brand=args.brand,
            corrected_by=args.by,
            reason=args.why,
        )
    except CorrectionError as err:
        raise UsageError(str(err)) from err
    target = f"for {correction.brand}" if correction.brand else "for the whole post"
    print(
        f"correction {correction.correction_id}: mention {correction.mention_id} is "
        f"{correction.sentiment} {target} (by {correction.corrected_by})"
    )
    return 0


def cmd_db_migrate(args: argparse.Namespace) -> int:
    from warehouse.db import writer
    from warehouse.migrations import migrations

    db_path = warehouse_arg(args)
    with writer(db_path) as con:  # the writer applies what is missing
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    latest = row[0] if row else None
    known = [version for version, _ in migrations()]
    print(f"{db_path}: schema at version {latest} (migrations {known[0]:03d} to {known[-1]:03d})")
    return 0


def _plain(value: Any, json_lists: bool = False) -> Any:
    """A DuckDB value as JSON has it: dates and times in ISO 8601, decimals as numbers."""
    from decimal import Decimal

    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict):
        plain = (
            [_plain(v) for v in value]
            if isinstance(value, list)
            else {k: _plain(v) for k, v in value.items()}
        )
        return json.dumps(plain, ensure_ascii=False) if json_lists else plain
    return value


def cmd_sql(args: argparse.Namespace) -> int:
    from warehouse.access import QueryError, open_warehouse, run_query
    from warehouse.db import WarehouseCorrupt

    try:
        con = open_warehouse(warehouse_arg(args))
    except WarehouseCorrupt as err:
        raise UsageError(str(err)) from err
    try:
        try:
            names, rows = run_query(con, args.query)
        except QueryError as err:
            raise UsageError(str(err)) from err
    finally:
        con.close()
    if args.format == "csv":
        import csv

        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(names)
        out.writerows([_plain(v, json_lists=True) for v in row] for row in rows)
    elif args.format == "json":
        records = [dict(zip(names, (_plain(v) for v in row), strict=True)) for row in rows]
        print(json.dumps(records, ensure_ascii=False))
    else:
        import pandas as pd

        frame = pd.DataFrame.from_records(rows, columns=names)
        with pd.option_context("display.max_colwidth", args.width, "display.width", 200):
            if rows:
                print(frame.to_string(index=False))
            elif names:
                print("  ".join(names))
        print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.access import ExportError, export_parquet
    from warehouse.db import WarehouseCorrupt

    try:
        written = export_parquet(warehouse_arg(args), args.parquet)
    except (ExportError, WarehouseCorrupt) as err:
        raise UsageError(str(err)) from err
    for view, rows in written.items():
        print(f"{view}: {rows} rows → {args.parquet / view}/day=…/")
    return 0


def register(commands: Any) -> None:
    """correct, db, sql and export, in the order `veille --help` lists them."""
    correct = commands.add_parser(
        "correct",
        help="correct a mention's sentiment (wins over the model, survives re-scoring)",
        description="Store an analyst's correction of a mention's sentiment, with who and "
        "why. Every view counts the correction instead of the model's score, and "
        "`veille models train --with-corrections` learns from it.",
    )
    correct.add_argument("mention_id")
    correct.add_argument("--sentiment", required=True, choices=["negative", "neutral", "positive"])
    correct.add_argument("--brand", help="only what the post says about this brand")
    correct.add_argument("--by", default=os.environ.get("USER", "analyst"), help="who corrects")
    correct.add_argument("--why", help="the reason, for the record")
    add_warehouse_option(correct)
    correct.set_defaults(func=cmd_correct)

    db = commands.add_parser("db", help="the warehouse's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    migrate = db_commands.add_parser(
        "migrate",
        help="apply the schema migrations not yet applied, then rebuild the views",
        description="Apply warehouse/schema/NNN_*.sql files not yet recorded in "
        "schema_version, each in its own transaction, then re-create the views. Loads do "
        "this too; run it to upgrade a warehouse before reading it.",
    )
    add_warehouse_option(migrate)
    migrate.set_defaults(func=cmd_db_migrate)

    sql = commands.add_parser(
        "sql",
        help="run a read-only SQL query on the warehouse",
        description="Run one SQL query on the warehouse, opened read-only (nothing can be "
        "changed), and print the result. Tables and views: docs/warehouse-reference.md.",
    )
    sql.add_argument("query", help='e.g. "SELECT * FROM reputation_index ORDER BY day DESC"')
    sql.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sql.add_argument(
        "--width", type=int, default=60, help="table format: longest cell shown (default 60)"
    )
    add_warehouse_option(sql)
    sql.set_defaults(func=cmd_sql)

    export = commands.add_parser(
        "export",
        help="export the mentions as Parquet, partitioned by day",
        description="Write the views mentions_clean and brand_mentions as Parquet files "
        "under DIR/VIEW/day=YYYY-MM-DD/, replacing an earlier export in DIR.",
    )
    export.add_argument("--parquet", type=Path, required=True, metavar="DIR")
    add_warehouse_option(export)
    export.set_defaults(func=cmd_export)
