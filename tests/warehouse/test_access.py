"""Reading the warehouse: `veille sql`, `veille export --parquet`, `veille db migrate`,
the notebook helper, and a load killed half-way."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.factories import load_mentions, sample_warehouse, scored_mention
from veille.core.record import write_mentions
from warehouse.access import open_warehouse
from warehouse.migrations import migrations


def veille(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_warehouse(tmp_path_factory.mktemp("w"))


def test_sql_prints_a_table_csv_and_json(db: Path):
    query = "SELECT brand, sum(mentions) AS n FROM daily_brand_sentiment GROUP BY brand"
    table = veille("sql", query, "--warehouse", str(db))
    assert table.returncode == 0, table.stderr
    assert "Fibrelia" in table.stdout and "12" in table.stdout and "(1 row)" in table.stdout
    csv = veille("sql", query, "--format", "csv", "--warehouse", str(db))
    assert csv.stdout.splitlines() == ["brand,n", "Fibrelia,12"]
    as_json = veille("sql", query, "--format", "json", "--warehouse", str(db))
    assert json.loads(as_json.stdout) == [{"brand": "Fibrelia", "n": 12}]


def test_sql_errors_name_the_query_and_nothing_can_be_written(db: Path):
    bad = veille("sql", "SELECT nope FROM mentions", "--warehouse", str(db))
    assert bad.returncode == 2
    assert "query 'SELECT nope FROM mentions'" in bad.stderr and "nope" in bad.stderr
    assert "Traceback" not in bad.stderr
    write = veille("sql", "DELETE FROM mentions", "--warehouse", str(db))
    assert write.returncode == 2 and "read-only" in write.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM mentions").fetchone() == (12,)
    con.close()
    missing = veille("sql", "SELECT 1", "--warehouse", str(db.parent / "none.duckdb"))
    assert missing.returncode == 2 and "no warehouse here yet" in missing.stderr


def test_after_the_demo_the_commands_read_its_warehouse_until_veille_run_makes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`veille demo` writes $VEILLE_HOME/demo/veille.duckdb: `veille sql` and
    open_warehouse() read it, saying so, until $VEILLE_HOME/veille.duckdb exists."""
    home = tmp_path / "home"
    (home / "demo").mkdir(parents=True)
    sample_warehouse(home / "demo").rename(home / "demo" / "veille.duckdb")
    env = {"VEILLE_HOME": str(home)}
    query = "SELECT count(*) AS n FROM mentions"
    demo = veille("sql", query, "--format", "csv", env=env)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines() == ["n", "12"]
    assert f"using the demo's, {home / 'demo' / 'veille.duckdb'}" in demo.stderr
    monkeypatch.setenv("VEILLE_HOME", str(home))
    con = open_warehouse()
    assert con.execute(query).fetchone() == (12,)
    con.close()
    # once `veille run` has made the data folder's own warehouse, that one is read
    write_mentions(tmp_path / "one.jsonl", [scored_mention(1)])
    load_mentions(tmp_path / "one.jsonl", home / "veille.duckdb")
    own = veille("sql", query, "--format", "csv", env=env)
    assert own.stdout.splitlines() == ["n", "1"] and "demo" not in own.stderr


def test_export_writes_parquet_partitioned_by_day_and_replaces_the_last(db: Path, tmp_path: Path):
    out = tmp_path / "export"
    done = veille("export", "--parquet", str(out), "--warehouse", str(db))
    assert done.returncode == 0, done.stderr
    days = sorted(p.name for p in (out / "mentions_clean").iterdir())
    assert days[0] == ".veille-export"  # the marker: this folder is an export's
    assert len(days) == 5 and all(d.startswith("day=") for d in days[1:])
    count = duckdb.execute(
        f"SELECT count(*) FROM read_parquet('{out}/brand_mentions/*/*.parquet', "
        "hive_partitioning = true)"
    ).fetchone()
    assert count == (12,)
    (out / "mentions_clean" / "day=1999-01-01").mkdir()  # left from an older export
    assert veille("export", "--parquet", str(out), "--warehouse", str(db)).returncode == 0
    assert len(list((out / "mentions_clean").glob("day=*"))) == 4
    assert sorted(p.name for p in out.iterdir()) == ["brand_mentions", "mentions_clean"]


