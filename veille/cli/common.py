"""What the command modules share: the error a user can fix, printed without a trace,
and the --warehouse option."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from veille.core.home import (
    Lake,
    Warehouse,
    configured_lake,
    veille_home,
    warehouse_in_use,
    warehouse_path,
)


class UsageError(Exception):
    """A problem with the command's input that the user can fix; printed without a trace."""


def warehouse_arg(args: argparse.Namespace) -> Warehouse:
    """The warehouse a command reads or corrects: --warehouse (a DuckDB file, or
    `ducklake:CATALOG`), else VEILLE_WAREHOUSE's DuckLake, else the data folder's file
    (or the demo's, said on stderr, before `veille run` made one)."""
    home = veille_home()
    if args.warehouse:
        given = str(args.warehouse)
        if given.startswith("ducklake:"):
            lake = configured_lake(home)
            data = lake.data_path if lake is not None else f"{home / 'lake'}/"
            return Lake(given.removeprefix("ducklake:"), data)
        return Path(given)
    path = warehouse_in_use(home)
    if isinstance(path, Path) and path != warehouse_path(home):
        print(
            f"veille: no warehouse at {warehouse_path(home)} yet (`veille run` makes it): "
            f"using the demo's, {path}",
            file=sys.stderr,
        )
    return path


def duckdb_file_arg(args: argparse.Namespace, command: str) -> Path:
    """warehouse_arg for the commands that read the DuckDB file only."""
    found = warehouse_arg(args)
    if isinstance(found, Lake):
        raise UsageError(
            f"{command} reads a DuckDB warehouse file, not a DuckLake ({found}): give "
            "--warehouse PATH of a DuckDB file"
        )
    return found


def add_warehouse_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        metavar="PATH | ducklake:CATALOG",
        help="the DuckDB file, or a DuckLake (default: VEILLE_WAREHOUSE, else "
        "$VEILLE_HOME/veille.duckdb)",
    )
