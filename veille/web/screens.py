"""What each screen of `veille web` reads from the warehouse: one function per screen,
taking a cursor and the scope (brand and days) and returning plain rows (the overview's
is warehouse/overview.py, shared with the morning report). The SQL reads the documented
views (docs/warehouse-reference.md), so a screen shows what an analyst's query on those
views shows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from warehouse.alerts.rules import BrandAlert
from warehouse.alerts.store import STORED_FIELDS
from warehouse.migrations import VIEWS_DIR
from warehouse.overview import MODERATION_FROM, Scope
from warehouse.overview import rows_as_dicts as _dicts

PAGE_SIZE = 25


# --- mentions inbox ----------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilters:
    sentiment: str = ""  # negative, neutral, positive, or "" for all
    source: str = ""
    language: str = ""
    topic: str = ""
    flagged: bool = False
    match: str = ""  # text, context, or "" for both
    status: str = ""  # new (not handled), handled, or "" for all
    query: str = ""  # words the text must hold
    page: int = 1


@dataclass
class Inbox:
    mentions: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    sources: list[str]
    topics: list[tuple[str, str]]  # (topic_id, label)


def _inbox_where(scope: Scope, f: InboxFilters) -> tuple[str, list[Any]]:
    where = ["bm.brand = ?", "bm.day BETWEEN ? AND ?"]
    params: list[Any] = [scope.brand.name, scope.start, scope.end]
    for column, value in (
        ("bm.sentiment", f.sentiment),
        ("bm.source_id", f.source),
        ("bm.language", f.language),
        ("bm.match", f.match),
    ):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if f.topic:
        where.append("list_contains(bm.topics, ?)")
        params.append(f.topic)
    if f.flagged:
        where.append("len(coalesce(m.moderation_flags, [])) > 0")
    if f.status == "new":
        where.append("NOT coalesce(t.handled, false)")
    elif f.status == "handled":
        where.append("coalesce(t.handled, false)")
    for word in f.query.split()[:8]:
        where.append("bm.text ILIKE ? ESCAPE '\\'")
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    return " AND ".join(where), params


_INBOX_FROM = """
    FROM brand_mentions AS bm
    JOIN mentions AS m USING (mention_id)
    LEFT JOIN mention_triage AS t ON t.duplicate_group = bm.duplicate_group
"""


def inbox(cur: duckdb.DuckDBPyConnection, scope: Scope, f: InboxFilters) -> Inbox:
    where, params = _inbox_where(scope, f)
    total_row = cur.execute(f"SELECT count(*) {_INBOX_FROM} WHERE {where}", params).fetchone()
    total = int(total_row[0]) if total_row else 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    rows = _dicts(
        cur,
        f"""
        SELECT
            bm.mention_id, bm.terms, bm.match, bm.source_id, bm.source_kind, bm.url,
            bm.thread_url, bm.thread_title, bm.author, bm.author_url, bm.published_at,
            bm.language, bm.text, bm.sentiment, bm.model_sentiment, bm.corrected, bm.copies,
            coalesce(m.moderation_flags, []) AS flags,
            coalesce(t.handled, false) AS handled, t.handled_by, t.handled_at,
            coalesce(t.tags, []) AS tags
        {_INBOX_FROM}
        WHERE {where}
        ORDER BY bm.published_at DESC NULLS LAST, bm.mention_id
        LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}
        """,
        params,
    )
    if rows:
        others = cur.execute(
            "SELECT mention_id, brand, sentiment FROM brand_mentions "
            "WHERE mention_id IN (SELECT unnest(?)) ORDER BY brand",
            [[r["mention_id"] for r in rows]],
        ).fetchall()
        by_mention: dict[str, list[tuple[str, str]]] = {}
        for mention_id, brand, sentiment in others:
            by_mention.setdefault(mention_id, []).append((brand, sentiment))
        for r in rows:
            r["brands"] = by_mention.get(r["mention_id"], [])
    sources = [
        row[0]
        for row in cur.execute(
            "SELECT DISTINCT source_id FROM brand_mentions WHERE brand = ? ORDER BY 1",
            [scope.brand.name],
        ).fetchall()
    ]
    topics = [
        (row[0], row[1])
        for row in cur.execute(
            # the brand's own topics (and those founded before topics were per brand)
            "SELECT topic_id, label FROM topics WHERE brand = ? OR brand IS NULL ORDER BY label",
            [scope.brand.name],
        ).fetchall()
    ]
    return Inbox(rows, total, page, pages, sources, topics)


def mentions_exist(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> set[str]:
    rows = cur.execute(
        "SELECT mention_id FROM mentions WHERE mention_id IN (SELECT unnest(?))", [ids]
    ).fetchall()
    return {row[0] for row in rows}


def brands_of(cur: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, set[str]]:
    """The brands each mention names (excluded ones included: they can be restored)."""
    rows = cur.execute(
        "SELECT mention_id, brand FROM mention_brands WHERE mention_id IN (SELECT unnest(?))",
        [ids],
    ).fetchall()
    found: dict[str, set[str]] = {}
    for mention_id, brand in rows:
        found.setdefault(mention_id, set()).add(brand)
    return found


# --- moderation --------------------------------------------------------------------


def moderation(cur: duckdb.DuckDBPyConnection, scope: Scope, status: str) -> list[dict[str, Any]]:
    """The flagged posts of the days, every brand's and none's: a community's own forum
    is moderated whether or not a post names a brand."""
    handled = {"new": "AND NOT coalesce(t.handled, false)", "handled": "AND t.handled"}
    return _dicts(
        cur,
        f"""
        SELECT q.mention_id, q.source_id, q.url, q.thread_title, q.author, q.author_url,
            q.published_at, q.language, q.flags, q.flag_probability, q.brands, q.text,
            coalesce(t.handled, false) AS handled, t.handled_by, t.handled_at
        {MODERATION_FROM} {handled.get(status, "")}
        ORDER BY q.published_at DESC NULLS LAST, q.mention_id
        LIMIT 200
        """,
        [scope.start, scope.end],
    )


# --- alerts ------------------------------------------------------------------------


def alerts(cur: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict[str, Any]]:
    """The brand's alerts of the days, latest first, each with its summary in the
    brand's language."""
    found = _dicts(
        cur,
        f"""
        SELECT h.alert_id, h.detected_at, h.status, h.sent_at, h.email_path, h.verdict,
            h.verdict_by, h.verdict_at, {", ".join(f"a.{name}" for name in STORED_FIELDS)}
        FROM alert_history AS h
        JOIN alerts AS a USING (alert_id)
        WHERE h.brand = ? AND h.day BETWEEN ? AND ?
        ORDER BY h.day DESC, h.hour DESC NULLS LAST
        """,
        [scope.brand.name, scope.start, scope.end],
    )
    for row in found:
        alert = BrandAlert(**{name: row[name] for name in STORED_FIELDS})
        row["summary"] = alert.summary(scope.brand.locale)
    return found


