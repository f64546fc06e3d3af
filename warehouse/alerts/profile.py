"""What a history is like, read from the history itself, so that nobody has to say it:
its cadence, whether it counts things, the scale its noise lives on, its season, and
what is unusual about it (too short, constant, gaps, collection outages, a level that
moved).

The season is found by autocorrelation at a day and at a week, on ranks (a few huge
spikes must not decide the rhythm of a series) of hourly means (so that 5-minute noise
does not hide a daily rhythm). A seasonal decomposition (STL or MSTL from statsmodels)
was considered for the baseline itself; it fits a whole series at once, so each alert
would see the future, and refitting it at every point of a replay costs a fit per point
(16,000 on eight weeks of 5-minute counts). The seasonal median of `standard_scores`
is causal, robust to past crises and cheap; the autocorrelation only decides which
season it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)
HOUR = pd.Timedelta(hours=1)
# Rank autocorrelation from which a rhythm counts as a season. Chosen with the other
# settings by cross-validation over NAB's categories (bench/alerts.py).
MIN_SEASON_STRENGTH = 0.5
# A season needs three cycles of history before it can be told from chance.
SEASON_CYCLES = 3
# Values that span more than this ratio (largest / smallest, all positive) vary by
# multiples: their noise is compared on the log scale.
LOG_RANGE = 50.0
# A stretch of zero counts is a collection outage, not a fall, when the previous day's
# median rate would have brought at least this many over it: counts vary more than
# Poisson's, but no brand's mentions stop dead for an hour while a collector runs.
OUTAGE_COUNT = 50.0


@dataclass(frozen=True)
class Season:
    name: str  # "day" or "week"
    period: pd.Timedelta
    strength: float  # rank autocorrelation of hourly means at the period

    def describe(self) -> str:
        daily = self.name == "day"
        same = "time of day on earlier days" if daily else "time on earlier weeks"
        return (
            f"{'daily' if daily else 'weekly'} season (the same {same}; rank "
            f"autocorrelation {self.strength:.2f})"
        )


@dataclass(frozen=True)
class Profile:
    """A history's shape, as the alert rule uses it."""

    step: pd.Timedelta  # the cadence: the median gap between points
    counts: bool  # non-negative whole numbers (posts, tweets)
    noise: str  # the scale of `standard_scores`: poisson, log1p, log or linear
    season: Season | None
    resolution: float  # the smallest gap between two distinct values (0 when constant)
    notes: tuple[str, ...]  # what is unusual about the history, and what was done
    # (first, last) points of each stretch of zeros read as a collection outage
    outages: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()

    def describe(self) -> str:
        kind = "counts" if self.counts else "levels"
        scale = {
            "poisson": ", compared with Poisson noise as the least",
            "log1p": ", compared on the log scale",
            "log": ", compared on the log scale",
            "linear": "",
        }[self.noise]
        season = self.season.describe() if self.season else "no season"
        return f"{kind}{scale}, {season}"


def rank_autocorrelation(values: np.ndarray, lag: int) -> float:
    """Spearman's correlation between the series and itself `lag` points later (NaN when
    it cannot be told: too short, or one side constant)."""
    if lag >= len(values) - 2:
        return float("nan")
    first, second = values[:-lag], values[lag:]
    both = ~np.isnan(first) & ~np.isnan(second)
    if both.sum() < 10:
        return float("nan")
    first = pd.Series(first[both]).rank().to_numpy()
    second = pd.Series(second[both]).rank().to_numpy()
    if first.std() == 0 or second.std() == 0:
        return float("nan")
    return float(np.corrcoef(first, second)[0, 1])


def find_season(
    values: pd.Series, step: pd.Timedelta, *, min_strength: float = MIN_SEASON_STRENGTH
) -> Season | None:
    """The day's or the week's rhythm, whichever is stronger (the week only when clearly
    so: it needs three times the history), when it reaches `min_strength`."""
    hourly = values.resample(HOUR).mean() if step < HOUR else values
    unit = max(step, HOUR)
    span = values.index[-1] - values.index[0]
    best: Season | None = None
    for name, period in (("day", DAY), ("week", WEEK)):
        if period <= unit or span < SEASON_CYCLES * period:
            continue
        strength = rank_autocorrelation(hourly.to_numpy(dtype=float), int(period / unit))
        if np.isnan(strength) or strength < min_strength:
            continue
        if best is None or strength > best.strength + 0.05:
            best = Season(name, period, round(strength, 3))
    return best


