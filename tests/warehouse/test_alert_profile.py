"""The replay reads a history's cadence, season and scale from the history itself, and
says what it did with an unusual one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from warehouse.alerts.backtest import backtest_csv, series_alerts
from warehouse.alerts.profile import profile_series
from warehouse.alerts.rules import SeriesSettings


def rhythmic(freq: str, periods: int, period: pd.Timedelta, seed: int = 1) -> pd.Series:
    """Counts with a rhythm of `period` (busy half, quiet half) and Poisson noise."""
    index = pd.date_range("2026-01-05", periods=periods, freq=freq)
    phase = ((index - index[0]) % period) / period
    level = np.where(phase < 0.5, 200.0, 40.0)
    return pd.Series(np.random.default_rng(seed).poisson(level).astype(float), index=index)


@pytest.mark.parametrize(
    ("freq", "periods", "period", "season"),
    [
        ("5min", 288 * 10, pd.Timedelta(days=1), "day"),
        ("h", 24 * 21, pd.Timedelta(days=1), "day"),
        ("D", 70, pd.Timedelta(days=7), "week"),
    ],
)
def test_the_season_is_read_from_the_history(
    freq: str, periods: int, period: pd.Timedelta, season: str
):
    series = rhythmic(freq, periods, period)
    profile = profile_series(series, pd.Timedelta(freq if freq[0].isdigit() else f"1{freq}"))
    assert profile.counts and profile.noise == "log1p"
    assert profile.season is not None and profile.season.name == season
    # The usual rhythm is not news: at most one alert (chance) on all of it.
    assert len(series_alerts(series).alerts) <= 1
    # Without a rhythm there is no season.
    flat = pd.Series(np.random.default_rng(2).poisson(50, periods).astype(float), series.index)
    assert profile_series(flat, profile.step).season is None


def test_a_spike_on_a_quiet_hour_alerts_and_says_against_what(tmp_path: Path):
    series = rhythmic("h", 24 * 21, pd.Timedelta(days=1))
    night = series.index[-3]  # 21:00 on the last day: a quiet hour
    series[night] = 200.0
    path = tmp_path / "hours.csv"
    series.rename_axis("timestamp").rename("value").to_csv(path)
    backtest = backtest_csv(path)
    assert [a["at"] for a in backtest.alerts] == [night.isoformat()]
    alert = backtest.alerts[0]
    assert alert["season"] == "day" and alert["rule"] == "record"
    assert alert["explanation"].startswith("200 is about 5 times the usual 21:00 volume (")
    assert "read as counts, compared on the log scale, daily season" in backtest.replayed


FIRST_BURST, SECOND_BURST = pd.Timestamp("2026-01-15 14:00"), pd.Timestamp("2026-01-22 15:00")


def two_bursts() -> pd.Series:
    """A steady 40 posts per 5 minutes with two bursts a week apart, 150 then 185."""
    index = pd.date_range("2026-01-05", periods=288 * 21, freq="5min")
    values = pd.Series(np.random.default_rng(1).poisson(40, len(index)).astype(float), index)
    values[FIRST_BURST], values[SECOND_BURST] = 150.0, 185.0
    return values


def test_the_busiest_five_minutes_in_two_weeks_alerts_though_not_the_most_unusual_z():
    # The second burst, 185, is less than 20% more unusual in |z| than the first (150,
    # which sets the record bar), yet higher than any point of the last 14 days by more
    # than 20%.
    values = two_bursts()
    first, second = FIRST_BURST, SECOND_BURST

    def alerts(peak_margin: float | None) -> list[tuple[pd.Timestamp, bool]]:
        settings = SeriesSettings(5.0, 14.0, 1.2, 6.0, 6.0, peak_margin)
        return [(a.at, a.peak) for a in series_alerts(values, settings=settings).alerts]

    assert alerts(None) == [(first, False)]
    assert alerts(1.2) == [(first, False), (second, True)]
    # Not a higher one within the margin: 175 is less than 20% above 150.
    values[second] = 175.0
    assert alerts(1.2) == [(first, False)]


def test_a_peak_says_so_in_the_backtest_as_shipped(tmp_path: Path):
    path = tmp_path / "five-minutes.csv"
    two_bursts().rename_axis("timestamp").rename("value").to_csv(path)
    first, second = backtest_csv(path).alerts
    assert first["rule"] == "record" and second["rule"] == "peak"
    alert = second
    assert alert["explanation"] == (
        "185 is about 5 times the usual volume (40); 9.7 robust deviations above the "
        "baseline, the highest volume in 14 days"
    )


def test_a_new_normal_alerts_once_then_becomes_the_baseline():
    index = pd.date_range("2026-01-01", periods=24 * 60, freq="h")
    noise = np.random.default_rng(3).normal(0, 1, len(index))
    values = pd.Series(50 + noise, index=index)
    values.iloc[24 * 20 :] += 30  # from day 20 on, a new level, for 40 days
    replay = series_alerts(values)
    assert [(a.at, a.direction) for a in replay.alerts] == [(index[24 * 20], "up")]
    assert any("the level moved from about 50 to about 80" in n for n in replay.profile.notes)


def test_levels_are_compared_on_their_own_scale():
    # A CPU load around 0.1 (not counts): a move to 0.5 is an alert, 0.1001 is not.
    index = pd.date_range("2026-01-01", periods=288 * 6, freq="5min")
    noise = np.random.default_rng(4).normal(0, 0.002, len(index))
    values = pd.Series(0.1 + noise, index=index)
    assert profile_series(values, pd.Timedelta(minutes=5)).noise == "linear"
    assert series_alerts(values).alerts == []
    values.iloc[-10] = 0.5
    assert [a.at for a in series_alerts(values).alerts] == [index[-10]]


@pytest.mark.parametrize(
    ("values", "note"),
    [
        ([45.0] * 400, "every value is 45: nothing is unusual until it moves"),
        ([0.0] * 400, "every value is 0"),
        ([3.0, 4.0, 5.0] * 10, "30 points: too short to know what is usual"),
    ],
)
def test_an_unusual_history_is_said_not_flooded(tmp_path: Path, values: list[float], note: str):
    index = pd.date_range("2026-01-01", periods=len(values), freq="h")
    path = tmp_path / "s.csv"
    pd.Series(values, index=index).rename_axis("timestamp").rename("value").to_csv(path)
    backtest = backtest_csv(path)
    assert backtest.alerts == []
    assert note in backtest.replayed


def test_gaps_are_left_out_not_counted_as_zero(tmp_path: Path):
    series = rhythmic("h", 24 * 21, pd.Timedelta(days=1))
    gappy = series.drop(series.index[24 * 10 : 24 * 12])  # the collector was down two days
    path = tmp_path / "s.csv"
    gappy.rename_axis("timestamp").rename("value").to_csv(path)
    backtest = backtest_csv(path)
    assert backtest.alerts == []  # two days of zeros would have been two alerts
    assert "48 of 504 points missing: left out, neither counted as 0 nor compared" in (
        backtest.replayed
    )


def test_a_stretch_of_zeros_on_a_busy_series_is_an_outage_not_a_fall(tmp_path: Path):
    """A collector that writes zeros while it is down: no fall alerted, and said; a real
    fall of the same series, to a few posts, still alerts."""
    index = pd.date_range("2026-01-05", periods=288 * 10, freq="5min")
    counts = np.random.default_rng(3).poisson(20.0, len(index)).astype(float)
    outage = slice(288 * 8, 288 * 8 + 24)  # two hours of zeros on the ninth day
    counts[outage] = 0.0
    path = tmp_path / "s.csv"
    series = pd.Series(counts, index=index)
    series.rename_axis("timestamp").rename("value").to_csv(path)
    backtest = backtest_csv(path)
    assert backtest.alerts == []
    assert (
        "1 stretch of zeros where the previous day's median rate would have brought 50 or "
        "more (the longest from 2026-01-13 00:00 to 2026-01-13 01:55, about 480 expected)"
    ) in backtest.replayed
    fall = series.copy()
    fall.iloc[outage] = 2.0
    [alert] = series_alerts(fall).alerts
    assert alert.direction == "down" and index[outage][0] <= alert.at <= index[outage][-1]
    # On a quiet series, zeros are its normal life.
    quiet = pd.Series(np.random.default_rng(4).poisson(0.5, len(index)).astype(float), index)
    assert profile_series(quiet, pd.Timedelta(minutes=5)).outages == ()
