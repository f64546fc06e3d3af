"""A brand's overview for some days: its reputation index, net sentiment and volume
against their usual band, what is new, share of voice and the top threads. What the
overview screen of `veille web` shows and the morning report sends. The SQL reads the
documented views (docs/warehouse-reference.md), so it shows what an analyst's query on
those views shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
from markupsafe import Markup

from veille.core.config import UI_LOCALES
from warehouse.charts import Point, bar_chart, line_chart
from warehouse.i18n import Formats

DEFAULT_DAYS = 30
# The usual band of a daily figure: its 10th to 90th percentile over the 28 days before.
BAND_DAYS = 28


@dataclass(frozen=True)
class BrandInfo:
    name: str
    role: str
    competitors: list[str]
    locale: str
    timezone: str


@dataclass(frozen=True)
class Scope:
    """The brand and the days a screen shows (both kept across screens)."""

    brand: BrandInfo
    start: date
    end: date


def brands(cur: duckdb.DuckDBPyConnection) -> list[BrandInfo]:
    """The brands of brands.yaml as last loaded, monitored ones first."""
    rows = cur.execute(
        "SELECT brand, role, competitors, locale, timezone FROM brands "
        "ORDER BY role = 'competitor', brand"
    ).fetchall()
    if not rows:  # a warehouse loaded without brands.yaml: the brands its posts name
        rows = cur.execute(
            "SELECT DISTINCT brand, 'brand', [], NULL, NULL FROM mention_brands ORDER BY brand"
        ).fetchall()
    return [
        BrandInfo(
            name,
            role,
            list(competitors or []),
            locale if locale in UI_LOCALES else "en",
            timezone or "UTC",
        )
        for name, role, competitors, locale, timezone in rows
    ]


def brand_info(cur: duckdb.DuckDBPyConnection, name: str) -> BrandInfo | None:
    """One brand as brands() gives it (its locale and timezone), None when unknown."""
    return next((b for b in brands(cur) if b.name == name), None)


def last_day(cur: duckdb.DuckDBPyConnection, brand: str) -> date | None:
    row = cur.execute("SELECT max(day) FROM brand_mentions WHERE brand = ?", [brand]).fetchone()
    return row[0] if row else None


def rows_as_dicts(
    cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | dict[str, Any]
) -> list[dict[str, Any]]:
    result = cur.execute(sql, params)
    names = [d[0] for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


# --- overview ----------------------------------------------------------------------


@dataclass
class Overview:
    days: list[dict[str, Any]]  # day, reputation_index, index_low/high, mentions, net, net_low/high
    mentions: int
    positive: int
    negative: int
    net_sentiment: float | None
    reputation_index: float | None
    index_change_7d: float | None
    since: date
    new_mentions: int
    new_threads: int
    new_alerts: int
    share_of_voice: list[dict[str, Any]]  # member, is_competitor, mentions, share
    top_threads: list[dict[str, Any]] = field(default_factory=list)
    unhandled_flags: int = 0


def overview(cur: duckdb.DuckDBPyConnection, scope: Scope, since: date | None = None) -> Overview:
    brand = scope.brand.name
    since = since or scope.end - timedelta(days=1)  # what is new since yesterday
    days = rows_as_dicts(
        cur,
        f"""
        SELECT
            r.day, r.reputation_index, r.change_7d, d.mentions, d.positive, d.negative,
            d.net_sentiment,
            quantile_cont(r.reputation_index, 0.1) OVER usual AS index_low,
            quantile_cont(r.reputation_index, 0.9) OVER usual AS index_high,
            quantile_cont(d.net_sentiment, 0.1) OVER usual AS net_low,
            quantile_cont(d.net_sentiment, 0.9) OVER usual AS net_high
        FROM reputation_index AS r
        JOIN daily_brand_sentiment AS d USING (brand, day)
        WHERE brand = ? AND r.day BETWEEN ? AND ?
        WINDOW usual AS (ORDER BY r.day ROWS BETWEEN {BAND_DAYS} PRECEDING AND 1 PRECEDING)
        QUALIFY r.day >= ?
        ORDER BY r.day
        """,
        [brand, scope.start - timedelta(days=BAND_DAYS), scope.end, scope.start],
    )
    mentions = sum(d["mentions"] for d in days)
    positive = sum(d["positive"] for d in days)
    negative = sum(d["negative"] for d in days)
    last = days[-1] if days else {}
    new = cur.execute(
        """
        WITH firsts AS (
            SELECT coalesce(thread_url, url) AS thread, min(day) AS first_day
            FROM brand_mentions WHERE brand = ? GROUP BY thread
        )
        SELECT
            (SELECT count(*) FROM brand_mentions WHERE brand = ? AND day BETWEEN ? AND ?),
            (SELECT count(*) FROM firsts WHERE first_day BETWEEN ? AND ?),
            (SELECT count(*) FROM alert_history WHERE brand = ? AND day BETWEEN ? AND ?)
        """,
        [brand, brand, since, scope.end, since, scope.end, brand, since, scope.end],
    ).fetchone() or (0, 0, 0)
    share = rows_as_dicts(
        cur,
        """
        SELECT member, is_competitor, sum(mentions) AS mentions
        FROM share_of_voice_daily
        WHERE brand = ? AND day BETWEEN ? AND ?
        GROUP BY member, is_competitor
        ORDER BY is_competitor, mentions DESC, member
        """,
        [brand, scope.start, scope.end],
    )
    market = sum(row["mentions"] for row in share) or 0
    for row in share:
        row["share"] = row["mentions"] / market if market else None
    threads = rows_as_dicts(
        cur,
        """
        SELECT
            coalesce(thread_url, url) AS thread_url,
            any_value(coalesce(thread_title, thread_url, url)) AS title,
            any_value(source_id) AS source_id,
            count(*) AS mentions,
            count(*) FILTER (WHERE sentiment = 'negative') AS negative,
            (count(*) FILTER (WHERE sentiment = 'positive')
             - count(*) FILTER (WHERE sentiment = 'negative')) / count(*) AS net_sentiment
        FROM brand_mentions
        WHERE brand = ? AND day BETWEEN ? AND ?
        GROUP BY 1
        ORDER BY mentions DESC, thread_url
        LIMIT 5
        """,
        [brand, scope.start, scope.end],
    )
    return Overview(
        days=days,
        mentions=mentions,
        positive=positive,
        negative=negative,
        net_sentiment=(positive - negative) / mentions if mentions else None,
        reputation_index=last.get("reputation_index"),
        index_change_7d=last.get("change_7d"),
        since=since,
        new_mentions=int(new[0]),
        new_threads=int(new[1]),
        new_alerts=int(new[2]),
        share_of_voice=share,
        top_threads=threads,
        unhandled_flags=moderation_count(cur, scope),
    )


MODERATION_FROM = """
    FROM moderation_queue AS q
    JOIN mentions AS m USING (mention_id)
    LEFT JOIN mention_triage AS t ON t.duplicate_group = m.duplicate_group
    WHERE CAST(timezone('UTC', q.published_at) AS DATE) BETWEEN ? AND ?
"""


def moderation_count(cur: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    row = cur.execute(
        f"SELECT count(*) {MODERATION_FROM} AND NOT coalesce(t.handled, false)",
        [scope.start, scope.end],
    ).fetchone()
    return int(row[0]) if row else 0


def charts(o: Overview, fmt: Formats, gettext: Callable[[str], str]) -> dict[str, Markup]:
    """The overview's three charts over its days: the reputation index and net sentiment
    against their usual band, and the volume."""
    _ = gettext
    index = [
        Point(fmt.short_day(d["day"]), d["reputation_index"], d["index_low"], d["index_high"])
        for d in o.days
    ]
    net = [Point(fmt.short_day(d["day"]), d["net_sentiment"], d["net_low"], d["net_high"])
           for d in o.days]  # fmt: skip
    volume = [Point(fmt.short_day(d["day"]), float(d["mentions"])) for d in o.days]
    return {
        "index": line_chart(index, title=_("Reputation index"), y_min=0, y_max=100),
        "net": line_chart(
            net, title=_("Net sentiment"), y_min=-1, y_max=1, y_format="{:+.1f}", css_class="net"
        ),
        "volume": bar_chart(volume, title=_("Mentions per day")),
    }
