"""Replaying the alert rule over a history, so a user can tune the sensitivity on their
own past before trusting it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from veille.core.config import BrandsFile
from veille.core.home import warehouse_in_use
from warehouse.alerts.profile import (
    MIN_SEASON_STRENGTH,
    SEASON_CYCLES,
    Profile,
    Season,
    profile_series,
)
from warehouse.alerts.rules import (
    SERIES_SETTINGS,
    WIDE_SPANS,
    SeriesAlert,
    SeriesSettings,
    detect_brand_alerts,
    volume_alerts,
)
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
# Earlier points a point's z needs (its baseline and spread), or the whole baseline
# window when shorter; the seasonal baseline also needs three cycles, and stands in for
# the trailing median once it has them.
WARM_UP_POINTS = 100


def read_series(path: Path) -> pd.Series:
    """`read_history`'s series, without its notes."""
    return read_history(path)[0]


def read_history(path: Path) -> tuple[pd.Series, list[str]]:
    """A CSV with a `timestamp` and a `value` column, as a time series in time order
    (finite values, times in one zone or all without one), and notes on what reading it
    changed: a timestamp given more than once (an export's clock change, a bucket split
    in two) becomes one point, the sum of counts or the mean of levels."""
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
    series = pd.Series(values.to_numpy(), index=pd.DatetimeIndex(times))
    return _combine_repeats(series, frame["timestamp"])


def _combine_repeats(series: pd.Series, written: pd.Series) -> tuple[pd.Series, list[str]]:
    """One point per timestamp, and a note when some were given more than once."""
    again = series.index.duplicated(keep=False)
    if not again.any():
        return series.sort_index(), []
    counts = bool((series >= 0).all() and (series == series.round()).all())
    combined = series.groupby(level=0).sum() if counts else series.groupby(level=0).mean()
    first = int(np.flatnonzero(again)[0])
    note = (
        f"{len(series.index[again].unique()):,} timestamps given more than once (the first, "
        f"{written.iloc[first]}, on line {int(written.index[first]) + 2}): each is one "
        f"point, the {'sum' if counts else 'mean'} of its values"
    )
    return combined.sort_index(), [note]


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


@dataclass(frozen=True)
class Replay:
    """The alerts of a replayed history, with what the replay found the history to be."""

    alerts: list[SeriesAlert]
    profile: Profile
    baseline_days: float
    bucket: pd.Timedelta | None  # sliding sums over this width, when asked

    def explain(self, alert: SeriesAlert) -> str:
        """The alert in plain words: how unusual, against what, and which rule fired."""
        noun = "volume" if self.profile.counts else "value"
        subject = f"{alert.value:.4g}"
        if alert.span is not None:
            noun = f"{_duration(alert.span)}'s {'volume' if self.profile.counts else 'mean'}"
            subject = f"the last {noun}, {subject},"
        usual = f"the usual {_moment(alert.at, self.profile)}{noun}"
        value, base = alert.value, alert.baseline
        if value > 0 and base > 0:
            ratio = value / base
            if ratio >= 1.5 or ratio <= 1 / 1.5:
                times = f"{ratio:.0f}" if ratio >= 2.5 else f"{ratio:.1f}"
                how = f"about {times} times" if ratio > 1 else f"about {ratio:.0%} of"
            else:
                how = f"{ratio - 1:+.0%} against"
            words = f"{subject} is {how} {usual} ({base:.4g})"
        else:
            words = f"{subject} against {usual} of {base:.4g}"
        side = "above" if alert.direction == "up" else "below"
        why = f"{abs(alert.zscore):.1f} robust deviations {side} the baseline"
        if alert.record_buckets:
            days = alert.record_buckets * self.profile.step / pd.Timedelta(days=1)
            if alert.peak:
                why += f", the highest {noun} in {days:.0f} days"
            else:
                why += f", the most unusual point in {days:.0f} days"
        return f"{words}; {why}"

    def baseline_words(self) -> str:
        season = self.profile.season
        if season is None:
            return f"median of the last {self.baseline_days:g} days"
        return f"median of the same {_moment_kind(season)} over the last weeks"


def _moment(at: pd.Timestamp, profile: Profile) -> str:
    """Which moment the baseline compares with: "Tuesday 18:00 ", "18:05 ", or ""."""
    season = profile.season
    if season is None:
        return ""
    clock = "" if profile.step >= pd.Timedelta(days=1) else f" {at:%H:%M}"
    return f"{at:%A}{clock} " if season.name == "week" else f"{clock.strip()} "


def _moment_kind(season: Season) -> str:
    return "time of day" if season.name == "day" else "time of the week"