def test_export_replaces_only_what_an_export_wrote(db: Path, tmp_path: Path):
    out = tmp_path / "export"
    (out / "mentions_clean").mkdir(parents=True)
    important = out / "mentions_clean" / "important.xlsx"
    important.write_bytes(b"the analyst's own work")
    refused = veille("export", "--parquet", str(out), "--warehouse", str(db))
    assert refused.returncode == 2
    assert f"{out / 'mentions_clean'} was not written by `veille export`" in refused.stderr
    assert "nothing was deleted" in refused.stderr and "Traceback" not in refused.stderr
    assert important.read_bytes() == b"the analyst's own work"
    assert sorted(p.name for p in out.iterdir()) == ["mentions_clean"]  # nothing written

    important.unlink()
    (out / "mentions_clean").rmdir()
    assert veille("export", "--parquet", str(out), "--warehouse", str(db)).returncode == 0
    # A file put into an export afterwards is not the export's to delete either.
    day = next((out / "brand_mentions").glob("day=*"))
    for stray in (out / "brand_mentions" / "notes.txt", day / "keep.csv"):
        stray.write_text("mine")
        refused = veille("export", "--parquet", str(out), "--warehouse", str(db))
        assert refused.returncode == 2 and str(stray) in refused.stderr, refused.stderr
        assert stray.read_text() == "mine"
        stray.unlink()
    again = veille("export", "--parquet", str(out), "--warehouse", str(db))
    assert again.returncode == 0, again.stderr


def test_export_to_a_file_is_refused_with_a_message(db: Path, tmp_path: Path):
    target = tmp_path / "export.parquet"
    target.write_text("a file")
    done = veille("export", "--parquet", str(target), "--warehouse", str(db))
    assert done.returncode == 2
    assert f"{target} is a file, not a folder" in done.stderr and "Traceback" not in done.stderr
    assert target.read_text() == "a file"
    out = tmp_path / "out"
    out.mkdir()
    (out / "brand_mentions").write_text("a file where a view goes")
    done = veille("export", "--parquet", str(out), "--warehouse", str(db))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{out / 'brand_mentions'} is a file" in done.stderr
    assert (out / "brand_mentions").read_text() == "a file where a view goes"


def test_db_migrate_reports_the_version(tmp_path: Path):
    path = tmp_path / "new.duckdb"
    done = veille("db", "migrate", "--warehouse", str(path))
    assert done.returncode == 0, done.stderr
    assert f"schema at version {migrations()[-1][0]}" in done.stdout


def test_notebook_helper_is_read_only(db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VEILLE_HOME", str(db.parent))
    db.parent.joinpath("veille.duckdb").write_bytes(db.read_bytes())
    con = open_warehouse()
    try:
        assert con.execute("SELECT count(*) FROM mentions_clean").fetchone() == (12,)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM mentions")
    finally:
        con.close()


# The loader, in a process of its own, is killed by SIGKILL when it reaches COMMIT: every
# row of the batch has been written inside the transaction, none is committed.
KILLED_AT_COMMIT = """
import os, signal, sys
from contextlib import contextmanager
from pathlib import Path
import warehouse.load

real_writer = warehouse.load.writer

class KilledAtCommit:
    def __init__(self, con):
        self.con = con
    def __getattr__(self, name):
        return getattr(self.con, name)
    def execute(self, query, *args):
        if query.strip().upper() == "COMMIT":
            os.kill(os.getpid(), signal.SIGKILL)
        return self.con.execute(query, *args)

@contextmanager
def writer(path):
    with real_writer(path) as con:
        yield KilledAtCommit(con)

warehouse.load.writer = writer
warehouse.load.load_mentions(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def state(db: Path) -> tuple[object, ...]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(
            con.execute(f"SELECT count(*), max(updated_at) FROM {table}").fetchone()
            if table == "mentions"
            else con.execute(f"SELECT count(*) FROM {table}").fetchone()
            for table in ("mentions", "mention_brands", "quarantine")
        )
    finally:
        con.close()


def test_a_load_killed_half_way_leaves_the_previous_state_and_a_rerun_converges(
    tmp_path: Path,
):
    db = tmp_path / "w.duckdb"
    first = tmp_path / "first.jsonl"
    write_mentions(first, [scored_mention(i) for i in range(50)])
    load_mentions(first, db)
    before = state(db)
    big = tmp_path / "big.jsonl"
    batch = [scored_mention(i, days_ago=i % 30) for i in range(3000)]
    batch[7].text = ""  # one bad row, for the quarantine
    write_mentions(big, batch)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AT_COMMIT, str(big), str(db)], cwd=REPO, timeout=300
    )
    assert killed.returncode == -signal.SIGKILL
    assert state(db) == before
    report = load_mentions(big, db)
    assert (report.inserted, report.quarantined) == (2950, 1)
    assert report.inserted + report.updated + report.unchanged == 2999
    # m00007 keeps its earlier, valid version; the bad one waits in quarantine.
    assert state(db)[0][0] == 3000 and state(db)[2] == (1,)
    again = load_mentions(big, db)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2999)
