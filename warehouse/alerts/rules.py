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
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from warehouse.i18n import Formats, translations

# z from which each sensitivity alerts on a brand's buckets (brands.yaml
# `alerts.sensitivity`).
THRESHOLDS = {"fewer": 5.0, "balanced": 4.0, "more": 3.0}


@dataclass(frozen=True)
class SeriesSettings:
    """How a replayed history alerts at one sensitivity."""

    threshold: float  # |z| from which a point is unusual
    record_days: float | None  # and the most unusual of these last days (None: any)
    cooldown_hours: float  # quiet after an alert, then until back to usual


# Chosen by cross-validation over NAB's seven categories of labelled series (bench/alerts.py
# prints the choice of each fold and the figures on the series it was not made on):
# "balanced" is the best F1 with at most one false alarm per series per two weeks;
# "more" and "fewer" move the threshold one step either way.
SERIES_SETTINGS = {
    "fewer": SeriesSettings(threshold=6.0, record_days=14.0, cooldown_hours=24.0),
    "balanced": SeriesSettings(threshold=5.0, record_days=14.0, cooldown_hours=24.0),
    "more": SeriesSettings(threshold=4.0, record_days=14.0, cooldown_hours=24.0),
}
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
    # How many buckets back the value is the most unusual (None: no record rule).
    record_buckets: int | None = None


