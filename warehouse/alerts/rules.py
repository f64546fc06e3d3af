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
    record_days: float | None  # and more unusual than any of these last days (None: off)
    margin: float  # by this factor: 1.2 is 20% beyond the last days' largest |z|
    cooldown_hours: float  # quiet after an alert, then until back to usual
    wide_threshold: float  # the same for the means over WIDE_SPANS
    # or higher than any value of the record days by this factor (None: off): the busiest
    # five minutes in two weeks is news even where such hours are often noisy.
    peak_margin: float | None = None


# Chosen by cross-validation over NAB's seven categories of labelled series (bench/alerts.py
# prints the choice of each fold and the figures on the series it was not made on):
# "balanced" is the best F1 with at most one false alarm per series per two weeks;
# "more" and "fewer" move the thresholds one step either way.
SERIES_SETTINGS = {
    "fewer": SeriesSettings(6.0, 14.0, 1.2, 6.0, 7.0, 1.1),
    "balanced": SeriesSettings(5.0, 14.0, 1.2, 6.0, 6.0, 1.1),
    "more": SeriesSettings(4.0, 14.0, 1.2, 6.0, 5.0, 1.1),
}
# Besides each point, a series finer than these is also judged on its mean over each of
# them (sliding): a rise of the whole evening that no single point shows.
WIDE_SPANS = (pd.Timedelta(hours=1), pd.Timedelta(hours=6))
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
    span: pd.Timedelta | None = None  # the value is the mean over this span (wide scales)
    peak: bool = False  # the record is the highest value, not the most unusual |z|


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
    noise: str = "poisson",
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

    Spread, on the scale where the noise lives (`noise`), IQR / 1.349 of the trailing
    departures (which past spikes do not inflate), floored:
    - "poisson" (a brand's counts): below LOG_SCALE_FROM a bucket the noise is
      Poisson-like, the floor √expected, so that two posts on a flat, quiet series are no
      crisis; from there on, logarithms (the noise of large audiences is multiplicative:
      the same z for +50% at noon and +50% at 3 a.m.), floored at the Poisson 1/√expected;
    - "log1p" (busy counts) and "log" (positive levels over a wide range): log(1 +
      value) or log(value) departures, floored at the data's relative `resolution`;
    - "linear" (levels: a CPU load, a price): departures as they are, floored at the
      data's `resolution` (the smallest step between two values), so that a series that
      barely moves does not alert on its last digit."""
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

    if noise in ("log", "log1p"):  # values > 0, or ≥ 0 for log1p (profile_series)
        shift = 1.0 if noise == "log1p" else 0.0
        departure = np.log(values + shift) - np.log(expected + shift)
        floor = max(resolution, 1e-12) / (shift + expected.abs()).clip(lower=1e-12)
        if noise == "log1p":  # counts: no tighter than Poisson noise
            floor = np.maximum(floor, 1 / np.sqrt(expected + 1))
        return expected, departure / np.maximum(robust_spread(departure), floor)
    if noise == "linear":
        departure = values - expected
        return expected, departure / np.maximum(robust_spread(departure), max(resolution, 1e-12))
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
    min_value: float | None = 5,
    cooldown: pd.Timedelta = ONE_DAY,
    directions: tuple[str, ...] = ("up", "down"),
    record: int | None = None,
    margin: float = 1.0,
    peak_margin: float | None = None,
    noise: str = "poisson",
    resolution: float = 0.0,
    min_periods: int | None = None,
    span: pd.Timedelta | None = None,
) -> list[SeriesAlert]:
    """Buckets of a regular series (DatetimeIndex) whose value departs from what the
    trailing `window` buckets lead to expect (`standard_scores`) by `threshold` scales or
    more. An upward alert needs the value itself to reach `min_value` (for counts; None
    for levels) and a downward one needs the expected value to, so that a quiet series
    never alerts.

    With `record`, a bucket alerts only when it is also more unusual than any of the
    last `record` buckets (its |z| over `margin` times every earlier one's, past alerts
    included): a series whose normal life is bursty alerts on its largest bursts, not on
    each, nor on each slightly larger one. With `peak_margin`, a rise may instead be
    higher than every value of the last `record` buckets by that factor: on a series
    whose quiet hours are noisy on the log scale, the busiest five minutes in two weeks
    can be less unusual in |z| than some quiet night's blip, and still be the news.

    After an alert, its direction stays quiet for `cooldown`, and then until the series
    has come back to its expected value: a crisis that lasts three days is one alert,
    not three, and a new normal alerts once, then becomes the baseline."""
    values = series.astype(float)
    expected, zscores = standard_scores(
        values, window=window, season=season, noise=noise, resolution=resolution,
        min_periods=min_periods,
    )  # fmt: skip
    floor = -math.inf if min_value is None else min_value
    alerts: list[SeriesAlert] = []
    last: dict[str, pd.Timestamp] = {}
    settled = {"up": True, "down": True}
    # The largest |z| and the highest value of the last `record` buckets.
    largest, highest = _SlidingMax(record), _SlidingMax(record)
    for i, (at, value, base, z) in enumerate(
        zip(values.index, values, expected, zscores, strict=True)
    ):
        top = highest.top(i)
        peak = bool(peak_margin and top and top > 0 and value > peak_margin * top)
        if not math.isnan(value):
            highest.push(i, value)
        if math.isnan(z):
            continue
        # One crisis, one alert: a direction re-arms when, the cool-down over, the
        # series is back to its expected value.
        for side, back in (("up", z <= 0), ("down", z >= 0)):
            if back and (side not in last or at - last[side] >= cooldown):
                settled[side] = True
        bar = largest.top(i)
        unusual = bar is None or abs(z) > margin * bar
        largest.push(i, abs(z))
        if z >= threshold and "up" in directions and value >= floor:
            direction = "up"
        elif z <= -threshold and "down" in directions and base >= floor:
            direction = "down"
        else:
            continue
        peak = peak and direction == "up" and not unusual
        if not settled[direction] or not (unusual or peak):
            continue
        last[direction], settled[direction] = at, False
        alerts.append(SeriesAlert(
            at, direction, float(value), float(base), round(float(z), 2), record, span, peak
        ))  # fmt: skip
    return alerts


class _SlidingMax:
    """The largest value pushed at the last `width` positions (None: keeps nothing), as
    a decreasing deque of (position, value): each value is pushed and dropped once."""

    def __init__(self, width: int | None):
        self.width = width
        self.items: deque[tuple[int, float]] = deque()

    def top(self, position: int) -> float | None:
        """The largest of the values pushed before `position` within the width."""
        while self.items and self.width and self.items[0][0] <= position - self.width:
            self.items.popleft()
        return self.items[0][1] if self.items else None

    def push(self, position: int, value: float) -> None:
        if not self.width:
            return
        while self.items and self.items[-1][1] <= value:
            self.items.pop()
        self.items.append((position, value))


BUCKETS = ("day", "hour")
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
    # "weekday" ("hour"): the net sentiment was compared with the same weekday's (hour's)
    net_season: str | None = None
    # "weekday" ("hour"): the negative volume's baseline was the same weekday's (hour's)
    volume_season: str | None = None

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

    def _when(self, season: str | None, fmt: Formats) -> str | None:
        """ "for a Saturday" (daily buckets), "at 14:00 UTC" (hourly ones)."""
        _ = translations(fmt.locale).gettext
        if season is None:
            return None
        if season == "hour" and self.hour is not None:
            return _("at %(hour)s UTC") % {"hour": f"{self.hour:02d}:00"}
        return _("for a %(weekday)s") % {"weekday": fmt.weekday(self.day)}

    def reasons(self, locale: str = "en") -> list[str]:
        """Why it fired, a line per test that did, in plain words: against what, with
        which season, how far ("about 4 times the usual for a Saturday")."""
        _ = translations(locale).gettext
        fmt = Formats(locale)
        over = _("over the last %(days)s days") % {"days": BASELINE_DAYS}
        lines = []
        if self.volume_z is not None:
            when = self._when(self.volume_season, fmt) or over
            if self.baseline_negative >= 0.5:
                lines.append(_("%(n)s negative mentions, about %(times)s times the usual "
                               "%(when)s (%(usual)s)") % {
                    "n": self.negative, "when": when,
                    "times": _times(self.negative, self.baseline_negative, fmt),
                    "usual": fmt.number(self.baseline_negative, 1),
                })  # fmt: skip
            else:
                lines.append(_("%(n)s negative mentions, where there are usually none "
                               "%(when)s") % {"n": self.negative, "when": when})  # fmt: skip
        if self.net_z is not None and self.net_sentiment is not None:
            usual_when = self._when(self.net_season, fmt) or over
            lines.append(_("net sentiment %(value)s, against %(usual)s usually %(when)s "
                           "(%(z)s standard errors below)") % {
                "value": fmt.signed(self.net_sentiment), "usual": fmt.signed(self.baseline_net),
                "when": usual_when, "z": fmt.number(abs(self.net_z), 1),
            })  # fmt: skip
        if self.index_z is not None and self.reputation_index is not None:
            lines.append(_("reputation index %(value)s over the last 7 days, against %(usual)s "
                           "over the 28 days before (%(drop)s points lower)") % {
                "value": fmt.number(self.reputation_index),
                "usual": fmt.number(self.baseline_index),
                "drop": fmt.number((self.baseline_index or 0) - self.reputation_index),
            })  # fmt: skip
        return lines

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


# Mentions a bucket's own season counts as, against the whole baseline's mean: a weekday
# with few mentions keeps close to the overall mean (shrinkage).
SEASON_PRIOR = 20.0
# A chi-square of the season's groups beyond its 99th percentile: the rhythm is real.
SEASON_Z = 2.326


def _season_key(bucket: str) -> str:
    """What a season compares with: the weekday (daily buckets) or the hour."""
    return "weekday" if bucket == "day" else "hour"


def _beyond_chance(chi2: float, groups: int) -> bool:
    """A chi-square with `groups` - 1 degrees of freedom beyond its 99th percentile
    (Wilson-Hilferty's approximation: no statistics library needed)."""
    df = groups - 1
    if df < 1:
        return False
    return chi2 > df * (1 - 2 / (9 * df) + SEASON_Z * math.sqrt(2 / (9 * df))) ** 3


def _has_rhythm(counts: pd.Series, keys: pd.Series) -> bool:
    """Whether counts differ by weekday (hour) beyond chance: a Kruskal-Wallis test on
    ranks (with the correction for ties), so that one crisis day does not make a rhythm
    of its weekday."""
    frame = pd.DataFrame({"rank": counts.rank(), "key": keys.to_numpy()})
    total = len(frame)
    groups = frame.groupby("key")["rank"].agg(["sum", "count"])
    if len(groups) < 2 or groups["count"].min() < 2:
        return False
    h = 12 / (total * (total + 1)) * float((groups["sum"] ** 2 / groups["count"]).sum())
    h -= 3 * (total + 1)
    ties = counts.value_counts()
    correction = 1 - float((ties**3 - ties).sum()) / (total**3 - total)
    if correction <= 0:
        return False  # every count the same: no rhythm
    return _beyond_chance(h / correction, len(groups))


def _keys(starts: pd.Series, bucket: str) -> pd.Series:
    return starts.dt.weekday if bucket == "day" else starts.dt.hour


def _times(value: float, usual: float, fmt: Formats) -> str:
    """A ratio in words' figures: "4", "1.8"."""
    ratio = value / usual
    return fmt.number(ratio, 0 if ratio >= 2.5 else 1)


def _net_sentiment_test(
    row: pd.Series, baseline: pd.DataFrame, bucket: str
) -> tuple[float, float, str | None] | None:
    """(z, expected mean, season): the bucket's net sentiment against the baseline
    mentions' mean, in standard errors for the bucket's number of mentions.

    When the baseline shows a rhythm (its weekdays, or hours for hourly buckets, differ
    beyond chance: a chi-square test at 1%), the expected mean is the bucket's own
    weekday's (hour's), shrunk towards the overall mean by SEASON_PRIOR mentions: a
    weekend whose posters are always harsher is not news."""
    n = float(baseline["mentions"].sum())
    if n == 0 or row["mentions"] == 0:
        return None
    net_sum = baseline["positive"] - baseline["negative"]
    mean = float(net_sum.sum() / n)
    second = float((baseline["positive"].sum() + baseline["negative"].sum()) / n)
    # A floor on the variance keeps a perfectly uniform baseline from alerting on one post.
    variance = max(second - mean**2, 0.1)
    expected, season = mean, None
    keys = _keys(baseline["start"], bucket)
    groups = pd.DataFrame({"n": baseline["mentions"], "net": net_sum}).groupby(keys).sum()
    groups = groups[groups["n"] > 0]
    if len(groups) >= 2:
        chi2 = float((groups["n"] * (groups["net"] / groups["n"] - mean) ** 2).sum() / variance)
        key = _keys(pd.Series([row["start"]]), bucket).iloc[0]
        if _beyond_chance(chi2, len(groups)) and key in groups.index:
            own_n, own_net = groups.loc[key, "n"], groups.loc[key, "net"]
            weight = own_n / (own_n + SEASON_PRIOR)
            expected = mean + (own_net / own_n - mean) * weight
            season = _season_key(bucket)
    net = float((row["positive"] - row["negative"]) / row["mentions"])
    z = (net - expected) / math.sqrt(variance / float(row["mentions"]))
    return z, expected, season


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


# Back to usual, after an alert: every test within one standard error of its baseline.
USUAL_Z = 1.0


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
    before it, with the week's (the day's) rhythm when the history shows one.

    One crisis, one alert: after an alert (`previous_alerts`, bucket starts, or one
    raised here), the brand is quiet for the cool-down (3 days for daily buckets, 1 day
    for hourly ones), and then until every test is back to usual (within USUAL_Z of its
    baseline) or a whole baseline has passed. A new normal thus alerts once, and has
    become the baseline by the time the brand can alert again. The buckets since the last
    alert are replayed (no alert raised for them) to know whether it is back to usual."""
    threshold = THRESHOLDS[sensitivity]
    cooldown = cooldown or (timedelta(days=COOLDOWN_DAYS) if bucket == "day" else ONE_DAY)
    rows = bucket_rows(frame, brand, bucket)
    per_day = 1 if bucket == "day" else 24
    window = BASELINE_DAYS * per_day
    # The negative volume's rhythm (the week's for daily buckets, the day's for hourly
    # ones) when its history shows one; otherwise the trailing median.
    seasonal = _has_rhythm(rows["negative"], _keys(rows["start"], bucket))
    season_buckets = (7 if bucket == "day" else 24) if seasonal else None
    volume_season = _season_key(bucket) if seasonal else None
    expected_negative, volume_z = standard_scores(
        rows["negative"], window=window, season=season_buckets
    )
    alerted = sorted(previous_alerts or [])
    crisis = pd.Series(False, index=rows.index)  # buckets of past crises

    def calm(part: pd.DataFrame) -> pd.DataFrame:
        """A baseline without the buckets of past crises, so that last month's crisis
        does not make this month's look usual (volume is robust by its medians)."""
        return part[~crisis.loc[part.index]]

    for when in alerted:
        crisis |= (rows["start"] >= when) & (rows["start"] < when + cooldown)
    first = datetime.combine(since, time())
    baseline_span = timedelta(days=BASELINE_DAYS)
    replay_from = max(alerted[-1], first - baseline_span) if alerted else first
    alerts = []
    for i, row in rows.iterrows():
        start = row["start"].to_pydatetime()
        if start < replay_from or (alerted and start - alerted[-1] < cooldown):
            continue
        baseline = calm(rows.iloc[max(0, i - window) : i])
        if len(baseline) < 7 * per_day:
            continue  # too little history to know what is usual
        net_test = None
        if row["mentions"] >= min_volume and baseline["mentions"].sum() >= min_volume:
            net_test = _net_sentiment_test(row, baseline, bucket)
        z = volume_z.iloc[i]
        index_test = None
        if i + 1 >= (INDEX_DAYS + 7) * per_day:
            # The crisis already alerted on stays out of both windows: the index keeps it
            # for 7 days, and one crisis is one alert.
            recent = calm(rows.iloc[max(0, i + 1 - INDEX_DAYS * per_day) : i + 1])
            before = calm(rows.iloc[max(0, i + 1 - (INDEX_DAYS + BASELINE_DAYS) * per_day) :
                                    i + 1 - INDEX_DAYS * per_day])  # fmt: skip
            index_test = _index_test(recent, before, min_volume)
        if alerted and start - alerted[-1] < baseline_span:
            usual = (
                (net_test is None or net_test[0] > -USUAL_Z)
                and (math.isnan(z) or z < USUAL_Z)
                and (index_test is None or index_test[0] > -USUAL_Z)
            )
            if not usual:
                continue  # the last crisis, or a new normal not yet in the baseline
            alerted = []  # back to usual: armed again
        if start.date() < since:
            continue  # replayed only, to know whether the brand was back to usual
        net_fired = net_test is not None and net_test[0] <= -threshold
        volume_fired = not math.isnan(z) and z >= threshold and row["negative"] >= min_volume
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
                baseline_negative=round(float(expected_negative.iloc[i]), 1)
                if not pd.isna(expected_negative.iloc[i])
                else float(baseline["negative"].median()),
                net_z=round(net_test[0], 2) if net_test and net_fired else None,
                volume_z=round(float(z), 2) if volume_fired else None,
                reputation_index=round(index_test[1], 1) if index_test and index_fired else None,
                baseline_index=round(index_test[2], 1) if index_test and index_fired else None,
                index_z=round(index_test[0], 2) if index_test and index_fired else None,
                net_season=net_test[2] if net_test and net_fired else None,
                volume_season=volume_season if volume_fired else None,
            )
        )
        alerted = [start]
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
