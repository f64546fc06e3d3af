"""Alert rules on daily series built in code, and the email on a real SMTP server."""

from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pandas as pd
import pytest

from veille.demo.run import Inbox
from warehouse.alerts.backtest import SeriesError, backtest_csv, read_series, series_alerts
from warehouse.alerts.emails import AlertItem, build_alert_email
from warehouse.alerts.rules import BrandAlert, detect_brand_alerts, volume_alerts
from warehouse.mail import SmtpSettings, send_email

END = date(2026, 11, 24)


def daily(rows: list[tuple[int, int, int]], brand: str = "Fibrelia") -> pd.DataFrame:
    """(positive, neutral, negative) per day, the last tuple being END."""
    start = END - timedelta(days=len(rows) - 1)
    records = []
    for offset, (pos, neu, neg) in enumerate(rows):
        n = pos + neu + neg
        records.append(
            {
                "brand": brand,
                "day": start + timedelta(days=offset),
                "mentions": n,
                "positive": pos,
                "neutral": neu,
                "negative": neg,
                "net_sentiment": (pos - neg) / n if n else None,
                "mean_score": None,
            }
        )
    return pd.DataFrame(records)


CALM = [(2, 1, 0), (1, 1, 1), (2, 0, 0), (1, 2, 0), (0, 1, 1), (3, 0, 0), (1, 1, 0)] * 4


def test_a_crisis_raises_one_alert_with_both_tests():
    frame = daily([*CALM, (1, 1, 9), (0, 2, 12), (0, 1, 10)])
    alerts = detect_brand_alerts(frame, "Fibrelia", since=END - timedelta(days=2))
    assert len(alerts) == 1  # the cool-down holds over the next two days
    alert = alerts[0]
    assert alert.day == END - timedelta(days=2)
    assert alert.metrics == ["net_sentiment", "negative_volume"]
    assert alert.negative == 9
    assert alert.net_sentiment == pytest.approx(-8 / 11)
    assert alert.baseline_net is not None and alert.baseline_net > 0.3
    assert "net sentiment fell to -0.73" in alert.summary()
    assert "9 negative mentions in a day" in alert.summary()


def test_calm_history_raises_nothing():
    assert detect_brand_alerts(daily(CALM * 2), "Fibrelia", since=END - timedelta(days=30)) == []


def test_a_few_posts_never_make_a_crisis():
    frame = daily([*CALM, (0, 0, 4)])
    assert detect_brand_alerts(frame, "Fibrelia", since=END, min_volume=5) == []
    assert detect_brand_alerts(frame, "Fibrelia", since=END, min_volume=4) != []


def test_cooldown_counts_alerts_of_earlier_runs():
    frame = daily([*CALM, (0, 1, 10)])
    earlier = [datetime.combine(END - timedelta(days=1), time())]
    assert detect_brand_alerts(frame, "Fibrelia", since=END, previous_alerts=earlier) == []
    later = [datetime.combine(END - timedelta(days=5), time())]
    assert len(detect_brand_alerts(frame, "Fibrelia", since=END, previous_alerts=later)) == 1


def test_sensitivity_levels_are_ordered():
    frame = daily([*CALM, (2, 2, 4)])
    fired = {
        level: bool(
            detect_brand_alerts(frame, "Fibrelia", since=END, sensitivity=level, min_volume=4)
        )
        for level in ("fewer", "balanced", "more")
    }
    assert fired["more"] >= fired["balanced"] >= fired["fewer"]
    assert fired["more"] and not fired["fewer"]


def test_volume_rule_up_down_and_cooldown():
    index = pd.date_range("2026-01-01", periods=200, freq="h")
    values = pd.Series([20.0 + (i % 5) for i in range(200)], index=index)
    values.iloc[150] = 90
    values.iloc[152] = 95  # same burst: inside the cool-down
    values.iloc[190] = 0
    alerts = volume_alerts(values, window=48, cooldown=pd.Timedelta(hours=12))
    assert [(a.at, a.direction) for a in alerts] == [(index[150], "up"), (index[190], "down")]
    assert alerts[0].baseline == pytest.approx(22)


