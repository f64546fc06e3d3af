"""Replaying the alert rule over a history, so a user can tune the sensitivity on their
own past before trusting it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from veille.core.config import BrandsFile
from veille.core.home import warehouse_in_use
from warehouse.alerts.rules import THRESHOLDS, SeriesAlert, detect_brand_alerts, volume_alerts
from warehouse.alerts.store import read_buckets


class SeriesError(ValueError):
    """A history file that cannot be read as timestamp,value."""


@dataclass(frozen=True)
class Backtest:
    """The alerts a replay raised (JSON-ready), and what was replayed, in words."""

    alerts: list[dict[str, Any]]
    replayed: str

    def summary(self) -> str:
        count = len(self.alerts)
        line = f"{count} alert{'' if count == 1 else 's'}: replayed {self.replayed}"
        judged = [a["verdict"] for a in self.alerts if a.get("verdict")]
        if judged:
            false = judged.count("false_alarm")
            line += (
                f"; {len(judged)} of them judged in veille web, {false} a false "
                f"alarm{'' if false == 1 else 's'}"
            )
        return line


# The replay works on the series at its regular step, missing points filled with zeros:
# a step finer than a minute, or a span of more than a million steps, would fill memory
# (four points a microsecond apart, then a day later: 86 billion points).
MIN_STEP = pd.Timedelta(minutes=1)
MAX_POINTS = 1_000_000
MAX_BASELINE_DAYS = 3650.0


def read_series(path: Path) -> pd.Series:
    """A CSV with a `timestamp` and a `value` column, as a time series: one finite
    value per timestamp, times in one zone (or all without one)."""
    try:
        with warnings.catch_warnings():
            # More fields than the header: pandas would drop them with a warning.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            # Blank lines kept (then dropped), so that row i is line i + 2 in messages.
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, index_col=False, skip_blank_lines=False
            )
    except pd.errors.ParserWarning:
        raise SeriesError(f"{path}: a line has more fields than the header") from None
    except pd.errors.EmptyDataError:
        raise SeriesError(
            f"{path}: empty; expected a header timestamp,value and a line per point"
        ) from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SeriesError(f"{path}: cannot read as CSV ({err})") from err
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise SeriesError(
            f"{path}: expected columns timestamp,value; missing {', '.join(sorted(missing))}"
        )
    frame = frame[(frame != "").any(axis=1)]
    if frame.empty:
        raise SeriesError(f"{path}: no point after the header; the replay needs a history")
    times = _timestamps(path, frame["timestamp"])
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame.index[times.isna() | values.isna() | ~values.apply(_finite)]
    if len(bad):
        line = int(bad[0]) + 2  # header is line 1
        raise SeriesError(
            f"{path}:{line}: timestamp or value unreadable: {frame.loc[bad[0]].to_dict()}"
        )
    again = times.duplicated()
    if again.any():
        second = int(frame.index[again][0])
        first = int(frame.index[times == times.loc[second]][0])
        raise SeriesError(
            f"{path}:{second + 2}: timestamp {frame['timestamp'].loc[second]} already on line "
            f"{first + 2}; give one value per timestamp (add up the counts)"
        )
    return pd.Series(values.to_numpy(), index=pd.DatetimeIndex(times)).sort_index()


def _finite(value: float) -> bool:
    return bool(pd.notna(value)) and abs(value) != float("inf")


def _timestamps(path: Path, column: pd.Series) -> pd.Series:
    """The column as instants (NaT where unreadable). Times in several zones (a summer
    and a winter offset) are compared in UTC, and so are times without a zone among
    them."""
    try:
        times = pd.to_datetime(column, errors="coerce", format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        try:
            times = pd.to_datetime(column, errors="coerce", format="ISO8601", utc=True)
        except (ValueError, TypeError, OverflowError) as err:
            raise SeriesError(f"{path}: timestamps unreadable as ISO 8601 ({err})") from err
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(column, errors="coerce", format="ISO8601", utc=True)
    try:  # the replay's arithmetic is in nanoseconds: 1677 to 2262
        return times.dt.as_unit("ns")
    except (OverflowError, pd.errors.OutOfBoundsDatetime) as err:
        raise SeriesError(f"{path}: a timestamp out of the years 1678 to 2261 ({err})") from None


def _step(series: pd.Series) -> pd.Timedelta:
    """The series' regular step: the median gap between points."""
    if len(series) < 2:
        raise SeriesError("the history needs at least two points")
    try:
        step = pd.Timedelta(pd.Series(series.index).diff().median())
    except (OverflowError, pd.errors.OutOfBoundsTimedelta) as err:
        raise SeriesError(f"timestamps too far apart to replay ({err})") from None
    if step < MIN_STEP:
        raise SeriesError(
            f"points {step} apart: the finest step the replay takes is one minute; add up "
            "the counts per minute or coarser"
        )
    span = series.index[-1] - series.index[0]
    if span / step > MAX_POINTS:
        raise SeriesError(
            f"{span} of history at a step of {step} is over {MAX_POINTS:,} points; "
            "use a coarser step or a shorter history"
        )
    return step


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
    if baseline_days is not None and not 1 <= baseline_days <= MAX_BASELINE_DAYS:
        raise SeriesError(f"baseline of {baseline_days} days: give 1 to {MAX_BASELINE_DAYS:.0f}")
    if not 0 <= cooldown_hours <= MAX_BASELINE_DAYS * 24:
        raise SeriesError(f"cool-down of {cooldown_hours} hours: give 0 to 87600")
    regular = series.resample(step).sum()  # missing points count as zero
    if bucket:
        try:
            width = pd.Timedelta(bucket)
        except (ValueError, OverflowError) as err:
            raise SeriesError(f"bucket {bucket!r}: expected a duration such as 1h or 1D") from err
        if width > step * len(regular):
            raise SeriesError(f"bucket {bucket!r} is longer than the whole history")
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
) -> Backtest:
    series = read_series(path)
    alerts = series_alerts(
        series,
        bucket=bucket,
        sensitivity=sensitivity,
        baseline_days=baseline_days,
        cooldown_hours=cooldown_hours,
        min_value=min_value,
    )
    rows = [
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
    replayed = (
        f"{len(series):,} points of {path.name} ({metric}), {_span(series.index)}, one every "
        f"{_duration(_step(series))}{f', summed over sliding {bucket} buckets' if bucket else ''}; "
        f"sensitivity {sensitivity}"
    )
    return Backtest(rows, replayed)


def _span(times: Any) -> str:
    return f"{times[0]:%Y-%m-%d %H:%M} to {times[-1]:%Y-%m-%d %H:%M}"


def _duration(step: pd.Timedelta) -> str:
    """A step in words: "5 minutes", "hour", "day", "90 seconds"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, rest = divmod(step.total_seconds(), size)
        if count and not rest:
            return unit if count == 1 else f"{count:.0f} {unit}s"
    return str(step)


def backtest_brand(home: Path, brands: BrandsFile, name: str) -> Backtest:
    """The brand's alerts over its whole history in the warehouse, with its brands.yaml
    settings (sensitivity, minimum volume, daily or hourly buckets)."""
    from warehouse.db import connect

    brand = next((b for b in brands.brands if b.name == name), None)
    if brand is None:
        known = ", ".join(b.name for b in brands.brands)
        raise SeriesError(f"no brand named {name!r} in brands.yaml (known: {known})")
    con = connect(warehouse_in_use(home), read_only=True)
    try:
        frame = read_buckets(con, brand.alerts.bucket)
        verdicts = _verdicts(con, name)
    finally:
        con.close()
    rows = frame[frame["brand"] == name]
    settings = brand.alerts
    if rows.empty:
        return Backtest([], f"nothing: no mention of {name} in the warehouse yet")
    days = sorted(rows["day"])
    buckets = "days" if settings.bucket == "day" else "hours"
    replayed = (
        f"{name}'s {len(rows):,} {buckets} with mentions in the warehouse, {days[0]} to "
        f"{days[-1]}; sensitivity {settings.sensitivity}, at least {settings.min_volume} "
        "mentions a bucket (brands.yaml)"
    )
    alerts = detect_brand_alerts(
        frame,
        name,
        since=date.min,
        bucket=brand.alerts.bucket,
        sensitivity=settings.sensitivity,
        min_volume=settings.min_volume,
    )
    return Backtest(
        [
            {
                "at": alert.start.isoformat(),
                "bucket": alert.bucket,
                "direction": "down",
                "metrics": alert.metrics,
                "summary": alert.summary(),
                "net_z": alert.net_z,
                "volume_z": alert.volume_z,
                "index_z": alert.index_z,
                # what people said of the same alert in veille web, when it was raised
                "verdict": verdicts.get(alert.alert_id),
            }
            for alert in alerts
        ],
        replayed,
    )


def _verdicts(con: duckdb.DuckDBPyConnection, brand: str) -> dict[str, str]:
    """The verdicts given in veille web to the brand's alerts: acknowledged or
    false_alarm, by alert id (none in a warehouse made before verdicts existed)."""
    try:
        rows = con.execute(
            "SELECT alert_id, verdict FROM alert_history WHERE brand = ? AND verdict IS NOT NULL",
            [brand],
        ).fetchall()
    except duckdb.Error:
        return {}
    return dict(rows)
