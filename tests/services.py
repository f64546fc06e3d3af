"""Real servers for the tests, started in a temporary folder on 127.0.0.1 and stopped
after: PostgreSQL (Debian's `postgresql`: initdb, pg_ctl) and Redis (`redis-server`).
`make test` installs both when they are missing and the machine allows (`make services`);
where they are not installed, the tests that need them are skipped and say so."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from veille.demo.run import free_port

# initdb refuses to run as root: as root the server runs as this user (Debian's package
# creates it).
POSTGRES_USER = "postgres"


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs, or None when it is not installed."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


@dataclass(frozen=True)
class Postgres:
    port: int
    user: str
    folder: Path

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq connection string (what DuckDB's postgres extension takes)."""
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str = "postgres", driver: str = "postgresql+psycopg2") -> str:
        """A SQLAlchemy URL (what Airflow takes)."""
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> None:
        import psycopg2

        con = psycopg2.connect(self.dsn())
        con.autocommit = True
        with con.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        con.close()


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL server of its own in a new temporary folder (one the server's user can
    reach: not under pytest's, which only root may enter), trusting local connections."""
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL is not installed: apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="veille-postgres-"))
    try:
        with _postgres(bindir, folder) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _postgres(bindir: Path, folder: Path) -> Iterator[Postgres]:
    as_root = os.geteuid() == 0
    user = POSTGRES_USER if as_root else pwd.getpwuid(os.geteuid()).pw_name
    data = folder / "data"
    data.mkdir(parents=True)
    if as_root:
        shutil.chown(folder, user)
        shutil.chown(data, user)
    run_as = {"user": user} if as_root else {}
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8"],
        check=True, capture_output=True, **run_as,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=200"
    subprocess.run(
        [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
         "-w", "start"],
        check=True, capture_output=True, **run_as,
    )  # fmt: skip
    try:
        yield Postgres(port, user, folder)
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            check=False, capture_output=True, **run_as,
        )  # fmt: skip


@dataclass(frozen=True)
class Redis:
    port: int

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[Redis]:
    """A Redis server of its own, its files in `folder`, nothing saved to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("Redis is not installed: apt-get install redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no", "--logfile", str(folder / "redis.log")],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {folder / 'redis.log'}")
            time.sleep(0.1)
        yield Redis(port)
    finally:
        process.terminate()
        process.wait(timeout=30)
