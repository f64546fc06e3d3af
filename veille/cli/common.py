"""What the command modules share: the error a user can fix, printed without a trace,
and the --warehouse option."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from veille.core.home import veille_home, warehouse_in_use, warehouse_path


class UsageError(Exception):
    """A problem with the command's input that the user can fix; printed without a trace."""


def warehouse_arg(args: argparse.Namespace) -> Path:
    if args.warehouse:
        return Path(args.warehouse)
    home = veille_home()
    path = warehouse_in_use(home)
    if path != warehouse_path(home):
        print(
            f"veille: no warehouse at {warehouse_path(home)} yet (`veille run` makes it): "
            f"using the demo's, {path}",
            file=sys.stderr,
        )
    return path


def add_warehouse_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", type=Path, help="the DuckDB file (default: $VEILLE_HOME/veille.duckdb)"
    )
