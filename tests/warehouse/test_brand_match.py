"""Thread-context mentions through the real select step, loader and views: stored with
their match kind, and counted in every view built on brand_mentions."""

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tests.factories import PROBABILITIES, load_mentions
from tests.test_thread_context import REPLIES, brands, iphone_thread
from veille.core.record import read_mentions, write_mentions
from veille.pipeline import select_step
from warehouse.migrations import SCHEMA_VERSION_SQL, migrate, migrations


def scored_batch(tmp_path: Path) -> Path:
    """The iPhone thread selected, then scored as the model would (negative when the
    post says so): the batch the load step reads."""
    crawl = tmp_path / "crawl" / "forum-phones.jsonl"
    write_mentions(crawl, iphone_thread())
    selected = select_step([crawl], brands(), tmp_path / "mentions.jsonl")
    mentions = list(read_mentions(selected))
    for m in mentions:
        label = "negative" if any(w in m.text for w in ("furious", "fails")) else "positive"
        probabilities = PROBABILITIES[label]
        score = probabilities["positive"] - probabilities["negative"]
        m.sentiment, m.sentiment_score, m.probabilities = label, score, probabilities
        m.model_name, m.model_version = "test-model", "1"
        for b in m.brands:
            b.sentiment, b.sentiment_score, b.probabilities = label, score, probabilities
    batch = tmp_path / "scored.jsonl"
    write_mentions(batch, mentions)
    return batch


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_context_mentions_are_stored_with_their_match_and_counted_in_the_views(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    report = load_mentions(scored_batch(tmp_path), db, brands())
    assert (report.inserted, report.quarantined) == (6, 0)  # the opening post and 5 replies

    stored = query(db, "SELECT m.text, b.match, b.terms FROM mention_brands AS b "
                       "JOIN mentions AS m USING (mention_id) ORDER BY m.position")  # fmt: skip
    assert [(text, match) for text, match, _ in stored[1:]] == [
        (REPLIES[0], "text"),
        (REPLIES[1], "context"),
        (REPLIES[2], "context"),
        (REPLIES[3], "text"),
        (REPLIES[4], "context"),
    ]
    assert stored[0][1:] == ("context", ["iPhone"])

    assert query(db, "SELECT match, count(*) FROM brand_mentions WHERE brand = 'Apple' "
                     "GROUP BY match ORDER BY match") == [("context", 4), ("text", 2)]  # fmt: skip
    day = query(db, "SELECT sum(mentions), sum(negative) FROM daily_brand_sentiment "
                    "WHERE brand = 'Apple'")  # fmt: skip
    assert day == [(6, 2)]  # the two negative replies do not name the iPhone
    assert query(db, "SELECT mentions, threads FROM top_sources WHERE brand = 'Apple'") == [(6, 1)]
    assert query(db, "SELECT max(mentions_7d) FROM reputation_index WHERE brand = 'Apple'") == [
        (6,)
    ]

    again = load_mentions(scored_batch(tmp_path), db, brands())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)


def test_brand_rows_stored_before_the_match_column_are_direct_matches(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_VERSION_SQL)
        before = [(v, sql) for v, sql in migrations() if v < 11]
        for version, sql in before:
            con.execute(sql.read_text())
            row = [version, sql.name, datetime.now(UTC)]
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", row)
        con.execute("INSERT INTO mention_brands (mention_id, brand, terms) "
                    "VALUES ('m1', 'Apple', ['iPhone'])")  # fmt: skip
        assert 11 in migrate(con)
        assert con.execute("SELECT match FROM mention_brands").fetchall() == [("text",)]
    finally:
        con.close()
