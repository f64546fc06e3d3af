"""Alert detection: a brand's reputation drops, or its negative volume spikes, against
the brand's own recent baseline.

Two tests, both robust and both needing a minimum volume, so that three posts never
make a crisis:
- volume (negative mentions per bucket, or any series in a backtest): the bucket
  against what the same bucket usually holds (the median of the same hour on earlier
  days, or of the same weekday on earlier weeks: seasonality), in robust standard
  deviations (IQR / 1.349 of past departures, which past spikes do not inflate), on
  the count scale with a Poisson floor for small counts, on the log scale for large
  ones (`standard_scores`);
- net sentiment ((positive − negative) / mentions): the day's mean of per-mention
  sentiment (−1, 0, +1) against the baseline window's mean, divided by its standard
  error for the day's number of mentions (a z-test of the mean).
A cool-down makes one crisis one alert: after an alert, the brand stays quiet for
`cooldown` (default three days).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

# z from which each sensitivity alerts (brands.yaml `alerts.sensitivity`). "balanced"
# is the best F1 on the labelled brand volumes of bench/alerts.py.
THRESHOLDS = {"fewer": 5.0, "balanced": 4.0, "more": 3.0}
# Expected count per bucket from which the noise is taken to be multiplicative.
LOG_SCALE_FROM = 30.0
BASELINE_DAYS = 28
COOLDOWN_DAYS = 3
ONE_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class SeriesAlert:
    at: pd.Timestamp
    direction: str  # up or down
    value: float
    baseline: float
    zscore: float


def standard_scores(
    values: pd.Series, *, window: int, season: int | None = None
) -> tuple[pd.Series, pd.Series]:
    """(expected, z) for every bucket of a count series, each from the buckets before it
    only (a spike never hides itself).

    Expected value: without a season, the trailing `window` buckets' median; with one
    (24 for hourly buckets, the day's rhythm; 7 for daily buckets, the week's), the
    median of the same bucket in each earlier cycle of the window (the same hour on
    each of the last 14 days), so that a usual evening peak or a usual quiet Sunday is
    not news. Medians, so that past crises do not raise the baseline.

    Spread, on the scale where the noise lives: below LOG_SCALE_FROM a bucket, counts
    (the noise is Poisson-like: z = departure / max(IQR / 1.349 of the trailing
    departures, √expected), so that two posts on a flat, quiet series are no crisis);
    from there on, logarithms (the noise of large audiences is multiplicative: the same
    z for +50% at noon and +50% at 3 a.m.; spread IQR / 1.349 of the trailing
    log-departures, floored at the Poisson 1/√expected)."""
    values = values.astype(float)
    min_periods = max(3, window // 4)
    if season and window >= 3 * season:
        lagged = pd.concat([values.shift(season * k) for k in range(1, window // season + 1)],
                           axis=1)  # fmt: skip
        expected = lagged.median(axis=1).where(lagged.count(axis=1) >= 3)
        # Departures exist from the third cycle on; one cycle of them is enough to start.
        min_periods = max(3, season)
    else:
        expected = values.shift(1).rolling(window, min_periods=min_periods).median()

    def robust_spread(departures: pd.Series) -> pd.Series:
        trailing = departures.shift(1).rolling(window, min_periods=min_periods)
        return (trailing.quantile(0.75) - trailing.quantile(0.25)) / 1.349

    departure = values - expected
    count_z = departure / np.maximum(robust_spread(departure), np.sqrt(np.maximum(expected, 1)))
    log_departure = np.log1p(values) - np.log1p(expected)
    log_z = log_departure / np.maximum(robust_spread(log_departure), 1 / np.sqrt(expected + 1))
    return expected, log_z.where(expected >= LOG_SCALE_FROM, count_z)


def volume_alerts(
    series: pd.Series,
    *,
    window: int,
    season: int | None = None,
    threshold: float = THRESHOLDS["balanced"],
    min_value: float = 5,
    cooldown: pd.Timedelta = ONE_DAY,
    directions: tuple[str, ...] = ("up", "down"),
) -> list[SeriesAlert]:
    """Buckets of a regular series (DatetimeIndex) whose value departs from what the
    trailing `window` buckets lead to expect (`standard_scores`) by `threshold` scales or
    more. An upward alert needs the value itself to reach `min_value`; a downward one
    needs the expected value to, so that a quiet series never alerts. After an alert,
    its direction stays quiet for `cooldown`, and then until the series has come back
    to its expected value: a crisis that lasts three days is one alert, not three."""
    values = series.astype(float)
    expected, zscores = standard_scores(values, window=window, season=season)
    alerts: list[SeriesAlert] = []
    last: dict[str, pd.Timestamp] = {}
    settled = {"up": True, "down": True}
    for at, value, base, z in zip(values.index, values, expected, zscores, strict=True):
        if math.isnan(z):
            continue
        # One crisis, one alert: a direction re-arms when, the cool-down over, the
        # series is back to its expected value.
        for side, back in (("up", z <= 0), ("down", z >= 0)):
            if back and (side not in last or at - last[side] >= cooldown):
                settled[side] = True
        if z >= threshold and "up" in directions and value >= min_value:
            direction = "up"
        elif z <= -threshold and "down" in directions and base >= min_value:
            direction = "down"
        else:
            continue
        if not settled[direction]:
            continue
        last[direction], settled[direction] = at, False
        alerts.append(SeriesAlert(at, direction, float(value), float(base), round(float(z), 2)))
    return alerts


@dataclass
class BrandAlert:
    brand: str
    day: date
    mentions: int
    negative: int
    net_sentiment: float | None
    baseline_net: float | None
    baseline_negative: float
    net_z: float | None = None  # set when the net-sentiment test fired
    volume_z: float | None = None  # set when the negative-volume test fired

    @property
    def alert_id(self) -> str:
        return hashlib.sha256(f"{self.brand}\n{self.day.isoformat()}".encode()).hexdigest()[:24]

    @property
    def metrics(self) -> list[str]:
        return [
            name
            for name, z in (("net_sentiment", self.net_z), ("negative_volume", self.volume_z))
            if z is not None
        ]

    def summary(self) -> str:
        parts = []
        if self.net_z is not None and self.net_sentiment is not None:
            parts.append(
                f"net sentiment fell to {self.net_sentiment:+.2f} (usual {self.baseline_net:+.2f})"
            )
        if self.volume_z is not None:
            parts.append(
                f"{self.negative} negative mentions in a day (usual {self.baseline_negative:.1f})"
            )
        return f"{self.brand}: " + " and ".join(parts) + f", since {self.day.isoformat()}"


def _net_sentiment_test(day: pd.Series, baseline: pd.DataFrame) -> tuple[float, float] | None:
    """(z, baseline mean): the day's net sentiment against the baseline mentions' mean,
    in standard errors for the day's number of mentions."""
    n = float(baseline["mentions"].sum())
    if n == 0 or day["mentions"] == 0:
        return None
    mean = float((baseline["positive"].sum() - baseline["negative"].sum()) / n)
    second = float((baseline["positive"].sum() + baseline["negative"].sum()) / n)
    # A floor on the variance keeps a perfectly uniform baseline from alerting on one post.
    variance = max(second - mean**2, 0.1)
    net = float((day["positive"] - day["negative"]) / day["mentions"])
    return (net - mean) / math.sqrt(variance / float(day["mentions"])), mean


