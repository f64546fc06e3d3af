"""The brand rules on generated daily histories whose drops are known: a one-day crisis,
a slow erosion and a new normal each alert once; a weekend dip that comes every week,
a calm brand and a quiet one never do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench.brand_histories import START, alerts_of, crisis, erosion, history, new_normal

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
    alerts = alerts_of(crisis(seed))  # day 60: 120 posts, 70% negative
    assert [a.day for a in alerts] == [START + timedelta(days=60)]
    assert "negative_volume" in alerts[0].metrics
    # No weekly rhythm in this brand's negatives: the baseline is the last 28 days'.
    assert alerts[0].volume_season is None
    assert "times the usual over the last 28 days" in alerts[0].reasons()[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_slow_erosion_alerts_once(seed: int):
    # From day 50, the share of positive posts falls from 50% to 20% over five weeks,
    # negative ones rise from 15% to 45%: no day is a crisis by itself.
    alerts = alerts_of(erosion(seed))
    assert len(alerts) == 1
    assert alerts[0].day >= START + timedelta(days=50)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_new_normal_alerts_once_then_is_the_baseline(seed: int):
    # From day 50 on, for good: 35% negative, 30% positive.
    alerts = alerts_of(new_normal(seed))
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
