"""The brand rules on generated daily histories whose drops are known, over many random
draws: how often each scenario alerts, and when.

Each history is twelve weeks of a brand's daily mentions (Poisson, 30 a day; each post
positive with probability 0.5 and negative with 0.15), judged day by day from the fifth
week on as `veille run` does (each day sees the alerts of the days before):
- calm: nothing happens;
- weekend dip: every Saturday and Sunday, 35% negative and 30% positive (usual);
- quiet: three posts a day, and one day of four negative posts (too few to matter);
- one-day crisis: day 60 has 120 posts, 70% negative;
- slow erosion: from day 50, the positive share falls from 50% to 20% and the negative
  one rises from 15% to 45% over five weeks;
- new normal: from day 50 on, for good, 35% negative and 30% positive.
The first three should never alert; the last three should alert once, on or after the
day the drop starts (at most a week after, for the new normal). No setting was tuned on
these histories: they test the rules' behaviour, they do not choose it.

    .venv/bin/python bench/brand_histories.py [--draws 100]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from warehouse.alerts.rules import BrandAlert, detect_brand_alerts

START = date(2026, 1, 5)  # a Monday
DAYS = 84  # twelve weeks
JUDGED_FROM = 28  # the first four weeks are history

Shape = dict[int, tuple[float, float, float]]


def history(
    seed: int,
    shape: Shape | None = None,
    *,
    rate: float = 30.0,
    weekend: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Daily rows as view daily_brand_sentiment gives them: Poisson(`rate`) mentions a
    day, each positive with probability 0.5 and negative with 0.15, except on the days
    of `shape` ({day: (mentions, p_positive, p_negative)}) and, with `weekend`, on
    Saturdays and Sundays ((p_positive, p_negative))."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        mentions, positive, negative = float(rng.poisson(rate)), 0.5, 0.15
        if weekend and day.weekday() >= 5:
            positive, negative = weekend
        if shape and offset in shape:
            mentions, positive, negative = shape[offset]
        n = int(mentions)
        pos, neg, neu = rng.multinomial(n, [positive, negative, 1 - positive - negative])
        net = (pos - neg) / n if n else None
        rows.append({"brand": "Brand", "day": day, "mentions": n, "positive": pos,
                     "neutral": neu, "negative": neg, "net_sentiment": net,
                     "mean_score": None})  # fmt: skip
    return pd.DataFrame(rows)


def alerts_of(frame: pd.DataFrame) -> list[BrandAlert]:
    """The alerts of a daily run over the judged weeks, each run seeing its past alerts."""
    found: list[BrandAlert] = []
    for offset in range(JUDGED_FROM, DAYS):
        day = START + timedelta(days=offset)
        past = [pd.Timestamp(a.day).to_pydatetime() for a in found]
        found += detect_brand_alerts(
            frame[frame["day"] <= day], "Brand", since=day, previous_alerts=past
        )
    return found


def crisis(seed: int) -> pd.DataFrame:
    return history(seed, {60: (120.0, 0.1, 0.7)})


def erosion(seed: int) -> pd.DataFrame:
    shape = {d: (30.0, 0.5 - 0.3 * (d - 49) / 34, 0.15 + 0.3 * (d - 49) / 34)
             for d in range(50, DAYS)}  # fmt: skip
    return history(seed, shape)


def new_normal(seed: int) -> pd.DataFrame:
    return history(seed, {d: (30.0, 0.3, 0.35) for d in range(50, DAYS)})


# name: (history, first day of the drop or None for no drop)
SCENARIOS: dict[str, tuple[Callable[[int], pd.DataFrame], int | None]] = {
    "calm": (history, None),
    "weekend dip": (lambda seed: history(seed, weekend=(0.3, 0.35)), None),
    "quiet": (lambda seed: history(seed, {60: (4.0, 0.0, 1.0)}, rate=3.0), None),
    "one-day crisis": (crisis, 60),
    "slow erosion": (erosion, 50),
    "new normal": (new_normal, 50),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args()
    print(f"{args.draws} draws a scenario, seeds 1000 on; alerts over weeks 5 to 12\n")
    print(f"{'scenario':<16} {'0 alerts':>8} {'1 alert':>8} {'2+':>4} {'early':>5} "
          f"{'median delay':>12} {'time':>6}")  # fmt: skip
    for name, (make, drop) in SCENARIOS.items():
        started = time.perf_counter()
        counts = {0: 0, 1: 0, 2: 0}
        early, delays = 0, []
        for seed in range(1000, 1000 + args.draws):
            alerts = alerts_of(make(seed))
            counts[min(len(alerts), 2)] += 1
            if drop is not None:
                days = [(a.day - START).days for a in alerts]
                early += sum(1 for d in days if d < drop)
                delays += [d - drop for d in days if d >= drop][:1]
        delay = f"{statistics.median(delays):.0f} days" if delays else "-"
        print(
            f"{name:<16} {counts[0]:>8} {counts[1]:>8} {counts[2]:>4} {early:>5} "
            f"{delay:>12} {time.perf_counter() - started:>5.0f}s"
        )
    print(
        "\nearly: alerts before the drop started (false alarms); the first three "
        "scenarios have no drop, so every alert there is one."
    )


if __name__ == "__main__":
    main()
