"""Replaying the alert rule over a history, so a user can tune the sensitivity on their
own past before trusting it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from veille.config import BrandsFile
from veille.home import warehouse_path
from warehouse.alerts import THRESHOLDS, detect_brand_alerts, read_daily, volume_alerts


class SeriesError(ValueError):
    """A history file that cannot be read as timestamp,value."""


def read_series(path: Path, bucket: str | None = None) -> pd.Series:
    """A CSV with a `timestamp` and a `value` column, as a regular time series."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SeriesError(f"{path}: cannot read as CSV ({err})") from err
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise SeriesError(
            f"{path}: expected columns timestamp,value; missing {', '.join(sorted(missing))}"
        )
    times = pd.to_datetime(frame["timestamp"], errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame.index[times.isna() | values.isna()]
    if len(bad):
        line = int(bad[0]) + 2  # header is line 1
        raise SeriesError(
            f"{path}:{line}: timestamp or value unreadable: {frame.iloc[bad[0]].to_dict()}"
        )
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(times)).sort_index()
    if bucket:
        series = series.resample(bucket).sum()
    return series


def _step(series: pd.Series) -> pd.Timedelta:
    if len(series) < 2:
        raise SeriesError("the history needs at least two points")
    return pd.Timedelta(pd.Series(series.index).diff().median())


def backtest_csv(
    path: Path,
    *,
    metric: str = "volume",
    sensitivity: str = "balanced",
    baseline_days: float = 7.0,
    cooldown_hours: float = 24.0,
    bucket: str | None = None,
    min_value: float = 5.0,
) -> list[dict[str, Any]]:
    series = read_series(path, bucket)
    window = max(3, int(pd.Timedelta(days=baseline_days) / _step(series)))
    alerts = volume_alerts(
        series,
        window=window,
        threshold=THRESHOLDS[sensitivity],
        min_value=min_value,
        cooldown=pd.Timedelta(hours=cooldown_hours),
    )
    return [
        {
            "at": alert.at.isoformat(),
            "direction": alert.direction,
            "metric": metric,
            "value": alert.value,
            "baseline": alert.baseline,
            "zscore": alert.zscore,
        }
        for alert in alerts
    ]


def backtest_brand(home: Path, brands: BrandsFile, name: str) -> list[dict[str, Any]]:
    """The brand's alerts over its whole daily history in the warehouse."""
    from warehouse.db import connect

    brand = next((b for b in brands.brands if b.name == name), None)
    if brand is None:
        known = ", ".join(b.name for b in brands.brands)
        raise SeriesError(f"no brand named {name!r} in brands.yaml (known: {known})")
    con = connect(warehouse_path(home), read_only=True)
    try:
        daily = read_daily(con)
    finally:
        con.close()
    if daily[daily["brand"] == name].empty:
        return []
    alerts = detect_brand_alerts(
        daily,
        name,
        since=date.min,
        sensitivity=brand.alerts.sensitivity,
        min_volume=brand.alerts.min_volume,
    )
    return [
        {
            "at": alert.day.isoformat(),
            "direction": "down",
            "metrics": alert.metrics,
            "summary": alert.summary(),
            "net_z": alert.net_z,
            "volume_z": alert.volume_z,
        }
        for alert in alerts
    ]
