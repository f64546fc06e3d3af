"""The brand rules on generated daily histories whose drops are known: a one-day crisis,
a slow erosion and a new normal each alert once; a weekend dip that comes every week,
a calm brand and a quiet one never do."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from warehouse.alerts.rules import detect_brand_alerts

START = date(2026, 1, 5)  # a Monday
DAYS = 84  # twelve weeks
JUDGED_FROM = START + timedelta(days=28)  # the first four weeks are history


def history(
    seed: int,
    shape: dict[int, tuple[float, float, float]] | None = None,
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


def alerts_of(frame: pd.DataFrame) -> list:
    """The alerts of a daily run over the judged weeks, each run seeing its past alerts."""
    found: list = []
    for offset in range(28, DAYS):
        day = START + timedelta(days=offset)
        past = [pd.Timestamp(a.day).to_pydatetime() for a in found]
        upto = frame[frame["day"] <= day]
        found += detect_brand_alerts(upto, "Brand", since=day, previous_alerts=past)
    return found


SEEDS = [1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_calm_brand_never_alerts(seed: int):
    assert alerts_of(history(seed)) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_weekend_dip_that_comes_every_week_is_usual(seed: int):
    # Weekend posters are harsher: 35% negative, 30% positive, every weekend.
    assert alerts_of(history(seed, weekend=(0.3, 0.35))) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_one_day_crisis_alerts_once_on_its_day(seed: int):
    crisis = {60: (120.0, 0.1, 0.7)}
    alerts = alerts_of(history(seed, crisis))
    assert [a.day for a in alerts] == [START + timedelta(days=60)]
    assert "negative_volume" in alerts[0].metrics
    # No weekly rhythm in this brand's negatives: the baseline is the last 28 days'.
    assert alerts[0].volume_season is None
    assert "times the usual over the last 28 days" in alerts[0].reasons()[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_slow_erosion_alerts_once(seed: int):
    # From day 50, the share of positive posts falls from 50% to 20% over five weeks,
    # negative ones rise from 15% to 45%: no day is a crisis by itself.
    erosion = {d: (30.0, 0.5 - 0.3 * (d - 49) / 34, 0.15 + 0.3 * (d - 49) / 34)
               for d in range(50, DAYS)}  # fmt: skip
    alerts = alerts_of(history(seed, erosion))
    assert len(alerts) == 1
    assert alerts[0].day >= START + timedelta(days=50)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_new_normal_alerts_once_then_is_the_baseline(seed: int):
    # From day 50 on, for good: 35% negative, 30% positive.
    shift = {d: (30.0, 0.3, 0.35) for d in range(50, DAYS)}
    alerts = alerts_of(history(seed, shift))
    assert len(alerts) == 1
    assert START + timedelta(days=50) <= alerts[0].day <= START + timedelta(days=57)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_quiet_brand_does_not_alert_on_a_few_posts(seed: int):
    # Three mentions a day; one day with four negative posts.
    assert alerts_of(history(seed, {60: (4.0, 0.0, 1.0)}, rate=3.0)) == []


def test_a_crisis_on_a_harsh_weekend_says_against_what_and_when():
    # Weekends are usually harsher; this Saturday (day 61) is far worse still.
    frame = history(1, {61: (90.0, 0.05, 0.85)}, weekend=(0.3, 0.35))
    alerts = alerts_of(frame)
    assert [a.day for a in alerts] == [START + timedelta(days=61)]
    alert = alerts[0]
    assert alert.net_season == "weekday" and alert.net_z is not None
    assert alert.volume_season == "weekday"  # weekends have more negative posts too
    # The usual is a Saturday's, lower than the weekdays' +0.35.
    assert alert.baseline_net is not None and alert.baseline_net < 0.2
    english, french = alert.reasons("en"), alert.reasons("fr")
    assert any("usual for a Saturday" in line for line in english), english
    assert any(
        line.startswith("net sentiment -0.") and "usually for a Saturday" in line
        for line in english
    ), english
    assert any("pour un samedi" in line for line in french), french
