"""The warehouse on DuckLake, its catalog in a real PostgreSQL server started by the tests
and its data in a folder: the same schema and views as the DuckDB file, the same rows
for the same loads, re-loads that change nothing, several loads at once from different
processes without a row lost, and the commands that read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import count
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.factories import NOW, load_mentions, scored_mention
from veille.core.home import Lake
from veille.core.record import write_mentions
from warehouse.db import connect, writer
from warehouse.lake import reference_schema

# Every view analysts read, with an order that makes its rows comparable.
VIEWS = {
    "mentions_clean": "mention_id",
    "brand_mentions": "mention_id, brand",
    "daily_brand_sentiment": "brand, day",
    "reputation_index": "brand, day",
    "share_of_voice_daily": "brand, day",
    "top_sources": "ALL",
    "top_authors": "ALL",
    "moderation_queue": "mention_id",
}
_databases = count()


@pytest.fixture
def lake(postgres, tmp_path: Path) -> Lake:
    """A new, empty DuckLake: its catalog a new PostgreSQL database."""
    name = f"lake{next(_databases)}"
    postgres.create_database(name)
    return Lake(f"postgres:{postgres.dsn(name)}", f"{tmp_path / 'lake-data'}/")


def batch(path: Path, ids: range, *, days: int = 10, sentiment: str | None = None) -> Path:
    labels = ("positive", "neutral", "negative")
    write_mentions(
        path,
        [
            scored_mention(
                i, days_ago=i % days + 0.5, sentiment=sentiment or labels[i % 3],
                brand=("Fibrelia", "Kalio")[i % 2],
            )
            for i in ids
        ],
    )  # fmt: skip
    return path


def views(target: Path | Lake) -> dict[str, list[tuple]]:
    con = connect(target, read_only=True)
    try:
        return {
            # every column but the moments of the load, which differ from one load to another
            view: con.execute(
                "SELECT COLUMNS(c -> c NOT IN ('loaded_at', 'updated_at')) "
                f"FROM {view} ORDER BY {order}"
            ).fetchall()
            for view, order in VIEWS.items()
        }
    finally:
        con.close()


def test_a_lake_has_the_files_tables_columns_and_views(lake: Lake, tmp_path: Path):
    with writer(lake) as con:
        tables = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lake'"
            ).fetchall()
        }
        columns = {
            (table, column)
            for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'lake'"
            ).fetchall()
        }
        versions = con.execute("SELECT max(version) FROM schema_version").fetchone()
    schema = reference_schema()
    assert tables == {*schema.tables, "lake_schema", "lake_writes"}
    for table, table_columns in schema.tables.items():
        assert {(table, c.name) for c in table_columns} <= columns
    assert versions == (max(v for v, _ in schema.versions),)
    # the views too, and the same ones the DuckDB file has
    listed = "SELECT view_name FROM duckdb_views() WHERE database_name = ?"
    with writer(tmp_path / "w.duckdb") as con:
        file_views = {v for (v,) in con.execute(listed, ["w"]).fetchall()}
    con = connect(lake, read_only=True)
    lake_views = {v for (v,) in con.execute(listed, ["lake"]).fetchall()}
    con.close()
    assert lake_views == file_views and "brand_mentions" in lake_views


def test_the_same_loads_give_the_same_views_and_a_reload_changes_nothing(
    lake: Lake, tmp_path: Path
):
    first = batch(tmp_path / "first.jsonl", range(60))
    # the second batch edits ten posts of the first (their texts change) and adds new ones
    edited = [scored_mention(i, days_ago=i % 10 + 0.5, sentiment="negative",
                             text=f"Fibrelia edited {i}") for i in range(10)]  # fmt: skip
    new = [scored_mention(i, days_ago=i % 10 + 0.5) for i in range(100, 130)]
    second = tmp_path / "second.jsonl"
    write_mentions(second, [*edited, *new])
    file = tmp_path / "w.duckdb"
    for target in (file, lake):
        load_mentions(first, target)
        load_mentions(second, target)
    expected = views(file)
    assert len(expected["mentions_clean"]) == 90
    assert views(lake) == expected
    again = load_mentions(second, lake)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 40)
    assert views(lake) == expected


def test_two_upserts_of_one_new_post_at_once_conflict_and_the_later_is_refused(lake: Lake):
    from warehouse.lake import claim, is_conflict, upsert_sql

    with writer(lake):
        pass
    first, second = connect(lake), connect(lake)
    row = ["q1", "m1", "file", ["bad"], "{}", NOW]
    for con in (first, second):
        con.execute("BEGIN TRANSACTION")
        con.execute(upsert_sql("quarantine"), row)
        claim(con)
    first.execute("COMMIT")
    with pytest.raises(duckdb.Error) as refused:
        second.execute("COMMIT")
    assert is_conflict(refused.value)
    assert first.execute("SELECT count(*) FROM quarantine").fetchone() == (1,)
    first.close()
    second.close()


LOADER = """
import sys
from pathlib import Path
from tests.factories import load_mentions
from veille.core.home import Lake
report = load_mentions(Path(sys.argv[3]), Lake(sys.argv[1], sys.argv[2]))
print(report.inserted, report.updated, report.unchanged)
"""


def test_several_loads_at_once_from_other_processes_lose_no_row(lake: Lake, tmp_path: Path):
    with writer(lake):
        pass  # the schema made once, as the first run does
    # Four loaders at once; each batch shares a quarter of its posts with the next one.
    batches = [batch(tmp_path / f"b{n}.jsonl", range(n * 30, n * 30 + 40)) for n in range(4)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    loaders = [
        subprocess.Popen(
            [sys.executable, "-c", LOADER, lake.catalog, lake.data_path, str(path)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in batches
    ]
    outcomes = [loader.communicate(timeout=300) for loader in loaders]
    for loader, (_, err) in zip(loaders, outcomes, strict=True):
        assert loader.returncode == 0, err[-3000:]
    con = connect(lake, read_only=True)
    stored = [row[0] for row in con.execute("SELECT mention_id FROM mentions").fetchall()]
    brands = con.execute("SELECT count(*) FROM mention_brands").fetchone()
    con.close()
    every = {scored_mention(i).mention_id for i in range(130)}
    assert set(stored) == every and len(stored) == len(every)  # each once
    assert brands == (130,)
    inserted = sum(int(out.split()[0]) for out, _ in outcomes)
    assert inserted == 130  # each post inserted once, whoever won its race


def test_veille_sql_and_export_read_the_lake_named_by_veille_warehouse(lake: Lake, tmp_path: Path):
    load_mentions(batch(tmp_path / "b.jsonl", range(12)), lake)
    env = {
        **os.environ,
        "VEILLE_HOME": str(tmp_path / "home"),
        "VEILLE_WAREHOUSE": lake.uri,
        "VEILLE_WAREHOUSE_DATA": lake.data_path,
    }
    veille = str(Path(sys.executable).parent / "veille")
    sql = subprocess.run(
        [veille, "sql", "SELECT brand, count(*) AS n FROM brand_mentions GROUP BY 1 ORDER BY 1",
         "--format", "json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert sql.returncode == 0, sql.stderr
    assert json.loads(sql.stdout) == [
        {"brand": "Fibrelia", "n": 6}, {"brand": "Kalio", "n": 6},
    ]  # fmt: skip
    out = tmp_path / "export"
    export = subprocess.run(
        [veille, "export", "--parquet", str(out)], env=env, capture_output=True, text=True
    )
    assert export.returncode == 0, export.stderr
    assert "brand_mentions: 12 rows" in export.stdout
    assert list((out / "brand_mentions").glob("day=*/*.parquet"))


def test_alerts_are_detected_recorded_and_sent_once_from_a_lake(lake: Lake, tmp_path: Path, smtp):
    from tests.receiver import webhook_receiver
    from tests.test_pipeline import BRANDS, crisis_batch
    from veille.core.config import BrandsFile
    from veille.pipeline import alert_step
    from warehouse.mail import SmtpSettings

    inbox, port = smtp
    load_mentions(crisis_batch(tmp_path / "crisis.jsonl"), lake)
    up = SmtpSettings(host="127.0.0.1", port=port)
    with webhook_receiver() as hooks:
        # the test's brand, its alerts also sent to a webhook
        brand = BRANDS.brands[0].model_dump()
        brand["alerts"]["notify"] = [hooks.url("json", "/h")]
        brands = BrandsFile.model_validate({"brands": [brand]})
        [sent] = alert_step(lake, brands, tmp_path / "home", smtp=up)
        assert sent.sent_now and len(inbox.messages) == 1 and not sent.failed
        [again] = alert_step(lake, brands, tmp_path / "home", smtp=up)
    assert again.sent and not again.sent_now and len(inbox.messages) == 1
    assert len(hooks.on("/h")) == 1  # the channel's outbox too, on the lake
    con = connect(lake, read_only=True)
    assert con.execute("SELECT count(*) FROM alert_history").fetchone() == (1,)
    assert con.execute(
        "SELECT count(*) FROM notifications WHERE sent_at IS NOT NULL"
    ).fetchone() == (1,)
    con.close()


def test_a_reading_connection_to_a_lake_reads_it_and_nothing_else(lake: Lake, tmp_path: Path):
    load_mentions(batch(tmp_path / "b.jsonl", range(6)), lake)
    con = connect(lake, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM brand_mentions").fetchone() == (6,)
        for refused in (
            "DELETE FROM mentions",
            f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
            f"SELECT * FROM read_csv('{tmp_path / 'b.jsonl'}')",
            "SET enable_external_access = true",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(refused)
    finally:
        con.close()


def test_a_lake_that_cannot_be_reached_or_a_wrong_setting_is_said_plainly(tmp_path: Path):
    veille = str(Path(sys.executable).parent / "veille")
    base = {**os.environ, "VEILLE_HOME": str(tmp_path / "home")}
    down = subprocess.run(
        [veille, "sql", "SELECT 1"], capture_output=True, text=True,
        env={**base, "VEILLE_WAREHOUSE": "ducklake:postgres:host=127.0.0.1 port=1 dbname=x"},
    )  # fmt: skip
    assert down.returncode == 75, down.stderr
    assert "cannot attach it" in down.stderr and "check VEILLE_WAREHOUSE" in down.stderr
    assert "Traceback" not in down.stderr
    wrong = subprocess.run(
        [veille, "sql", "SELECT 1"], capture_output=True, text=True,
        env={**base, "VEILLE_WAREHOUSE": "postgres:host=db"},
    )  # fmt: skip
    assert wrong.returncode == 2, wrong.stderr
    assert "VEILLE_WAREHOUSE='postgres:host=db': give ducklake:CATALOG" in wrong.stderr