def series_alerts(
    series: pd.Series,
    *,
    bucket: str | None = None,
    sensitivity: str = "balanced",
    settings: SeriesSettings | None = None,
    baseline_days: float | None = None,
    cooldown_hours: float | None = None,
    min_value: float = 5.0,
    directions: tuple[str, ...] = ("up", "down"),
    min_season_strength: float = MIN_SEASON_STRENGTH,
) -> Replay:
    """The alert rule over a history at its own cadence, with the season and scale its
    profile shows (`profile_series`): no option needed.

    `bucket` (e.g. "1h", "1D"), when longer than the step, makes each point the sum (the
    mean, for levels) of the bucket that ends at it: a sliding bucket, so that an alert
    fires at the first point that makes the last hour unusual rather than when a clock
    hour ends. The baseline spans 14 days, or 28 for daily steps, and at least three
    cycles of the season found. `settings` (the bench's cross-validation) replace the
    sensitivity's."""
    step = _step(series)
    if baseline_days is not None and not 1 <= baseline_days <= MAX_BASELINE_DAYS:
        raise SeriesError(f"baseline of {baseline_days} days: give 1 to {MAX_BASELINE_DAYS:.0f}")
    if cooldown_hours is not None and not 0 <= cooldown_hours <= MAX_BASELINE_DAYS * 24:
        raise SeriesError(f"cool-down of {cooldown_hours} hours: give 0 to 87600")
    chosen = settings or SERIES_SETTINGS[sensitivity]
    # A missing point is unknown, not zero: exports leave out hours when a collector was
    # down as often as hours without a post.
    regular = series.resample(step).mean()
    profile = profile_series(series, step, regular=regular, min_strength=min_season_strength)
    for first, last in profile.outages:  # unknown, like a missing point
        regular[first:last] = np.nan
    width = None
    if bucket:
        try:
            width = pd.Timedelta(bucket)
        except (ValueError, OverflowError) as err:
            raise SeriesError(f"bucket {bucket!r}: expected a duration such as 1h or 1D") from err
        if width > step * len(regular):
            raise SeriesError(f"bucket {bucket!r} is longer than the whole history")
        if width > step:
            regular = _sliding(regular, width, profile)
        else:
            width = None
    days = baseline_days or (28.0 if step >= pd.Timedelta(days=1) else 14.0)
    window = max(3, int(pd.Timedelta(days=days) / step))
    season = None
    if profile.season is not None and profile.season.period > step:
        season = int(profile.season.period / step)
        window = max(window, SEASON_CYCLES * season)
    record = None
    if chosen.record_days:
        record = max(1, int(pd.Timedelta(days=chosen.record_days) / step))
    cooldown = pd.Timedelta(
        hours=chosen.cooldown_hours if cooldown_hours is None else cooldown_hours
    )
    needed = min(WARM_UP_POINTS, window)
    scales: list[tuple[pd.Series, pd.Timedelta | None, float]] = [
        (regular, width, chosen.threshold)
    ]
    if width is None:  # besides each point, the sums (means) over wider spans
        for span in WIDE_SPANS:
            if span > step and span * 3 < step * len(regular):
                scales.append((_sliding(regular, span, profile), span, chosen.wide_threshold))
    alerts: list[SeriesAlert] = []
    for values, span, threshold in scales:
        per_point = 1 if span is None or profile.counts else int(span / step)
        alerts += volume_alerts(
            values,
            window=window,
            season=season,
            threshold=threshold,
            min_value=min_value if profile.counts else None,
            cooldown=cooldown,
            directions=directions,
            record=record,
            margin=chosen.margin,
            peak_margin=chosen.peak_margin,
            noise=profile.noise,
            resolution=profile.resolution / per_point,
            min_periods=needed,
            span=span,
        )
    alerts = _one_per_crisis(sorted(alerts, key=lambda a: a.at), cooldown)
    if regular.notna().sum() <= needed:
        profile = replace(profile, notes=(*profile.notes, (
            f"{regular.notna().sum():,} points: too short to know what is usual; the rule "
            f"needs more than {needed:,} before it compares; no alert"
        )))  # fmt: skip
    return Replay(alerts, profile, window * step / pd.Timedelta(days=1), width)


def _sliding(values: pd.Series, span: pd.Timedelta, profile: Profile) -> pd.Series:
    """Each point's last `span`: the sum of counts, the mean of levels."""
    points = int(span / profile.step)
    sliding = values.rolling(points, min_periods=points)
    return (sliding.sum() if profile.counts else sliding.mean()).iloc[points - 1 :]


def _one_per_crisis(alerts: list[SeriesAlert], cooldown: pd.Timedelta) -> list[SeriesAlert]:
    """The alerts of all scales, in time order, with those that come within the cool-down
    of a kept one left out: a spike seen at the point and over the hour is one alert."""
    kept: list[SeriesAlert] = []
    for alert in alerts:
        if not kept or alert.at - kept[-1].at >= cooldown:
            kept.append(alert)
    return kept


def backtest_csv(
    path: Path,
    *,
    metric: str = "volume",
    sensitivity: str = "balanced",
    baseline_days: float | None = None,
    cooldown_hours: float | None = None,
    bucket: str | None = None,
    min_value: float = 5.0,
) -> Backtest:
    series, read_notes = read_history(path)
    replay = series_alerts(
        series,
        bucket=bucket,
        sensitivity=sensitivity,
        baseline_days=baseline_days,
        cooldown_hours=cooldown_hours,
        min_value=min_value,
    )
    season = replay.profile.season
    rows = [
        {
            "at": alert.at.isoformat(),
            "direction": alert.direction,
            "metric": metric,
            "value": alert.value,
            "baseline": alert.baseline,
            "zscore": alert.zscore,
            "rule": ("peak" if alert.peak else "record") if alert.record_buckets else "threshold",
            # the point itself (null), or its sliding sum (mean) over this span
            "span": None if alert.span is None else _duration(alert.span),
            "baseline_kind": replay.baseline_words(),
            "season": season.name if season else None,
            "explanation": replay.explain(alert),
        }
        for alert in replay.alerts
    ]
    replayed = (
        f"{len(series):,} points of {path.name} ({metric}), {_span(series.index)}, one every "
        f"{_duration(replay.profile.step)}"
        f"{f', summed over sliding {bucket} buckets' if replay.bucket is not None else ''}; "
        f"read as {replay.profile.describe()}; baseline: {replay.baseline_words()}; "
        f"sensitivity {sensitivity}"
    )
    for note in [*read_notes, *replay.profile.notes]:
        replayed += f"\nnote: {note}"
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