def profile_series(
    series: pd.Series,
    step: pd.Timedelta,
    *,
    regular: pd.Series | None = None,
    min_strength: float = MIN_SEASON_STRENGTH,
) -> Profile:
    """The profile of a history read by `read_series`, at its regular `step`; `regular`,
    when the caller has it, is the history resampled at that step (NaN where missing)."""
    values = series.to_numpy(dtype=float)
    counts = bool((values >= 0).all() and np.allclose(values, np.round(values)))
    positive = values[values > 0]
    if counts:
        # Counts of a busy source vary by multiples; a quiet one's by a post or two.
        noise = "log1p" if np.median(values) >= 1 else "poisson"
    elif (values > 0).all() and positive.max() / positive.min() > LOG_RANGE:
        noise = "log"
    else:
        noise = "linear"
    distinct = np.unique(values)
    resolution = float(np.diff(distinct).min()) if len(distinct) > 1 else 0.0
    notes = []
    expected_points = int((series.index[-1] - series.index[0]) / step) + 1
    missing = expected_points - len(series)
    if missing > 0:
        notes.append(
            f"{missing:,} of {expected_points:,} points missing: left out, neither counted "
            "as 0 nor compared"
        )
    if len(distinct) == 1:
        notes.append(
            f"every value is {distinct[0]:g}: nothing is unusual until it moves, and the "
            "first move alerts"
        )
    if regular is None:
        regular = series.resample(step).mean()
    season = find_season(regular, step, min_strength=min_strength)
    notes.extend(_level_shift(regular))
    outages = collection_outages(regular, step) if counts else []
    if outages:
        first, last, expected = max(outages, key=lambda o: o[1] - o[0])
        notes.append(
            f"{len(outages)} stretch{'es' if len(outages) > 1 else ''} of zeros where the previous "
            f"day's median rate would have brought {OUTAGE_COUNT:g} or more (the longest from "
            f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}, about {expected:,.0f} expected): "
            "read as collection outages and left out like missing points, not as falls"
        )
    spans = tuple((first, last) for first, last, _ in outages)
    return Profile(step, counts, noise, season, resolution, tuple(notes), spans)


def collection_outages(
    regular: pd.Series, step: pd.Timedelta
) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """(first, last, expected count) of each run of zeros in a count series (at its
    regular step) over which the median of the day before it would have brought
    OUTAGE_COUNT or more. Judged on the day before the run, so a replay decides as a
    live run would once the run is that long."""
    values = regular.to_numpy(dtype=float)
    per_day = max(1, int(DAY / step))
    outages = []
    zero = np.flatnonzero(values == 0)
    if not len(zero):
        return []
    # Runs of consecutive zeros: split where the next zero is not the next point.
    for run in np.split(zero, np.flatnonzero(np.diff(zero) > 1) + 1):
        start, end = int(run[0]), int(run[-1])
        before = values[max(0, start - per_day) : start]
        before = before[~np.isnan(before)]
        if len(before) < per_day // 2:
            continue  # too little of a day before to know its rate
        expected = float(np.median(before)) * len(run)
        if expected >= OUTAGE_COUNT:
            outages.append((regular.index[start], regular.index[end], expected))
    return outages


def _level_shift(values: pd.Series) -> list[str]:
    """A note when the last third's median is far from the first third's, in their
    robust spread: a new normal, which alerts once and then becomes the baseline."""
    clean = values.dropna()
    if len(clean) < 30:
        return []
    third = len(clean) // 3
    first, last = clean.iloc[:third], clean.iloc[-third:]
    spread = max(
        float(first.quantile(0.75) - first.quantile(0.25)),
        float(last.quantile(0.75) - last.quantile(0.25)),
    )
    before, after = float(first.median()), float(last.median())
    if spread <= 0 or abs(after - before) < 3 * spread:
        return []
    return [
        f"the level moved from about {before:.3g} to about {after:.3g}: a new normal alerts "
        "once, then becomes the baseline as the baseline window fills with it"
    ]
