"""Replaying the alert rule over a history, so a user can tune the sensitivity on their
own past before trusting it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from veille.config import BrandsFile
from veille.home import warehouse_path
from warehouse.alerts import (
    THRESHOLDS,
    SeriesAlert,
    detect_brand_alerts,
    read_buckets,
    volume_alerts,
)


class SeriesError(ValueError):
    """A history file that cannot be read as timestamp,value."""


def read_series(path: Path) -> pd.Series:
    """A CSV with a `timestamp` and a `value` column, as a time series."""
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
    return pd.Series(values.to_numpy(), index=pd.DatetimeIndex(times)).sort_index()


def _step(series: pd.Series) -> pd.Timedelta:
    if len(series) < 2:
        raise SeriesError("the history needs at least two points")
    return pd.Timedelta(pd.Series(series.index).diff().median())


def series_alerts(
    series: pd.Series,
    *,
    bucket: str | None = None,
    sensitivity: str = "balanced",
    baseline_days: float | None = None,
    cooldown_hours: float = 24.0,
    min_value: float = 5.0,
    directions: tuple[str, ...] = ("up", "down"),
) -> list[SeriesAlert]:
    """The alert rule over a history of counts at a regular step.

    `bucket` (e.g. "1h", "1D"), when longer than the step, makes each point the sum of
    the bucket that ends at it: a sliding bucket, so that an alert fires at the first
    point that makes the last hour unusual rather than when a clock hour ends. The
    season is the day for steps under a day (the same hour on earlier days) and the
    week for daily steps; the baseline spans 14 days, or 28 for daily steps (four of
    each weekday)."""
    step = _step(series)
    regular = series.resample(step).sum()  # missing points count as zero
    if bucket:
        try:
            width = pd.Timedelta(bucket)
        except ValueError as err:
            raise SeriesError(f"bucket {bucket!r}: expected a duration such as 1h or 1D") from err
        if width > step:
            regular = regular.rolling(width).sum().iloc[int(width / step) - 1 :]
    daily_steps = step >= pd.Timedelta(days=1)
    days = baseline_days or (28.0 if daily_steps else 14.0)
    season = 7 if daily_steps else int(pd.Timedelta(days=1) / step)
    return volume_alerts(
        regular,
        window=max(3, int(pd.Timedelta(days=days) / step)),
        season=season if season > 1 else None,
        threshold=THRESHOLDS[sensitivity],
        min_value=min_value,
        cooldown=pd.Timedelta(hours=cooldown_hours),
        directions=directions,
    )


def backtest_csv(
    path: Path,
    *,
    metric: str = "volume",
    sensitivity: str = "balanced",
    baseline_days: float | None = None,
    cooldown_hours: float = 24.0,
    bucket: str | None = None,
    min_value: float = 5.0,
) -> list[dict[str, Any]]:
    alerts = series_alerts(
        read_series(path),
        bucket=bucket,
        sensitivity=sensitivity,
        baseline_days=baseline_days,
        cooldown_hours=cooldown_hours,
        min_value=min_value,
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
    """The brand's alerts over its whole history in the warehouse, with its brands.yaml
    settings (sensitivity, minimum volume, daily or hourly buckets)."""
    from warehouse.db import connect

    brand = next((b for b in brands.brands if b.name == name), None)
    if brand is None:
        known = ", ".join(b.name for b in brands.brands)
        raise SeriesError(f"no brand named {name!r} in brands.yaml (known: {known})")
    con = connect(warehouse_path(home), read_only=True)
    try:
        frame = read_buckets(con, brand.alerts.bucket)
    finally:
        con.close()
    if frame[frame["brand"] == name].empty:
        return []
    alerts = detect_brand_alerts(
        frame,
        name,
        since=date.min,
        bucket=brand.alerts.bucket,
        sensitivity=brand.alerts.sensitivity,
        min_volume=brand.alerts.min_volume,
    )
    return [
        {
            "at": alert.start.isoformat(),
            "bucket": alert.bucket,
            "direction": "down",
            "metrics": alert.metrics,
            "summary": alert.summary(),
            "net_z": alert.net_z,
            "volume_z": alert.volume_z,
            "index_z": alert.index_z,
        }
        for alert in alerts
    ]
