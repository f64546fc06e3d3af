"""One description of the warehouse: the Mention record, the SQL schema and the generated
reference list the same columns, and every table and view is documented."""

from dataclasses import fields
from pathlib import Path

import duckdb
import pytest

from veille.core.record import MODERATION_FLAGS, AspectMatch, BrandMatch, Mention
from warehouse.db import connect
from warehouse.docs import REFERENCE, reference, relations
from warehouse.migrations import migrate

# Kept by the warehouse about a row, not carried by the record.
# published_offset_minutes is the record's published_at offset, which TIMESTAMPTZ drops
WAREHOUSE_ONLY = {
    "content_hash", "loaded_at", "updated_at", "duplicate_group", "published_offset_minutes",
    "expired_at",
}  # fmt: skip
PROBABILITIES = {"prob_negative", "prob_neutral", "prob_positive"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The columns of every table and view of a freshly migrated warehouse."""
    path = tmp_path_factory.mktemp("w") / "w.duckdb"
    con = connect(path)
    try:
        migrate(con)
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()]  # fmt: skip
        return {n: [r[0] for r in con.execute(f"DESCRIBE {n}").fetchall()] for n in names}
    finally:
        con.close()


def record_columns(cls: type, nested: str) -> set[str]:
    names = {f.name for f in fields(cls)} - {nested, "probabilities"}
    if "moderation" in names:  # {flag: P} becomes a column per flag, and the flags raised
        names = (
            names - {"moderation"} | {f"prob_{f}" for f in MODERATION_FLAGS} | {"moderation_flags"}
        )
        names -= {"netiquette"}  # its flags join moderation_flags
    return names | PROBABILITIES


def test_mention_record_and_schema_have_the_same_columns(live: dict[str, list[str]]):
    assert record_columns(Mention, "brands") == set(live["mentions"]) - WAREHOUSE_ONLY
    assert record_columns(BrandMatch, "aspects") == set(live["mention_brands"]) - {"mention_id"}
    assert {f.name for f in fields(AspectMatch)} == set(live["mention_aspects"]) - {
        "mention_id",
        "brand",
    }


def test_every_table_view_and_column_is_documented(live: dict[str, list[str]]):
    documented = {r.name: r for r in relations()}
    assert set(documented) == set(live), "a table or view without documentation, or gone"
    for name, columns in live.items():
        rel = documented[name]
        if rel.kind == "table":
            assert list(rel.columns) == columns, f"{name}: documented columns differ"
        else:
            assert set(rel.columns) == set(columns), f"{name}: documented columns differ"
        undescribed = [c for c, text in rel.columns.items() if not text]
        assert not undescribed, f"{name}: no description for {undescribed}"
        assert rel.grain, f"{name}: no grain"


def test_the_reference_page_is_current():
    assert REFERENCE.read_text(encoding="utf-8") == reference(), (
        "docs/warehouse-reference.md is stale: run `.venv/bin/python -m warehouse.docs`"
    )


def test_migrations_are_recorded_and_not_reapplied(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    try:
        first = migrate(con)
        assert first == sorted(first) and len(first) >= 3
        assert migrate(con) == []
        recorded = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        assert [r[0] for r in recorded] == first
    finally:
        con.close()


def test_an_existing_warehouse_is_upgraded_in_place(tmp_path: Path):
    """A warehouse at version 3 (before duplicate groups) gets the column, filled."""
    from datetime import UTC, datetime

    from warehouse.migrations import SCHEMA_VERSION_SQL, migrations

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_VERSION_SQL)
        for version, sql in migrations()[:3]:
            con.execute(sql.read_text())
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [version, sql.name, datetime.now(UTC)],
            )
        long_text = (
            "Une panne de la box depuis trois jours, et personne au support pour répondre, rien."
        )
        for i, text in enumerate([long_text, long_text.upper() + "  ", "+1"]):
            con.execute(
                "INSERT INTO mentions (mention_id, source_id, source_kind, url, position, "
                "published_at, crawled_at, language, text, sentiment, sentiment_score, "
                "prob_negative, prob_neutral, prob_positive, model_name, model_version, topics, "
                "content_hash, loaded_at, updated_at) VALUES (?, 's', 'forum', 'http://x', 0, "
                "now(), now(), 'fr', ?, 'negative', -0.8, 0.85, 0.1, 0.05, 'm', '1', [], 'h', "
                "now(), now())",
                [f"m{i}", text],
            )
        assert migrate(con) == [v for v, _ in migrations()[3:]]
        groups = con.execute(
            "SELECT mention_id, duplicate_group FROM mentions ORDER BY mention_id"
        ).fetchall()
        copies = con.execute("SELECT count(*) FROM mentions_clean").fetchone()
    finally:
        con.close()
    assert groups[0][1] == groups[1][1] != groups[2][1] == "m2"
    assert copies == (2,)