def alert_email_path(cur: duckdb.DuckDBPyConnection, alert_id: str) -> str | None:
    row = cur.execute("SELECT email_path FROM alerts WHERE alert_id = ?", [alert_id]).fetchone()
    return row[0] if row else None


def alert_exists(cur: duckdb.DuckDBPyConnection, alert_id: str) -> bool:
    return cur.execute("SELECT 1 FROM alerts WHERE alert_id = ?", [alert_id]).fetchone() is not None


# --- communities and sources ---------------------------------------------------------


@cache  # the view's file is read once, not on every request
def scoped_view(name: str) -> str:
    """A warehouse view's own SQL (warehouse/views/), reading only the posts of one brand
    and days: parameters brand, first day, last day. So that a screen counts over its
    days exactly as the view counts over all time, from the one definition."""
    [path] = VIEWS_DIR.glob(f"*_{name}.sql")
    sql = path.read_text(encoding="utf-8")
    created = f"CREATE OR REPLACE VIEW {name} AS"
    query = sql[sql.index(created) + len(created) :].strip().rstrip(";")
    scoped = (
        "scoped_brand_mentions AS (SELECT * FROM brand_mentions "
        "WHERE brand = $brand AND day BETWEEN $first_day AND $last_day)"
    )
    query = query.replace("FROM brand_mentions", "FROM scoped_brand_mentions")
    if query.startswith("WITH "):
        return f"WITH {scoped}, {query.removeprefix('WITH ')}"
    return f"WITH {scoped} {query}"


def communities(cur: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    """Who talked about the brand in the scope's days: views top_sources and top_authors
    over those days."""
    params = {"brand": scope.brand.name, "first_day": scope.start, "last_day": scope.end}
    sources, authors = scoped_view("top_sources"), scoped_view("top_authors")
    columns = "source_id, author, author_url, mentions, net_sentiment, thread_titles, last_seen"

    def stance(kind: str) -> list[dict[str, Any]]:
        return _dicts(
            cur,
            f"SELECT {columns} FROM ({authors}) WHERE stance = '{kind}' "
            "ORDER BY mentions DESC, author LIMIT 10",
            params,
        )

    return {
        "sources": _dicts(
            cur,
            "SELECT source_id, source_kind, site, mentions, mentions_30d, net_sentiment, "
            f"threads, authors, last_seen FROM ({sources}) ORDER BY rank LIMIT 15",
            params,
        ),
        "relays": stance("relay"),
        "detractors": stance("detractor"),
    }


def topics(cur: duckdb.DuckDBPyConnection, scope: Scope) -> list[dict[str, Any]]:
    """The topics of the brand's last week in the scope's days, those that grew most
    first (view topic_trends over those days), each with its latest posts."""
    params = {"brand": scope.brand.name, "first_day": scope.start, "last_day": scope.end}
    trends = _dicts(
        cur,
        f"""
        WITH trends AS ({scoped_view("topic_trends")})
        SELECT t.topic_id, t.topic, t.week, t.mentions, t.previous_mentions, t.growth,
            t.negative, t.net_sentiment, coalesce(k.keywords, []) AS keywords
        FROM trends AS t
        LEFT JOIN topics AS k USING (topic_id)
        WHERE t.week = (SELECT max(week) FROM trends)
        ORDER BY t.growth DESC, t.mentions DESC, t.topic_id
        LIMIT 12
        """,
        params,
    )
    for trend in trends:
        trend["posts"] = _dicts(
            cur,
            """
            SELECT mention_id, url, thread_title, author, published_at, sentiment, text
            FROM brand_mentions
            WHERE brand = $brand AND day BETWEEN $first_day AND $last_day
                AND list_contains(topics, $topic)
            ORDER BY published_at DESC NULLS LAST, mention_id
            LIMIT 3
            """,
            {**params, "topic": trend["topic_id"]},
        )
    return trends


def source_health(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _dicts(
        cur,
        "SELECT source_id, run_number, run_id, started_at, status, failed_in_a_row, "
        "pages_fetched, pages_unchanged, pages_failed, posts, posts_without_date, problem "
        "FROM source_health WHERE run_number <= 5 ORDER BY source_id, run_number",
        [],
    )
