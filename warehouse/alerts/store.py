"""The SQL of alerts: the buckets the rules read, the posts and topics an alert's email
shows, and the alert history, which is also the outbox (an alert is stored, then sent
from there)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import duckdb
import pandas as pd

from warehouse.alerts.rules import BASELINE_DAYS, BUCKETS, BrandAlert
from warehouse.lake import upsert_sql


def read_buckets(con: duckdb.DuckDBPyConnection, bucket: str = "day") -> pd.DataFrame:
    """`daily_brand_sentiment` or `hourly_brand_sentiment`, with `day` as dates (DuckDB
    hands pandas timestamps)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket {bucket!r}: choose one of {', '.join(BUCKETS)}")
    view = "daily_brand_sentiment" if bucket == "day" else "hourly_brand_sentiment"
    frame = con.execute(f"SELECT * FROM {view}").df()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame


def driving_posts(
    con: duckdb.DuckDBPyConnection, alert: BrandAlert, limit: int = 5
) -> list[dict[str, Any]]:
    """The posts most negative about the brand, from the alert's bucket on."""
    frame = con.execute(
        "SELECT source_id, author, published_at, text, url, thread_title, sentiment_score "
        "FROM brand_mentions WHERE brand = ? AND timezone('UTC', published_at) >= ? "
        "AND sentiment = 'negative' ORDER BY sentiment_score, published_at LIMIT ?",
        [alert.brand, alert.start, limit],
    ).df()
    return frame.to_dict("records")


def growing_topics(
    con: duckdb.DuckDBPyConnection, alert: BrandAlert, limit: int = 3
) -> list[dict[str, Any]]:
    """The brand's topics that grew most in the alert's week (view topic_trends)."""
    frame = con.execute(
        "SELECT topic, mentions, growth FROM topic_trends WHERE brand = ? "
        "AND week = CAST(date_trunc('week', CAST(? AS DATE)) AS DATE) AND growth > 0 "
        "ORDER BY growth DESC, topic LIMIT ?",
        [alert.brand, alert.day, limit],
    ).df()
    return frame.to_dict("records")


def aspects_against_usual(
    con: duckdb.DuckDBPyConnection, brand: str, first_day: date, limit: int = 3
) -> list[dict[str, Any]]:
    """The aspects whose negative posts from `first_day` to the brand's last day most
    exceed their usual number over as many days (the mean a day of the BASELINE_DAYS
    before; view aspect_sentiment_daily): "customer service: 12 negative posts, usually
    1". At least 2 negative posts, more than usual. Each row: aspect, negative, usual,
    days."""
    frame = con.execute(
        "WITH span AS ("
        "  SELECT greatest(max(day) - $day + 1, 1) AS days FROM brand_mentions"
        "  WHERE brand = $brand"
        ") SELECT aspect, negative, usual * days AS usual, days FROM ("
        "  SELECT aspect,"
        "    coalesce(sum(negative) FILTER (WHERE day >= $day), 0) AS negative,"
        "    coalesce(sum(negative) FILTER (WHERE day < $day), 0) / $baseline AS usual"
        "  FROM aspect_sentiment_daily"
        "  WHERE brand = $brand AND day >= $day - $baseline"
        "  GROUP BY aspect"
        "), span WHERE negative >= 2 AND negative > usual * days "
        "ORDER BY negative - usual * days DESC, aspect LIMIT $limit",
        {"brand": brand, "day": first_day, "baseline": BASELINE_DAYS, "limit": limit},
    ).df()
    return frame.to_dict("records")


def previous_alerts(con: duckdb.DuckDBPyConnection, brand: str) -> list[datetime]:
    """The bucket starts of the brand's alerts in the history."""
    rows = con.execute(
        "SELECT day, hour FROM alerts WHERE brand = ? ORDER BY day, hour", [brand]
    ).fetchall()
    return [datetime.combine(day, time(hour or 0)) for day, hour in rows]


STORED_FIELDS = ("brand", "day", "hour", "mentions", "negative", "net_sentiment",
                  "baseline_net", "baseline_negative", "net_z", "volume_z",
                  "reputation_index", "baseline_index", "index_z", "net_season",
                  "volume_season")  # fmt: skip


def pending_alerts(con: duckdb.DuckDBPyConnection) -> list[tuple[BrandAlert, str]]:
    """Every alert of the history whose email has not gone out, oldest first, with its
    delivery (email or digest): the outbox, whatever the run that raised it."""
    rows = con.execute(
        f"SELECT {', '.join(STORED_FIELDS)}, delivery FROM alerts WHERE sent_at IS NULL "
        "ORDER BY day, hour, brand"
    ).fetchall()
    return [
        (BrandAlert(**dict(zip(STORED_FIELDS, row[:-1], strict=True))), row[-1] or "email")
        for row in rows
    ]


# What record_alert writes of each alert (the rest is set when it is sent or reviewed).
ALERT_COLUMNS = [
    "alert_id", "brand", "day", "hour", "metrics", "mentions", "negative", "net_sentiment",
    "baseline_net", "net_z", "baseline_negative", "volume_z", "reputation_index",
    "baseline_index", "index_z", "summary", "detected_at", "recipients", "delivery",
    "net_season", "volume_season",
]  # fmt: skip


def record_alert(
    con: duckdb.DuckDBPyConnection,
    alert: BrandAlert,
    recipients: list[str],
    now: datetime,
    delivery: str = "email",
) -> bool:
    """Store the alert in the history (the outbox: it is sent from there); False when it
    was already there. `delivery`: "email" (its own) or "digest" (the day's digest)."""
    if con.execute("SELECT 1 FROM alerts WHERE alert_id = ?", [alert.alert_id]).fetchone():
        return False
    con.execute(
        upsert_sql("alerts", ALERT_COLUMNS),
        [
            alert.alert_id,
            alert.brand,
            alert.day,
            alert.hour,
            alert.metrics,
            alert.mentions,
            alert.negative,
            alert.net_sentiment,
            alert.baseline_net,
            alert.net_z,
            alert.baseline_negative,
            alert.volume_z,
            alert.reputation_index,
            alert.baseline_index,
            alert.index_z,
            alert.summary(),
            now,
            recipients,
            delivery,
            alert.net_season,
            alert.volume_season,
        ],
    )
    return True
