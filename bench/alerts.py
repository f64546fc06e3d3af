"""Alert quality on real brand mention volumes with labelled anomalies, next to two
baselines, in one run.

Data: ../shared/data/timeseries/nab (NAB realTweets: tweets a 5 minutes naming a brand,
and the anomaly windows NAB's labellers marked, windows.json). Every method is run as
each 5-minute point arrives; a point's count is known when its 5 minutes end, so an
alert's time is its point's time plus 5 minutes (plus 1 hour for clock-hour buckets).
- veille: `warehouse.alerts.backtest.series_alerts` with `--bucket 1h`, as `veille alerts
  backtest` runs it: each point's last hour (a sliding sum), expected = median of the
  same hour on each of the last 14 days, spread = IQR / 1.349 of the last 14 days'
  log-departures (these volumes are far above 30 an hour, where Veille takes the noise
  to be multiplicative), upward alerts, 24-hour cool-down; at each sensitivity.
- huginn: Huginn's PeakDetectorAgent with its defaults: a value above the mean + 3
  (population) standard deviations of the values of the last 14 days, at least 2 days
  between peaks. Run twice: on the 5-minute counts (its natural input, one event a
  point) and on clock-hour sums.
- variation: the last 24 hours' total above the mean + 2 (sample) standard deviations
  of the 7 daily totals before it, 24-hour cool-down; evaluated at each 5-minute point
  and at each clock hour.

Scoring: scoring starts after 7 days (the variation rule needs them; every method gets
the same warm-up), and windows that start earlier are left out. A window is detected
when an alert falls inside it; the delay is from the window's start to its first alert.
An alert outside every window is a false alarm. Precision = detected windows /
(detected windows + false alarms); recall = detected windows / windows. There is no
other labelled volume series here: the "balanced" threshold was chosen on these same
series, so read Veille's figures as fit, and the three sensitivities as the trade-off.

    .venv/bin/python bench/alerts.py [--data ../shared/data/timeseries/nab]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from warehouse.alerts.backtest import read_series, series_alerts
from warehouse.alerts.rules import THRESHOLDS

DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "timeseries" / "nab"
)
STEP = pd.Timedelta(minutes=5)
HOUR = pd.Timedelta(hours=1)
WARM_UP = pd.Timedelta(days=7)

Detector = Callable[[pd.Series], list[pd.Timestamp]]


@dataclass
class Totals:
    windows: int = 0
    detected: int = 0
    false_alarms: int = 0
    delays: list[float] = field(default_factory=list)
    seconds: float = 0.0


def veille(sensitivity: str) -> Detector:
    def detect(points: pd.Series) -> list[pd.Timestamp]:
        alerts = series_alerts(points, bucket="1h", sensitivity=sensitivity, directions=("up",))
        return [alert.at + STEP for alert in alerts]

    return detect


def hourly(detect: Detector) -> Detector:
    """The detector on clock-hour sums; an hour is known when it ends."""

    def run(points: pd.Series) -> list[pd.Timestamp]:
        return [at - STEP + HOUR for at in detect(points.resample(HOUR).sum())]

    return run


def huginn(points: pd.Series) -> list[pd.Timestamp]:
    """PeakDetectorAgent: window_duration_in_days 14, std_multiple 3,
    min_peak_spacing_in_days 2, min_events 4."""
    window = pd.Timedelta(days=14)
    peaks: list[pd.Timestamp] = []
    times, values = points.index, points.to_numpy(dtype=float)
    start = 0
    for i in range(len(values)):
        while times[start] < times[i] - window:
            start += 1
        history = values[start:i]
        if len(history) <= 4:
            continue
        if peaks and times[i] - peaks[-1] < pd.Timedelta(days=2):
            continue
        if values[i] > history.mean() + 3 * history.std():
            peaks.append(times[i])
    return [at + STEP for at in peaks]


def variation(points: pd.Series) -> list[pd.Timestamp]:
    """The last 24 hours against the 7 days before them, 24-hour cool-down."""
    per_day = int(pd.Timedelta(days=1) / pd.Timedelta(points.index.freq or STEP))
    last_day = points.rolling(per_day).sum().to_numpy()
    alerts: list[pd.Timestamp] = []
    for i in range(8 * per_day, len(points)):
        before = np.array([last_day[i - per_day * k] for k in range(1, 8)])
        if last_day[i] > before.mean() + 2 * before.std(ddof=1):
            at = points.index[i] + STEP
            if not alerts or at - alerts[-1] >= pd.Timedelta(hours=24):
                alerts.append(at)
    return alerts


def score(
    alerts: list[pd.Timestamp], windows: list[tuple[pd.Timestamp, pd.Timestamp]]
) -> tuple[int, int, list[float]]:
    """(windows detected, false alarms, delays in hours)."""
    first: dict[int, pd.Timestamp] = {}
    false_alarms = 0
    for at in alerts:
        inside = [k for k, (start, end) in enumerate(windows) if start <= at <= end]
        if inside:
            first.setdefault(inside[0], at)
        else:
            false_alarms += 1
    delays = [(at - windows[k][0]) / pd.Timedelta(hours=1) for k, at in first.items()]
    return len(first), false_alarms, delays


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    windows_by_file = json.loads((args.data / "windows.json").read_text())
    methods: dict[str, Detector] = {
        **{f"veille {level}": veille(level) for level in THRESHOLDS},
        "huginn 5 min": huginn,
        "huginn hourly": hourly(huginn),
        "variation 5 min": variation,
        "variation hourly": hourly(variation),
    }
    totals = {name: Totals() for name in methods}
    print(f"data: {args.data}; scored after a {WARM_UP.days}-day warm-up\n")
    print(f"{'series':<28} {'method':<16} {'windows':>7} {'found':>5} {'false':>5} delays (h)")
    for name, raw_windows in sorted(windows_by_file.items()):
        points = read_series(args.data / name).resample(STEP).sum()
        scored_from = points.index[0] + WARM_UP
        windows = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in raw_windows]
        windows = [w for w in windows if w[0] >= scored_from]
        for method, detect in methods.items():
            started = time.perf_counter()
            alerts = [at for at in detect(points) if at >= scored_from]
            row = totals[method]
            row.seconds += time.perf_counter() - started
            found, false_alarms, delays = score(alerts, windows)
            row.windows += len(windows)
            row.detected += found
            row.false_alarms += false_alarms
            row.delays += delays
            shown = ", ".join(f"{d:.0f}" for d in sorted(delays)) or "-"
            print(
                f"{Path(name).stem:<28} {method:<16} {len(windows):>7} {found:>5} "
                f"{false_alarms:>5} {shown}"
            )
    print(
        f"\n{'method':<16} {'windows':>7} {'found':>5} {'false':>5} {'precision':>9} "
        f"{'recall':>6} {'F1':>5} {'median delay':>12} {'time':>7}"
    )
    for method, row in totals.items():
        found, false_alarms = row.detected, row.false_alarms
        precision = found / (found + false_alarms) if found + false_alarms else 0.0
        recall = found / row.windows if row.windows else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        delay = f"{statistics.median(row.delays):.1f} h" if row.delays else "-"
        print(
            f"{method:<16} {row.windows:>7} {found:>5} {false_alarms:>5} {precision:>9.3f} "
            f"{recall:>6.3f} {f1:>5.3f} {delay:>12} {row.seconds:>6.2f}s"
        )


if __name__ == "__main__":
    main()