def warm_up(window: int, season: int | None) -> int:
    """Buckets of history `standard_scores` needs before its first z: a quarter of the
    baseline window, or one cycle of the season when that is shorter."""
    quarter = max(3, window // 4)
    return max(3, min(season, quarter)) if season and window >= 3 * season else quarter


def standard_scores(
    values: pd.Series,
    *,
    window: int,
    season: int | None = None,
    counts: bool = True,
    log_scale: bool = False,
    resolution: float = 0.0,
    min_periods: int | None = None,
) -> tuple[pd.Series, pd.Series]:
    """(expected, z) for every bucket of a series, each from the buckets before it only
    (a spike never hides itself). Buckets without a value (NaN) get no z.

    Expected value: without a season, the trailing `window` buckets' median; with one
    (24 for hourly buckets, the day's rhythm; 7 for daily buckets, the week's), the
    median of the same bucket in each earlier cycle of the window (the same hour on
    each of the last 14 days), so that a usual evening peak or a usual quiet Sunday is
    not news. Medians, so that past crises do not raise the baseline.

    Spread, on the scale where the noise lives, IQR / 1.349 of the trailing departures
    (which past spikes do not inflate), floored:
    - counts (`counts`) below LOG_SCALE_FROM a bucket: the noise is Poisson-like, the
      floor √expected, so that two posts on a flat, quiet series are no crisis; from
      there on, logarithms (the noise of large audiences is multiplicative: the same z
      for +50% at noon and +50% at 3 a.m.), floored at the Poisson 1/√expected;
    - levels (a CPU load, a price): on the log scale when `log_scale`, else as they are,
      floored at the data's `resolution` (the smallest step between two values), so that
      a series that barely moves does not alert on its last digit."""
    values = values.astype(float)
    trailing_from = min_periods or max(3, window // 4)
    expected = values.shift(1).rolling(window, min_periods=trailing_from).median()
    if season and window >= 3 * season:
        lagged = pd.concat([values.shift(season * k) for k in range(1, window // season + 1)],
                           axis=1)  # fmt: skip
        # Until three cycles exist (a young brand), the trailing median stands in.
        expected = lagged.median(axis=1).where(lagged.count(axis=1) >= 3, expected)
    min_periods = min_periods or warm_up(window, season)

    def robust_spread(departures: pd.Series) -> pd.Series:
        trailing = departures.shift(1).rolling(window, min_periods=min_periods)
        return (trailing.quantile(0.75) - trailing.quantile(0.25)) / 1.349

    if not counts:
        if log_scale:  # all values positive (profile_series)
            departure = np.log(values) - np.log(expected)
            floor = max(resolution, 1e-12) / expected.abs().clip(lower=1e-12)
        else:
            departure = values - expected
            floor = pd.Series(max(resolution, 1e-12), index=values.index)
        return expected, departure / np.maximum(robust_spread(departure), floor)
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
    record: int | None = None,
    counts: bool = True,
    log_scale: bool = False,
    resolution: float = 0.0,
    min_periods: int | None = None,
) -> list[SeriesAlert]:
    """Buckets of a regular series (DatetimeIndex) whose value departs from what the
    trailing `window` buckets lead to expect (`standard_scores`) by `threshold` scales or
    more. For counts, an upward alert needs the value itself to reach `min_value` and a
    downward one needs the expected value to, so that a quiet series never alerts.

    With `record`, a bucket alerts only when it is also the most unusual of the last
    `record` buckets (its |z| at least every earlier one's, past alerts included): a
    series whose normal life is bursty alerts on its largest bursts, not on each.

    After an alert, its direction stays quiet for `cooldown`, and then until the series
    has come back to its expected value: a crisis that lasts three days is one alert,
    not three, and a new normal alerts once, then becomes the baseline."""
    values = series.astype(float)
    expected, zscores = standard_scores(
        values, window=window, season=season, counts=counts, log_scale=log_scale,
        resolution=resolution, min_periods=min_periods,
    )  # fmt: skip
    alerts: list[SeriesAlert] = []
    last: dict[str, pd.Timestamp] = {}
    settled = {"up": True, "down": True}
    # The largest |z| of the last `record` buckets, as a decreasing deque of (i, |z|).
    largest: deque[tuple[int, float]] = deque()
    for i, (at, value, base, z) in enumerate(
        zip(values.index, values, expected, zscores, strict=True)
    ):
        if record:
            while largest and largest[0][0] <= i - record:
                largest.popleft()
        if math.isnan(z):
            continue
        # One crisis, one alert: a direction re-arms when, the cool-down over, the
        # series is back to its expected value.
        for side, back in (("up", z <= 0), ("down", z >= 0)):
            if back and (side not in last or at - last[side] >= cooldown):
                settled[side] = True
        unusual = not largest or abs(z) >= largest[0][1]
        if record:
            while largest and largest[-1][1] <= abs(z):
                largest.pop()
            largest.append((i, abs(z)))
        if z >= threshold and "up" in directions and (not counts or value >= min_value):
            direction = "up"
        elif z <= -threshold and "down" in directions and (not counts or base >= min_value):
            direction = "down"
        else:
            continue
        if not settled[direction] or not unusual:
            continue
        last[direction], settled[direction] = at, False
        alerts.append(
            SeriesAlert(at, direction, float(value), float(base), round(float(z), 2), record)
        )
    return alerts


BUCKETS = ("day", "hour")
# Buckets per cycle of each bucket's rhythm: the week for days, the day for hours.
SEASONS = {"day": 7, "hour": 24}
INDEX_DAYS = 7  # the reputation index's window (view reputation_index)
MIN_INDEX_DROP = 10.0  # index points: a significant but small drop is no crisis


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
    hour: int | None = None  # the hour (UTC) of an hourly alert; None for a daily one
    reputation_index: float | None = None  # set with index_z
    baseline_index: float | None = None
    index_z: float | None = None  # set when the reputation-index test fired

    @property
    def alert_id(self) -> str:
        key = f"{self.brand}\n{self.day.isoformat()}"
        if self.hour is not None:
            key += f"\n{self.hour:02d}"
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    @property
    def start(self) -> datetime:
        """The bucket's start (UTC)."""
        return datetime.combine(self.day, time(self.hour or 0))

    @property
    def bucket(self) -> str:
        return "day" if self.hour is None else "hour"

    @property
    def since(self) -> str:
        return self.day.isoformat() if self.hour is None else f"{self.start:%Y-%m-%d %H:00} UTC"

    @property
    def metrics(self) -> list[str]:
        tests = (("net_sentiment", self.net_z), ("negative_volume", self.volume_z),
                 ("reputation_index", self.index_z))  # fmt: skip
        return [name for name, z in tests if z is not None]

    def summary(self, locale: str = "en") -> str:
        """One line: the brand, what moved, by how much, since when (the email's subject),
        in `locale` (the English one is stored in the alert history)."""
        _ = translations(locale).gettext
        fmt = Formats(locale)
        parts = []
        if self.index_z is not None:
            parts.append(_("reputation index fell to %(value)s (usual %(usual)s)") % {
                "value": fmt.number(self.reputation_index),
                "usual": fmt.number(self.baseline_index),
            })  # fmt: skip
        if self.net_z is not None and self.net_sentiment is not None:
            parts.append(_("net sentiment fell to %(value)s (usual %(usual)s)") % {
                "value": fmt.signed(self.net_sentiment),
                "usual": fmt.signed(self.baseline_net),
            })  # fmt: skip
        if self.volume_z is not None:
            volume = (
                _("%(n)s negative mentions in a day (usual %(usual)s)")
                if self.hour is None
                else _("%(n)s negative mentions in an hour (usual %(usual)s)")
            )
            parts.append(volume % {
                "n": self.negative, "usual": fmt.number(self.baseline_negative, 1)
            })  # fmt: skip
        moved = parts[0]
        if len(parts) > 1:
            moved = _("%(first)s and %(last)s") % {"first": ", ".join(parts[:-1]),
                                                    "last": parts[-1]}  # fmt: skip
        return _("%(brand)s: %(what)s, since %(since)s") % {
            "brand": self.brand, "what": moved, "since": self.since,
        }  # fmt: skip


def _net_sentiment_test(bucket: pd.Series, baseline: pd.DataFrame) -> tuple[float, float] | None:
    """(z, baseline mean): the bucket's net sentiment against the baseline mentions'
    mean, in standard errors for the bucket's number of mentions."""
    n = float(baseline["mentions"].sum())
    if n == 0 or bucket["mentions"] == 0:
        return None
    mean = float((baseline["positive"].sum() - baseline["negative"].sum()) / n)
    second = float((baseline["positive"].sum() + baseline["negative"].sum()) / n)
    # A floor on the variance keeps a perfectly uniform baseline from alerting on one post.
    variance = max(second - mean**2, 0.1)
    net = float((bucket["positive"] - bucket["negative"]) / bucket["mentions"])
    return (net - mean) / math.sqrt(variance / float(bucket["mentions"])), mean


def reputation_index(positive: float, negative: float) -> float:
    """As view reputation_index computes it: the share of positive posts among those
    taking a side, with one of each added as a prior, on 0-100."""
    return 100.0 * (positive + 1) / (positive + negative + 2)


def _index_test(
    recent: pd.DataFrame, baseline: pd.DataFrame, min_volume: int
) -> tuple[float, float, float] | None:
    """(z, index, baseline index): the share of positive posts among the sided ones over
    the last 7 days against the 28 days before them, a two-proportion z-test."""
    pos_r, neg_r = float(recent["positive"].sum()), float(recent["negative"].sum())
    pos_b, neg_b = float(baseline["positive"].sum()), float(baseline["negative"].sum())
    n_r, n_b = pos_r + neg_r, pos_b + neg_b
    if n_r < min_volume or n_b < min_volume:
        return None
    pooled = (pos_r + pos_b) / (n_r + n_b)
    if pooled in (0.0, 1.0):
        return None  # everyone on one side all along: nothing moved
    z = (pos_r / n_r - pos_b / n_b) / math.sqrt(pooled * (1 - pooled) * (1 / n_r + 1 / n_b))
    return z, reputation_index(pos_r, neg_r), reputation_index(pos_b, neg_b)


def detect_brand_alerts(
    frame: pd.DataFrame,
    brand: str,
    *,
    since: date,
    bucket: str = "day",
    sensitivity: str = "balanced",
    min_volume: int = 5,
    previous_alerts: list[datetime] | None = None,
    cooldown: timedelta | None = None,
) -> list[BrandAlert]:
    """Alerts for one brand on the buckets from `since` on, from its rows of
    `daily_brand_sentiment` (bucket "day") or `hourly_brand_sentiment` ("hour"): one
    row per bucket, quiet ones included. Each bucket is tested against the 28 days
    before it; `previous_alerts` (bucket starts) and the cool-down (3 days for daily
    buckets, 1 day for hourly ones) keep one crisis to one alert."""
    threshold = THRESHOLDS[sensitivity]
    cooldown = cooldown or (timedelta(days=COOLDOWN_DAYS) if bucket == "day" else ONE_DAY)
    rows = bucket_rows(frame, brand, bucket)
    per_day = 1 if bucket == "day" else 24
    window = BASELINE_DAYS * per_day
    _, volume_z = standard_scores(rows["negative"], window=window, season=SEASONS[bucket])
    alerted = sorted(previous_alerts or [])
    crisis = pd.Series(False, index=rows.index)  # buckets of past crises

    def calm(part: pd.DataFrame) -> pd.DataFrame:
        """A baseline without the buckets of past crises, so that last month's crisis
        does not make this month's look usual (volume is robust by its medians)."""
        return part[~crisis.loc[part.index]]

    for when in alerted:
        crisis |= (rows["start"] >= when) & (rows["start"] < when + cooldown)
    alerts = []
    for i, row in rows.iterrows():
        start = row["start"].to_pydatetime()
        if start.date() < since or (alerted and start - alerted[-1] < cooldown):
            continue
        baseline = calm(rows.iloc[max(0, i - window) : i])
        if len(baseline) < 7 * per_day:
            continue  # too little history to know what is usual
        net_test = None
        if row["mentions"] >= min_volume and baseline["mentions"].sum() >= min_volume:
            net_test = _net_sentiment_test(row, baseline)
        net_fired = net_test is not None and net_test[0] <= -threshold
        z = volume_z.iloc[i]
        volume_fired = not math.isnan(z) and z >= threshold and row["negative"] >= min_volume
        index_test = None
        if i + 1 >= (INDEX_DAYS + 7) * per_day:
            # The crisis already alerted on stays out of both windows: the index keeps it
            # for 7 days, and one crisis is one alert.
            recent = calm(rows.iloc[max(0, i + 1 - INDEX_DAYS * per_day) : i + 1])
            before = calm(rows.iloc[max(0, i + 1 - (INDEX_DAYS + BASELINE_DAYS) * per_day) :
                                    i + 1 - INDEX_DAYS * per_day])  # fmt: skip
            index_test = _index_test(recent, before, min_volume)
        index_fired = (
            index_test is not None
            and index_test[0] <= -threshold
            and index_test[2] - index_test[1] >= MIN_INDEX_DROP
        )
        if not (net_fired or volume_fired or index_fired):
            continue
        alerts.append(
            BrandAlert(
                brand=brand,
                day=start.date(),
                hour=None if bucket == "day" else start.hour,
                mentions=int(row["mentions"]),
                negative=int(row["negative"]),
                net_sentiment=None
                if pd.isna(row["net_sentiment"])
                else float(row["net_sentiment"]),
                baseline_net=net_test[1] if net_test else None,
                baseline_negative=float(baseline["negative"].median()),
                net_z=round(net_test[0], 2) if net_test and net_fired else None,
                volume_z=round(float(z), 2) if volume_fired else None,
                reputation_index=round(index_test[1], 1) if index_test and index_fired else None,
                baseline_index=round(index_test[2], 1) if index_test and index_fired else None,
                index_z=round(index_test[0], 2) if index_test and index_fired else None,
            )
        )
        alerted.append(start)
        crisis |= (rows["start"] >= start) & (rows["start"] < start + cooldown)
    return alerts


def bucket_rows(frame: pd.DataFrame, brand: str, bucket: str) -> pd.DataFrame:
    """One brand's rows in time order, with a `start` column (the bucket's start)."""
    rows = frame[frame["brand"] == brand].copy()
    if bucket == "day":
        rows["start"] = pd.to_datetime(rows["day"])
    else:
        rows["start"] = pd.to_datetime(rows["hour_start"])
    return rows.sort_values("start").reset_index(drop=True)
