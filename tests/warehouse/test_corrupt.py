"""A damaged or foreign veille.duckdb: every way of opening it (reading, `veille sql`,
`veille export`, a load or migration) says which file and what to do, and leaves the
file exactly as it was."""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.factories import load_mentions, scored_mention
from veille.core.record import write_mentions
from warehouse.access import open_warehouse
from warehouse.db import WarehouseCorrupt, writer


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real warehouse's bytes."""
    folder = tmp_path_factory.mktemp("sound")
    write_mentions(folder / "batch.jsonl", [scored_mention(i) for i in range(5)])
    load_mentions(folder / "batch.jsonl", folder / "w.duckdb")
    return (folder / "w.duckdb").read_bytes()


def damaged(kind: str, sound: bytes) -> bytes:
    if kind == "four bytes":  # what `COPY … TO 'veille.duckdb' (FORMAT csv)` left
        return b"1\n1\n"
    if kind == "not a database":
        return random.Random(7).randbytes(65536)
    if kind == "truncated":
        return sound[:20000]
    # Blocks scrambled past the headers: checksums no longer match.
    scrambled = bytearray(sound)
    for i in range(8192, len(scrambled), 7):
        scrambled[i] ^= 0x5A
    return bytes(scrambled)


KINDS = ["four bytes", "not a database", "truncated", "scrambled blocks"]


@pytest.mark.parametrize("kind", KINDS)
def test_opening_a_damaged_warehouse_says_what_to_do_and_changes_nothing(
    kind: str, sound: bytes, tmp_path: Path
):
    db = tmp_path / "veille.duckdb"
    content = damaged(kind, sound)
    db.write_bytes(content)
    with pytest.raises(WarehouseCorrupt) as reading:
        open_warehouse(db)
    with pytest.raises(WarehouseCorrupt) as snapshot:
        open_warehouse(db, snapshot=True)
    with pytest.raises(WarehouseCorrupt) as writing, writer(db, wait_s=0):
        pass
    for error in (reading, snapshot, writing):
        message = str(error.value)
        assert str(db) in message
        assert "left untouched" in message and "backup" in message
    assert db.read_bytes() == content
    assert not db.with_name(db.name + ".wal").exists()


def veille(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=dict(os.environ),
        timeout=120,
    )


@pytest.mark.parametrize("kind", ["four bytes", "scrambled blocks"])
def test_veille_sql_and_export_exit_2_on_a_damaged_warehouse(
    kind: str, sound: bytes, tmp_path: Path
):
    db = tmp_path / "veille.duckdb"
    content = damaged(kind, sound)
    db.write_bytes(content)
    for args in (
        ("sql", "SELECT count(*) FROM mentions"),
        ("export", "--parquet", str(tmp_path / "export")),
    ):
        done = veille(*args, "--warehouse", str(db))
        assert done.returncode == 2, done.stderr
        assert str(db) in done.stderr and "backup" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert db.read_bytes() == content


def test_veille_db_migrate_exits_2_on_a_damaged_warehouse(sound: bytes, tmp_path: Path):
    db = tmp_path / "veille.duckdb"
    db.write_bytes(b"1\n1\n")
    done = veille("db", "migrate", "--warehouse", str(db))
    assert db.read_bytes() == b"1\n1\n"
    assert done.returncode == 2 and "backup" in done.stderr and "Traceback" not in done.stderr