def detect_brand_alerts(
    daily: pd.DataFrame,
    brand: str,
    *,
    since: date,
    sensitivity: str = "balanced",
    min_volume: int = 5,
    previous_alert_days: list[date] | None = None,
    cooldown_days: int = COOLDOWN_DAYS,
) -> list[BrandAlert]:
    """Alerts for one brand on the days from `since` on, from its rows of
    `daily_brand_sentiment` (one row per day, days without mentions included)."""
    threshold = THRESHOLDS[sensitivity]
    rows = daily[daily["brand"] == brand].sort_values("day").reset_index(drop=True)
    alert_days = sorted(previous_alert_days or [])
    alerts = []
    for _, row in rows.iterrows():
        day = row["day"]
        if day < since or (alert_days and (day - alert_days[-1]).days < cooldown_days):
            continue
        baseline = rows[(rows["day"] < day) & (rows["day"] >= day - timedelta(BASELINE_DAYS))]
        if len(baseline) < 7:
            continue  # too little history to know what is usual
        net_test = None
        if row["mentions"] >= min_volume and baseline["mentions"].sum() >= min_volume:
            net_test = _net_sentiment_test(row, baseline)
        negatives = pd.Series(
            [*baseline["negative"], row["negative"]],
            index=pd.to_datetime([*baseline["day"], day]),
        )
        spikes = volume_alerts(
            negatives,
            window=len(baseline),
            season=7,  # the week's rhythm, once three weeks of history exist
            threshold=threshold,
            min_value=min_volume,
            directions=("up",),
        )
        spike = spikes[-1] if spikes and spikes[-1].at == pd.Timestamp(day) else None
        net_fired = net_test is not None and net_test[0] <= -threshold
        if not (net_fired or spike):
            continue
        alerts.append(
            BrandAlert(
                brand=brand,
                day=day,
                mentions=int(row["mentions"]),
                negative=int(row["negative"]),
                net_sentiment=None
                if pd.isna(row["net_sentiment"])
                else float(row["net_sentiment"]),
                baseline_net=net_test[1] if net_test else None,
                baseline_negative=float(baseline["negative"].median()),
                net_z=round(net_test[0], 2) if net_test and net_fired else None,
                volume_z=spike.zscore if spike else None,
            )
        )
        alert_days.append(day)
    return alerts


def read_daily(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """`daily_brand_sentiment`, with `day` as dates (DuckDB hands pandas timestamps)."""
    daily = con.execute("SELECT * FROM daily_brand_sentiment").df()
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    return daily


def driving_posts(
    con: duckdb.DuckDBPyConnection, brand: str, day: date, limit: int = 5
) -> list[dict[str, Any]]:
    """The posts most negative about the brand, from the alert's day on."""
    frame = con.execute(
        "SELECT source_id, author, published_at, text, url, thread_title, sentiment_score "
        "FROM brand_mentions WHERE brand = ? AND day >= ? AND sentiment = 'negative' "
        "ORDER BY sentiment_score, published_at LIMIT ?",
        [brand, day, limit],
    ).df()
    return frame.to_dict("records")


def previous_alert_days(con: duckdb.DuckDBPyConnection, brand: str) -> list[date]:
    rows = con.execute("SELECT day FROM alerts WHERE brand = ? ORDER BY day", [brand]).fetchall()
    return [row[0] for row in rows]


def record_alert(
    con: duckdb.DuckDBPyConnection, alert: BrandAlert, recipients: list[str], now: datetime
) -> bool:
    """Store the alert in the history; False when it was already there."""
    inserted = con.execute(
        "INSERT INTO alerts (alert_id, brand, day, metrics, mentions, negative, net_sentiment, "
        "baseline_net, net_z, baseline_negative, volume_z, summary, detected_at, recipients) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
        [
            alert.alert_id,
            alert.brand,
            alert.day,
            alert.metrics,
            alert.mentions,
            alert.negative,
            alert.net_sentiment,
            alert.baseline_net,
            alert.net_z,
            alert.baseline_negative,
            alert.volume_z,
            alert.summary(),
            now,
            recipients,
        ],
    ).fetchall()
    return bool(inserted)
