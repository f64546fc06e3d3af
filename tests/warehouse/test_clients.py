"""The warehouse opens in the DuckDB clients analysts install (the PyPI `duckdb-cli`),
and DuckDB's extensions load from their wheels with nothing downloaded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.factories import sample_warehouse
from warehouse.extensions import WHEELS, load_extensions

CLI = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "duckdb"


def duckdb_cli() -> str:
    found = str(CLI) if CLI.exists() else shutil.which("duckdb")
    if found is None:
        pytest.fail("the duckdb command (PyPI duckdb-cli, pinned in the lock) is missing")
    return found


def test_the_duckdb_cli_opens_the_warehouse_read_only(tmp_path: Path):
    db = sample_warehouse(tmp_path)
    version = subprocess.run([duckdb_cli(), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("v1.")
    done = subprocess.run(
        [duckdb_cli(), "-readonly", "-csv", str(db),
         "-c", "SELECT brand, count(*) AS posts FROM brand_mentions GROUP BY 1 ORDER BY 1",
         "-c", "SELECT count(*) > 0 FROM reputation_index"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(db), read_only=True)
    expected = con.execute(
        "SELECT brand, count(*) FROM brand_mentions GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    lines = done.stdout.split()
    assert lines[0] == "brand,posts"
    assert lines[1 : 1 + len(expected)] == [f"{b},{n}" for b, n in expected]
    assert lines[-1] == "true"


def test_the_extensions_load_from_their_wheels_offline(tmp_path: Path):
    con = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    load_extensions(con, tmp_path / "extensions")
    loaded = {row[0] for row in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}  # fmt: skip
    assert {"ducklake", "postgres_scanner", "httpfs"} <= loaded
    assert set(WHEELS) == {"ducklake", "postgres", "httpfs"}
    # A DuckLake catalog with its data in a folder: tables, and MERGE INTO upserts.
    lake = tmp_path / "lake"
    con.execute(f"ATTACH 'ducklake:{lake}.ducklake' AS lake (DATA_PATH '{lake}-data')")
    con.execute("CREATE TABLE lake.posts (id INTEGER, sentiment VARCHAR)")
    upsert = (
        "MERGE INTO lake.posts AS t USING (SELECT ? AS id, ? AS sentiment) AS s "
        "ON t.id = s.id WHEN MATCHED THEN UPDATE SET sentiment = s.sentiment "
        "WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.sentiment)"
    )
    con.execute(upsert, [1, "negative"])
    con.execute(upsert, [1, "positive"])
    con.execute(upsert, [2, "neutral"])
    assert con.execute("SELECT * FROM lake.posts ORDER BY id").fetchall() == [
        (1, "positive"),
        (2, "neutral"),
    ]
    assert list((tmp_path / "lake-data").rglob("*.parquet"))
    con.close()