def test_backtest_csv_and_its_errors(tmp_path: Path):
    path = tmp_path / "s.csv"
    rows = ["timestamp,value"] + [f"2026-01-{d:02d} 00:00:00,{10 + d % 3}" for d in range(1, 29)]
    rows.append("2026-01-29 00:00:00,60")
    path.write_text("\n".join(rows) + "\n")
    alerts = backtest_csv(path, baseline_days=14).alerts
    assert [a["at"] for a in alerts] == ["2026-01-29T00:00:00"]
    assert alerts[0]["direction"] == "up"
    path.write_text("timestamp,value\n2026-01-01,3\nnot a date,4\n")
    with pytest.raises(SeriesError, match=r"s.csv:3: timestamp or value unreadable"):
        read_series(path)
    path.write_text("time,count\n2026-01-01,3\n")
    with pytest.raises(SeriesError, match="expected columns timestamp,value"):
        read_series(path)


def test_email_reaches_smtp_with_chart_escaped_text_and_driving_posts(smtp):
    inbox, port = smtp
    assert isinstance(inbox, Inbox)
    frame = daily([*CALM, (1, 1, 9)])
    alert = BrandAlert(
        brand="Fibrelia",
        day=END,
        mentions=11,
        negative=9,
        net_sentiment=-8 / 11,
        baseline_net=0.55,
        baseline_negative=0.0,
        net_z=-6.1,
        volume_z=9.0,
    )
    posts = [
        {
            "source_id": "forum-box",
            "author": "Zoé",
            "published_at": pd.Timestamp("2026-11-24 09:12", tz="UTC"),
            "text": "Box en panne <script>alert(1)</script> depuis hier, A&B",
            "url": "http://forum.test/viewtopic.php?t=3#p45",
            "thread_title": "Panne Fibrelia",
            "sentiment_score": -0.91,
        }
    ]
    message = build_alert_email(
        AlertItem(alert, frame, posts), sender="veille@test", recipients=["cm@fibrelia.test"]
    )
    send_email(message, SmtpSettings(host="127.0.0.1", port=port, sender="veille@test"))
    assert len(inbox.messages) == 1
    received = message_from_bytes(inbox.messages[0], policy=policy.default)
    subject = str(received["Subject"])
    assert "Fibrelia" in subject and "-0.73" in subject and "since 2026-11-24" in subject
    assert received["To"] == "cm@fibrelia.test"
    html = received.get_body(("html",)).get_content()
    plain = received.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "A&amp;B" in html
    assert "http://forum.test/viewtopic.php?t=3#p45" in html and "Zoé" in html
    assert "Box en panne" in plain
    images = [p for p in received.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert '<a href="http://forum.test/viewtopic.php?t=3#p45">' in html


def test_only_web_links_are_links_and_a_rebuilt_email_keeps_its_message_id():
    frame = daily([*CALM, (1, 1, 9)])
    alert = BrandAlert(
        brand="Fibrelia", day=END, mentions=11, negative=9, net_sentiment=-8 / 11,
        baseline_net=0.55, baseline_negative=0.0, net_z=-6.1, volume_z=9.0,
    )  # fmt: skip
    posts = [
        {"source_id": "forum-box", "author": "x", "published_at": pd.Timestamp("2026-11-24"),
         "text": f"Panne {n}", "url": url, "thread_title": None, "sentiment_score": -0.9}
        for n, url in enumerate(["javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x",
                                 "HTTPS://forum.test/t/1"])
    ]  # fmt: skip
    item = AlertItem(alert, frame, posts)
    first = build_alert_email(item, sender="veille@test", recipients=["cm@fibrelia.test"])
    html = first.get_body(("html",)).get_content()
    assert html.count("<a href=") == 1 and '<a href="HTTPS://forum.test/t/1">' in html
    assert "javascript:alert(1)" in html  # shown, as text
    again = build_alert_email(item, sender="veille@test", recipients=["cm@fibrelia.test"])
    assert first["Message-ID"] == again["Message-ID"]


def hourly_counts(days: int, evening: float = 100.0, night: float = 10.0) -> pd.Series:
    """A brand's hourly mentions: quiet nights, a busy 20:00 every day, a little noise."""
    index = pd.date_range("2026-01-01", periods=days * 24, freq="h")
    values = [evening if at.hour == 20 else night + (i * 7) % 5 for i, at in enumerate(index)]
    return pd.Series(values, index=index, dtype=float)


def test_the_usual_evening_peak_is_not_news_but_the_same_at_night_is():
    series = hourly_counts(21)
    assert volume_alerts(series, window=14 * 24, season=24) == []
    # Without the day's rhythm, every evening looks like a spike.
    assert len(volume_alerts(series, window=14 * 24)) >= 7
    night = series.copy()
    night.iloc[-5] = 100.0  # 03:00 on the last day
    alerts = volume_alerts(night, window=14 * 24, season=24)
    assert [(a.at, a.direction) for a in alerts] == [(night.index[-5], "up")]


def test_a_crisis_of_three_days_is_one_alert():
    series = hourly_counts(21)
    series.iloc[-72:] *= 4  # three days at four times the usual volume
    alerts = volume_alerts(series, window=14 * 24, season=24, cooldown=pd.Timedelta(hours=24))
    assert [a.at for a in alerts] == [series.index[-72]]
    # Back to normal after the cool-down, the next crisis alerts again.
    series = hourly_counts(24)
    series.iloc[-144:-72] *= 4
    series.iloc[-24:] *= 4
    alerts = volume_alerts(series, window=14 * 24, season=24, cooldown=pd.Timedelta(hours=24))
    assert [a.at for a in alerts] == [series.index[-144], series.index[-24]]


def test_real_tweets_with_no_option_find_labelled_spikes_and_say_why():
    # NAB's labelled windows for this series (windows.json).
    windows = [
        ("2015-03-03 04:37", "2015-03-04 13:37"),
        ("2015-03-09 01:02", "2015-03-10 10:02"),
        ("2015-03-15 10:27", "2015-03-16 19:27"),
        ("2015-03-30 10:57", "2015-03-31 19:57"),
    ]
    series = read_series(Path(__file__).parents[1] / "fixtures/timeseries/Twitter_volume_AAPL.csv")
    replay = series_alerts(series)
    assert replay.profile.step == pd.Timedelta(minutes=5) and replay.profile.counts
    assert replay.profile.season is not None and replay.profile.season.name == "week"
    found = {k for k, (a, b) in enumerate(windows) for x in replay.alerts if a <= str(x.at) <= b}
    assert len(found) >= 2 and 0 in found  # the first spike, and at least one more
    assert len(replay.alerts) <= 8  # eight weeks of a very busy brand: a few alerts, not dozens
    first = replay.alerts[0]
    assert replay.explain(first).startswith(
        "1698 is about 47 times the usual Tuesday 21:00 volume (36); 5.2 robust deviations "
        "above the baseline, the most unusual point in 14 days"
    )
    # A sliding bucket is still there for whoever asks for one.
    hourly = [a for a in series_alerts(series, bucket="1h").alerts if a.direction == "up"]
    assert hourly and all(a.span == pd.Timedelta(hours=1) for a in hourly)
    assert hourly[0].value > 5000  # an hour's tweets, summed: no 5-minute count is that high
    with pytest.raises(SeriesError, match="bucket '1 hour please'"):
        series_alerts(series, bucket="1 hour please")


def hourly_frame(negatives_at: dict[int, int], days: int = 21) -> pd.DataFrame:
    """Hourly rows as view hourly_brand_sentiment gives them: a positive post every
    hour, plus the given negative posts at the given hours from the end."""
    start = pd.Timestamp("2026-11-01 00:00")
    records = []
    total = days * 24
    for i in range(total):
        negative = negatives_at.get(total - 1 - i, 0)
        n = 1 + negative
        at = start + pd.Timedelta(hours=i)
        records.append(
            {"brand": "Fibrelia", "hour_start": at, "day": at.date(), "hour": at.hour,
             "mentions": n, "positive": 1, "neutral": 0, "negative": negative,
             "net_sentiment": (1 - negative) / n}
        )  # fmt: skip
    return pd.DataFrame(records)


def test_hourly_buckets_catch_a_burst_within_its_hour():
    frame = hourly_frame({0: 9})  # nine complaints in the last hour
    last = frame["hour_start"].iloc[-1]
    alerts = detect_brand_alerts(frame, "Fibrelia", since=last.date(), bucket="hour")
    assert len(alerts) == 1
    alert = alerts[0]
    assert (alert.day, alert.hour, alert.bucket) == (last.date(), last.hour, "hour")
    assert "9 negative mentions in an hour" in alert.summary()
    assert f"since {last:%Y-%m-%d %H}:00 UTC" in alert.summary()
    daily_id = BrandAlert("Fibrelia", last.date(), 9, 9, -0.8, 1.0, 0.0, volume_z=5.0).alert_id
    assert alert.alert_id != daily_id  # an hourly alert and a daily one never collide
    # The same burst spread over a day is no burst.
    spread = hourly_frame({h: 1 for h in range(0, 24, 3)})
    assert detect_brand_alerts(spread, "Fibrelia", since=last.date(), bucket="hour") == []


def test_a_slow_erosion_moves_the_reputation_index_before_any_single_day():
    # Four calm weeks of 6 positive and 1 negative post a day, then a week at 3 and 3:
    # no day is a crisis by itself, but the 7-day index falls from about 85 to 55.
    frame = daily([(6, 0, 1)] * 28 + [(3, 0, 3)] * 7)
    alerts = detect_brand_alerts(frame, "Fibrelia", since=END - timedelta(days=6))
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.metrics == ["reputation_index"]
    assert alert.reputation_index is not None and alert.baseline_index is not None
    assert alert.baseline_index - alert.reputation_index >= 25
    assert alert.summary().startswith("Fibrelia: reputation index fell to ")
    # A steady brand at the same volume raises nothing.
    assert detect_brand_alerts(daily([(6, 0, 1)] * 35), "Fibrelia", since=END - timedelta(6)) == []


def test_smtp_settings_read_an_airflow_connection_as_airflow_does():
    from airflow.sdk import Connection

    default = SmtpSettings.from_connection(
        Connection(conn_id="smtp_default", conn_type="smtp", host="mail.test", login="cm",
                   password="secret")
    )  # fmt: skip
    assert (default.host, default.port, default.ssl, default.starttls) == (
        "mail.test",
        465,
        True,
        False,
    )
    assert (default.user, default.password, default.sender) == ("cm", "secret", "cm")
    starttls = SmtpSettings.from_connection(
        Connection(conn_id="smtp_default", conn_type="smtp", host="mail.test", port=587,
                   extra='{"disable_ssl": "true", "from_email": "veille@brand.test"}')
    )  # fmt: skip
    assert (starttls.ssl, starttls.starttls, starttls.sender) == (False, True, "veille@brand.test")


def test_last_months_crisis_does_not_hide_this_months():
    crisis = [(1, 1, 9), (0, 2, 12), (0, 1, 10)]
    frame = daily([*CALM, *crisis, *CALM[:18], *crisis])
    alerts = detect_brand_alerts(frame, "Fibrelia", since=END - timedelta(days=30))
    assert [a.day for a in alerts] == [END - timedelta(days=23), END - timedelta(days=2)]
    # Its baseline is the calm days only: the usual net sentiment stays a calm one (the
    # crisis days, at -0.9, would pull it below zero), on its weekday's rhythm.
    assert alerts[1].baseline_net is not None and alerts[1].baseline_net > 0.25


def test_a_young_brand_is_tested_before_three_weeks_of_history():
    frame = daily([*CALM[:14], (0, 1, 12)])
    alerts = detect_brand_alerts(frame, "Fibrelia", since=END)
    assert len(alerts) == 1 and "negative_volume" in alerts[0].metrics
