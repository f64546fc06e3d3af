"""Readers never make a load lose data: a load waits for a reader (or another writer) to
let go, names the real holder when it gives up, and snapshot readers never hold it up.
Readers and writers are real processes on a real DuckDB file."""

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.factories import load_mentions, scored_mention
from veille.core.record import write_mentions
from warehouse.db import WarehouseBusy, writer

# A notebook's session: a reading connection left open for argv[3] seconds.
READER = """
import sys, time
from warehouse.access import open_warehouse
con = open_warehouse(sys.argv[1], snapshot=sys.argv[2] == "snapshot")
print(con.execute("SELECT count(*) FROM mentions").fetchall()[0][0], flush=True)
time.sleep(float(sys.argv[3]))
"""


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse with 5 mentions, and a second batch of 5 more."""
    db = tmp_path / "w.duckdb"
    write_mentions(tmp_path / "first.jsonl", [scored_mention(i) for i in range(5)])
    load_mentions(tmp_path / "first.jsonl", db)
    write_mentions(tmp_path / "second.jsonl", [scored_mention(i) for i in range(5, 10)])
    return db, tmp_path / "second.jsonl"


@pytest.fixture
def reader_process() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        process.kill()
        process.wait()


def hold(
    started: list[subprocess.Popen[str]], db: Path, seconds: float, snapshot: bool = False
) -> subprocess.Popen[str]:
    mode = "snapshot" if snapshot else "direct"
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    started.append(process)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "5"  # open, and reading
    return process


def mentions(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM mentions").fetchall()[0][0])
    finally:
        con.close()


def test_a_reader_left_open_is_named_and_the_load_waits_before_giving_up(
    warehouse: tuple[Path, Path],
    reader_process: list[subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    db, batch = warehouse
    reader = hold(reader_process, db, 120)
    monkeypatch.setenv("VEILLE_WRITE_WAIT_S", "2")
    began = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="warehouse.db"),
        pytest.raises(WarehouseBusy) as busy,
    ):
        load_mentions(batch, db)
    assert 2 <= time.monotonic() - began < 30
    message = str(busy.value)
    # The reader, with its command line; never the load's own process.
    assert f"is held open for reading by PID {reader.pid} ({sys.executable} -c" in message
    assert f"PID {os.getpid()}" not in message
    assert "waited 2 s" in message and "snapshot=True" in message
    waits = [r.getMessage() for r in caplog.records if "waiting up to" in r.getMessage()]
    assert len(waits) == 1 and f"PID {reader.pid}" in waits[0]  # said once, not every second
    # Nothing lost: once the reader is gone the same batch loads.
    reader.kill()
    reader.wait()
    assert load_mentions(batch, db).inserted == 5
    assert mentions(db) == 10


def test_the_load_goes_through_once_the_reader_closes(
    warehouse: tuple[Path, Path],
    reader_process: list[subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
):
    db, batch = warehouse
    hold(reader_process, db, 2)
    monkeypatch.setenv("VEILLE_WRITE_WAIT_S", "60")
    began = time.monotonic()
    assert load_mentions(batch, db).inserted == 5
    assert time.monotonic() - began >= 1  # it did wait for the reader
    assert mentions(db) == 10


def test_a_snapshot_reader_never_holds_up_a_load(
    warehouse: tuple[Path, Path],
    reader_process: list[subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch,
):
    db, batch = warehouse
    hold(reader_process, db, 120, snapshot=True)
    monkeypatch.setenv("VEILLE_WRITE_WAIT_S", "0")
    assert load_mentions(batch, db).inserted == 5
    assert mentions(db) == 10


def test_the_cli_exits_75_naming_the_reader(
    warehouse: tuple[Path, Path], reader_process: list[subprocess.Popen[str]]
):
    db, _ = warehouse
    reader = hold(reader_process, db, 120)
    done = subprocess.run(
        [sys.executable, "-m", "veille.cli", "db", "migrate", "--warehouse", str(db)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "VEILLE_WRITE_WAIT_S": "1"},
        timeout=60,
    )
    assert done.returncode == 75, done.stderr
    assert f"held open for reading by PID {reader.pid}" in done.stderr
    assert "Traceback" not in done.stderr


HOLDER = """
import sys, time
from pathlib import Path
from warehouse.db import writer
with writer(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_writer_waits_for_the_first(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), "2"], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        began = time.monotonic()
        with writer(db, wait_s=60) as con:
            assert con.execute("SELECT count(*) FROM mentions").fetchall() == [(0,)]
        assert time.monotonic() - began >= 1
    finally:
        holder.kill()
        holder.wait()
