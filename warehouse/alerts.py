"""Alert detection: a brand's reputation drops, or its negative volume spikes, against
the brand's own recent baseline.

Two tests, both robust and both needing a minimum volume, so that three posts never
make a crisis:
- volume (negative mentions per bucket, or any series in a backtest): robust z-score of
  the bucket against the trailing window's median, scaled by the window's
  interquartile range (IQR / 1.349 estimates the standard deviation without letting
  past spikes inflate it), floored at the Poisson deviation √median so a quiet series
  with a flat baseline does not alert on two posts;
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

THRESHOLDS = {"fewer": 4.5, "balanced": 3.5, "more": 2.5}
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


def volume_alerts(
    series: pd.Series,
    *,
    window: int,
    threshold: float = THRESHOLDS["balanced"],
    min_value: float = 5,
    cooldown: pd.Timedelta = ONE_DAY,
    directions: tuple[str, ...] = ("up", "down"),
) -> list[SeriesAlert]:
    """Buckets of a regular series (DatetimeIndex) whose value departs from the trailing
    `window` buckets. An upward alert needs the value itself to reach `min_value`; a
    downward one needs the baseline to, so that a quiet series never alerts."""
    values = series.astype(float)
    trailing = values.shift(1).rolling(window, min_periods=max(3, window // 4))
    median = trailing.median()
    spread = (trailing.quantile(0.75) - trailing.quantile(0.25)) / 1.349
    scale = np.maximum(spread, np.sqrt(np.maximum(median, 1.0)))
    zscores = (values - median) / scale
    alerts: list[SeriesAlert] = []
    last: dict[str, pd.Timestamp] = {}
    for at, value, base, z in zip(values.index, values, median, zscores, strict=True):
        if math.isnan(z):
            continue
        if z >= threshold and "up" in directions and value >= min_value:
            direction = "up"
        elif z <= -threshold and "down" in directions and base >= min_value:
            direction = "down"
        else:
            continue
        if direction in last and at - last[direction] < cooldown:
            continue
        last[direction] = at
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
