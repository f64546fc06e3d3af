"""The warehouse's connections: the DuckDB file with its one-writer lock, or a DuckLake
(warehouse/lake.py). The schema is applied by every writer (warehouse/migrations.py).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb

from veille.core.home import Lake, Warehouse
from veille.core.settings import settings
from warehouse.migrations import migrate

log = logging.getLogger(__name__)

# How long a writer waits for readers or another writer to let go of the warehouse.
WRITE_WAIT_ENV = "VEILLE_WRITE_WAIT_S"
DEFAULT_WRITE_WAIT_S = 300.0
RETRY_EVERY_S = 1.0

# What a reading connection may do: read this warehouse, nothing else. No other file,
# no network, no extension installed or loaded, no secret stored, and (once opened)
# no setting changed.
READ_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
}

# DuckDB's messages for a file that is not (or no longer) a database it can read.
_DAMAGED = (
    "not a valid duckdb database file",
    "corrupt database file",
    "could not read enough bytes",
    "checksum",
    "version number",
    "serialization error",
    "failure while replaying wal",
)


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse: a load writing it, or (for a writer) a reader
    keeping it open."""


class WarehouseCorrupt(RuntimeError):
    """The warehouse file cannot be opened: damaged, not a DuckDB database, or unreadable.
    It is left as it was."""


