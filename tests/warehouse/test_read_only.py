"""Reading connections (`veille sql`, notebooks, open_warehouse) read the warehouse and
nothing else: every way out DuckDB offers is refused by its own settings, and nothing
leaves the machine (a local server stands where a download would go)."""

import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.factories import load_mentions, sample_warehouse, scored_mention
from veille.core.record import write_mentions
from warehouse.access import QueryError, open_warehouse, run_query

REFUSED = (
    "disabled by configuration",
    "disabled through configuration",
    "configuration has been locked",
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_warehouse(tmp_path_factory.mktemp("w"))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A server on 127.0.0.1 where the queries point their downloads: it must see no one."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)
    yield server
    server.close()


def attacks(db: Path, other: Path, out: Path, port: int) -> list[str]:
    return [
        # The report's own: the warehouse overwritten by a 4-byte CSV.
        f"COPY (SELECT 1) TO '{db}' (FORMAT csv)",
        # DuckDB allows its own file and WAL even with enable_external_access = false.
        f"COPY (SELECT 1) TO '{db}' (FORMAT csv, USE_TMP_FILE false)",
        f"COPY (SELECT 1) TO '{db}.wal' (FORMAT csv)",
        f"COPY mentions TO '{out}/mentions.csv'",
        f"EXPORT DATABASE '{out}/dump'",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/root/*')",
        f"SELECT * FROM read_csv('{other}')",
        f"ATTACH '{other}' AS other",
        f"ATTACH '{other}' AS other (READ_ONLY)",
        "SET threads = 1",
        "SET enable_external_access = true",
        "SET disabled_filesystems = ''",
        "SET allowed_directories = ['/']",
        "RESET lock_configuration",
        "INSTALL httpfs",
        f"INSTALL httpfs FROM 'http://127.0.0.1:{port}'",
        "LOAD httpfs",
        f"SELECT * FROM read_csv('http://127.0.0.1:{port}/x.csv')",
    ]


def test_a_reading_connection_reads_the_warehouse_and_nothing_else(
    db: Path, tmp_path: Path, listener: socket.socket
):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE secret AS SELECT 42 AS x").close()
    out = tmp_path / "out"
    out.mkdir()
    before = digest(db), digest(other)
    port = listener.getsockname()[1]
    con = open_warehouse(db)
    try:
        for query in attacks(db, other, out, port):
            with pytest.raises(QueryError) as refused:
                run_query(con, query)
            message = str(refused.value)
            assert any(reason in message for reason in REFUSED), message
            assert "veille sql` reads the warehouse and nothing else" in message
        # Still a working connection, on every table and view.
        assert run_query(con, "SELECT count(*) FROM mentions_clean")[1] == [(12,)]
    finally:
        con.close()
    assert (digest(db), digest(other)) == before
    assert not db.with_name(db.name + ".wal").exists()
    assert list(out.iterdir()) == []
    with pytest.raises(TimeoutError):
        listener.accept()  # no download was even tried


def test_veille_sql_cannot_overwrite_the_warehouse_or_install_anything(db: Path):
    before = digest(db)
    for query in (
        f"COPY (SELECT 1) TO '{db}' (FORMAT csv)",
        "SELECT * FROM read_text('/etc/passwd')",
        "INSTALL httpfs",
    ):
        done = subprocess.run(
            [sys.executable, "-m", "veille.cli", "sql", query, "--warehouse", str(db)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert f"query {query!r}" in done.stderr or f'query "{query}"' in done.stderr
        assert any(reason in done.stderr for reason in REFUSED), done.stderr
        assert "Traceback" not in done.stderr and "root:" not in done.stdout
    assert digest(db) == before


def test_the_settings_are_duckdbs_own_and_locked(db: Path):
    con = open_warehouse(db)
    try:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ("
                "'enable_external_access', 'lock_configuration', 'autoinstall_known_extensions', "
                "'autoload_known_extensions', 'allow_community_extensions', "
                "'allow_persistent_secrets', 'TimeZone')"
            ).fetchall()
        )
        # A second connection of the same process shares the locked database.
        again = open_warehouse(db)
        assert again.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        again.close()
    finally:
        con.close()
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
        "allow_persistent_secrets": "false",
        "TimeZone": "UTC",
    }


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "ORDER BY table_name"
        ).fetchall()
    ]


@pytest.mark.parametrize("snapshot", [False, True])
def test_every_table_and_view_reads_under_the_lockdown(db: Path, snapshot: bool):
    con = open_warehouse(db, snapshot=snapshot)
    try:
        names = views(con)
        assert {"mentions_clean", "brand_mentions", "reputation_index"} <= set(names)
        for name in names:
            con.execute(f"SELECT * FROM {name} LIMIT 5").fetchall()
            assert con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] >= 0
        assert con.execute("SELECT count(*) FROM brand_mentions").fetchall() == [(12,)]
    finally:
        con.close()


# A load's transaction committed to the WAL, then the process died before the checkpoint.
COMMITTED_IN_WAL = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("PRAGMA disable_checkpoint_on_shutdown")
con.execute("SET checkpoint_threshold = '1TB'")
con.execute("INSERT INTO corrections VALUES ('c1', 'm00001', NULL, 'negative', 'zoe', NULL, now())")
os._exit(0)
"""


def test_a_warehouse_with_a_wal_reads_under_the_lockdown(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    write_mentions(tmp_path / "batch.jsonl", [scored_mention(i) for i in range(3)])
    load_mentions(tmp_path / "batch.jsonl", db)
    subprocess.run([sys.executable, "-c", COMMITTED_IN_WAL, str(db)], check=True, timeout=60)
    wal = db.with_name(db.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    for snapshot in (False, True):
        con = open_warehouse(db, snapshot=snapshot)
        try:
            assert con.execute("SELECT count(*) FROM corrections").fetchall() == [(1,)]
            sentiment = con.execute(
                "SELECT sentiment FROM mentions_clean WHERE mention_id = 'm00001'"
            ).fetchall()
            assert sentiment == [("negative",)]
        finally:
            con.close()
    assert os.path.exists(wal)  # a reader never rewrites the file or its WAL
