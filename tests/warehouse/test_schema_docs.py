"""One description of the warehouse: the Mention record, the SQL schema and the generated
reference list the same columns, and every table and view is documented."""

from dataclasses import fields
from pathlib import Path

import duckdb
import pytest

from veille.record import BrandMatch, Mention
from warehouse.db import connect, migrate
from warehouse.docs import REFERENCE, reference, relations

# Kept by the warehouse about a row, not carried by the record.
WAREHOUSE_ONLY = {"content_hash", "loaded_at", "updated_at"}
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
    return names | PROBABILITIES


def test_mention_record_and_schema_have_the_same_columns(live: dict[str, list[str]]):
    assert record_columns(Mention, "brands") == set(live["mentions"]) - WAREHOUSE_ONLY
    assert record_columns(BrandMatch, "") == set(live["mention_brands"]) - {"mention_id"}


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