def connect(
    path: Warehouse, *, read_only: bool = False, export_dir: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse. Read-only connections to the DuckDB file are locked
    down (READ_CONFIG) and can read nothing but this file; `export_dir` lets one write
    under that folder only, for the Parquet export (whose queries are ours, never a
    user's). A DuckLake is attached read-only (warehouse/lake.py)."""
    if isinstance(path, Lake):
        from warehouse.lake import connect_lake

        lake = connect_lake(path, read_only=read_only)
        if read_only:  # attached: now no file but its data's, no setting changed
            allowed = [] if export_dir is None else [f"{export_dir.resolve()}/"]
            if "://" not in path.data_path:  # (object storage is left reachable)
                allowed.append(f"{Path(path.data_path).resolve()}/")
                lake.execute("SET allowed_directories = ?", [allowed])
                lake.execute("SET enable_external_access = false")
            lake.execute("SET lock_configuration = true")
        return lake
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse here yet; run `veille run` or `veille demo`")
    path.parent.mkdir(parents=True, exist_ok=True)
    config: dict[str, str | bool | int | float | list[str]] = {}
    if read_only:
        config = dict(READ_CONFIG)
        if export_dir is not None:
            # allowed_directories can only be set while external access is still on.
            del config["enable_external_access"]
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.Error as err:
        raise _open_error(path, err, read_only) from None
    try:
        if read_only and _locked(con):
            return con  # an earlier connection of this process locked the shared instance
        # Stable output whatever the machine's zone; instants are stored as TIMESTAMPTZ.
        con.execute("SET GLOBAL TimeZone = 'UTC'")
        if read_only:
            if export_dir is not None:
                con.execute("SET allowed_directories = ?", [[f"{export_dir.resolve()}/"]])
                con.execute("SET enable_external_access = false")
            else:
                # enable_external_access still lets COPY overwrite the database's own file
                # and WAL (DuckDB allows them): no local file at all once the file is open.
                con.execute("SET disabled_filesystems = 'LocalFileSystem'")
            con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _locked(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT current_setting('lock_configuration')").fetchall()
    return bool(rows and rows[0][0])


def _open_error(path: Path, err: duckdb.Error, read_only: bool) -> Exception:
    """What to tell the user when DuckDB cannot open the file."""
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    lowered = reason.lower()
    if "different configuration" in lowered:
        # DuckDB shares one database per file within a process.
        return WarehouseBusy(
            f"{path} is already open in this process with other settings (a reader or the "
            "writer); close that connection first"
        )
    if "could not set lock" in lowered or "conflicting lock" in lowered:
        if read_only:
            # A load in progress holds the file; readers can open it again once it is done.
            return WarehouseBusy(
                f"{path} is being written by {_writer_of(path, err)}; retry when it has finished"
            )
        return WarehouseBusy(f"{path} is {_reader_of(err)}")
    if any(sign in lowered for sign in _DAMAGED):
        return WarehouseCorrupt(
            f"{path} cannot be read as a DuckDB warehouse ({reason}); it was left untouched. "
            "Restore it from a backup, or move it away so that the next load starts a new "
            "warehouse."
        )
    return WarehouseCorrupt(
        f"{path} cannot be opened ({reason}); it was left untouched. Check that the file "
        "and its folder are readable (and writable, for a load) and that the disk has room."
    )


def _pid_in(err: BaseException) -> int | None:
    """The process DuckDB says holds its lock: "Conflicting lock is held in … (PID 1234)"."""
    match = re.search(r"\(PID (\d+)\)", str(err))
    return int(match.group(1)) if match else None


def describe_process(pid: int) -> str:
    """The process and its command line, when visible: PID 1234 (python -m notebook …)."""
    command = _command_line(pid)
    return f"PID {pid} ({command})" if command else f"PID {pid}"


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    # One line: a `python -c` script's newlines would split the message.
    command = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split())
    return command if len(command) <= 120 else command[:117] + "..."


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _holder(path: Path) -> str:
    """Who holds the write lock, as the lock file records it: "PID 1234 (veille run,
    since 2026-11-02T03:00:00+00:00)"."""
    try:
        record = json.loads(_lock_path(path).read_text(encoding="utf-8"))
        what = ", ".join(str(record[k]) for k in ("command", "doing") if record.get(k))
        return f"PID {record['pid']} ({what}, since {record['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _writer_of(path: Path, err: BaseException) -> str:
    """The process writing the warehouse: the lock file's holder, else DuckDB's."""
    recorded = _holder(path)
    pid = _pid_in(err)
    if pid is None or recorded.startswith(f"PID {pid} "):
        return recorded
    return describe_process(pid)


def _reader_of(err: BaseException) -> str:
    pid = _pid_in(err)
    holder = describe_process(pid) if pid is not None else "another process"
    # DuckDB adds that a read-only open would succeed when the holder is only reading.
    if "read-only mode" in str(err):
        return f"held open for reading by {holder}"
    return f"held open by {holder}"


def write_wait_s(wait_s: float | None = None) -> float:
    """How long a writer waits for the warehouse: `wait_s`, else $VEILLE_WRITE_WAIT_S,
    else DEFAULT_WRITE_WAIT_S."""
    if wait_s is not None:
        return max(0.0, wait_s)
    raw = (settings().write_wait_s or "").strip()
    if not raw:
        return DEFAULT_WRITE_WAIT_S
    try:
        return max(0.0, float(raw))
    except ValueError:
        log.warning(
            "%s=%r is not a number of seconds; waiting %.0f s", WRITE_WAIT_ENV, raw,
            DEFAULT_WRITE_WAIT_S,
        )  # fmt: skip
        return DEFAULT_WRITE_WAIT_S


class _Patience:
    """Retries until a deadline, saying once what it waits for."""

    def __init__(self, path: Path, wait_s: float):
        self.path, self.wait_s = path, wait_s
        self.deadline = time.monotonic() + wait_s
        self.said = False

    def wait(self, holder: str) -> bool:
        """Sleep before the next try; False once the time is up."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            return False
        if not self.said:
            log.warning(
                "%s is %s; waiting up to %.0f s for it (%s)", self.path, holder, self.wait_s,
                WRITE_WAIT_ENV,
            )  # fmt: skip
            self.said = True
        time.sleep(min(RETRY_EVERY_S, left))
        return True


@contextmanager
def write_lock(path: Path, *, wait_s: float | None = None, doing: str = "") -> Iterator[None]:
    """The lock file beside the database, held for as long as the block runs: one writer
    at a time, and the file records who holds it so that others can name it. Waits up to
    `wait_s` (write_wait_s) for the holder to finish, then raises WarehouseBusy."""
    lock_path = _lock_path(path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = lock_path.open("a+", encoding="utf-8")
    patience = _Patience(path, write_wait_s(wait_s))
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = f"being written by {_holder(path)}"
            if not patience.wait(holder):
                handle.close()
                raise WarehouseBusy(
                    f"{path} is {holder}; waited {patience.wait_s:.0f} s. Wait for it to "
                    f"finish, then retry (or set {WRITE_WAIT_ENV} to wait longer)"
                ) from None
    handle.seek(0)
    handle.truncate()
    record = {
        "pid": os.getpid(),
        "command": _command_line(os.getpid()) or " ".join(sys.argv[:3]),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if doing:
        record["doing"] = doing
    handle.write(json.dumps(record))
    handle.flush()
    try:
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@contextmanager
def writer(path: Warehouse, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one read-write connection to the DuckDB file. It waits up to `wait_s` seconds
    (default $VEILLE_WRITE_WAIT_S, else 5 minutes) for another writer, or for readers
    that keep the file open, to let go, retrying every second; then WarehouseBusy names
    the process in the way. On a DuckLake, one of many writers: no lock is taken; a load
    whose commit conflicts with another writer's is loaded again (warehouse/lake.py)."""
    if isinstance(path, Lake):
        from warehouse.lake import connect_lake, migrate_lake

        lake = connect_lake(path)
        try:
            migrate_lake(lake)
            yield lake
        finally:
            lake.close()
        return
    patience_s = write_wait_s(wait_s)
    started = time.monotonic()
    with write_lock(path, wait_s=patience_s):
        patience = _Patience(path, max(0.0, patience_s - (time.monotonic() - started)))
        while True:
            try:
                con = connect(path)
                break
            except WarehouseBusy as busy:
                if "held open" not in str(busy):
                    raise  # open in this very process: waiting would not help
                # A reader (a notebook, `veille sql`) holds DuckDB's own lock on the file.
                holder = str(busy).removeprefix(f"{path} is ")
                if not patience.wait(holder):
                    raise WarehouseBusy(
                        f"{path} is {holder}; waited {patience_s:.0f} s for it to close. "
                        "Close that session and retry; to read without holding up loads, "
                        "use open_warehouse(snapshot=True) or the Parquet export "
                        "(docs/warehouse.md)"
                    ) from None
        try:
            migrate(con)
            yield con
        finally:
            con.close()
