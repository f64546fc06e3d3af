"""`veille alerts backtest`: the alert rules replayed on a history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.checks import load_checked_model
from veille.cli.common import UsageError
from veille.core.config import BRANDS_FILE, BrandsFile, config_dir
from veille.core.home import veille_home

if TYPE_CHECKING:
    from warehouse.alerts.backtest import Backtest


def cmd_backtest(args: argparse.Namespace) -> int:
    from warehouse.alerts.backtest import SeriesError

    try:
        backtest = _backtest(args)
    except SeriesError as err:
        raise UsageError(str(err)) from err
    for alert in backtest.alerts:
        print(json.dumps(alert, ensure_ascii=False))
    # On stderr: stdout holds only the JSON lines, for scripts.
    print(backtest.summary(), file=sys.stderr)
    return 0


def _backtest(args: argparse.Namespace) -> Backtest:
    from warehouse.alerts.backtest import backtest_brand, backtest_csv

    if args.series is not None:
        if args.brand:
            raise UsageError("give either SERIES.csv or --brand, not both")
        return backtest_csv(
            args.series,
            metric=args.metric,
            sensitivity=args.sensitivity,
            baseline_days=args.baseline_days,
            cooldown_hours=args.cooldown_hours,
            bucket=args.bucket,
            min_value=args.min_value,
        )
    if args.brand:
        # Only brands.yaml matters here: sources.yaml may need a crawl's environment.
        brands = load_checked_model(config_dir(args.config) / BRANDS_FILE, BrandsFile)
        return backtest_brand(veille_home(), brands, args.brand)
    raise UsageError("give a SERIES.csv file or --brand NAME")


def register(commands: Any) -> None:
    """alerts backtest."""
    alerts = commands.add_parser("alerts", help="alert rules: backtest them on a history")
    alert_commands = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    backtest = alert_commands.add_parser(
        "backtest",
        help="replay the alert rule over a history",
        description="Replay the alert rule over a CSV history (timestamp,value) or over a "
        "brand's history in the warehouse, and print one JSON line per alert it would "
        "have raised (at, direction, value, baseline, zscore, explanation). A CSV's "
        "cadence, season and scale are read from it: no option is needed.",
    )
    backtest.add_argument("series", type=Path, nargs="?", metavar="SERIES.csv")
    backtest.add_argument("--metric", default="volume", choices=["volume"])
    backtest.add_argument(
        "--brand", help="backtest a brand's history in the warehouse (its brands.yaml settings)"
    )
    backtest.add_argument("--config", type=Path, help="config folder (with --brand)")
    backtest.add_argument(
        "--sensitivity", default="balanced", choices=["fewer", "balanced", "more"]
    )
    backtest.add_argument(
        "--baseline-days", type=float, help="trailing baseline (default 14 days, 28 for daily)"
    )
    backtest.add_argument(
        "--cooldown-hours", type=float, help="quiet after an alert (default 24 hours)"
    )
    backtest.add_argument(
        "--bucket", help="alert on each point's last 1h, 1D… (a sliding sum) instead of the point"
    )
    backtest.add_argument(
        "--min-value", type=float, default=5.0, help="an upward alert needs at least this value"
    )
    backtest.set_defaults(func=cmd_backtest)
