"""What `veille web` reads: a private copy of the warehouse, refreshed after each load.

The warehouse has one writer, and DuckDB lets nobody read the file while a load writes
it, nor a load start while someone reads it. The app must neither stop loads nor go
blank during one, so it reads a copy of the file taken between loads (under the
writers' lock, warehouse/access.py copy_between_loads), and takes a new copy when the
file has changed and no load holds it.

A decision made in the app (warehouse/reviews.py) is journaled, written into the copy
at once (so every screen shows it, the overview's figures included), and pushed to the
warehouse by a short write when no load runs; otherwise the next load copies it.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.access import copy_between_loads
from warehouse.db import READ_CONFIG, WarehouseBusy, connect, write_lock
from warehouse.migrations import VIEWS_DIR, migrate
from warehouse.reviews import Review, copy_journal, insert_reviews, journaled

log = logging.getLogger(__name__)

Signature = tuple[int, int, int, int]


def signature(path: Path) -> Signature:
    """What changes when a writer changed the warehouse: its file's and WAL's time and size."""

    def stat(p: Path) -> tuple[int, int]:
        try:
            st = p.stat()
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    return (*stat(path), *stat(path.with_name(path.name + ".wal")))


# Two views kept as tables in the copy, computed once per copy instead of on every
# request: mention_copies (which posts are copies of one another: it reads only table
# mentions, which the app never changes) and brand_mentions, which every screen reads,
# recomputed for the posts a decision changes. Both from the very SQL the warehouse
# defines (warehouse/views/), created under another name; the views built on them read
# the tables.
_KEPT = {"mention_copies": "10_mention_copies.sql", "brand_mentions": "20_brand_mentions.sql"}


def _keep_views(con: duckdb.DuckDBPyConnection) -> None:
    for view, file in _KEPT.items():
        definition = (VIEWS_DIR / file).read_text(encoding="utf-8")
        created = f"CREATE OR REPLACE VIEW {view} AS"
        assert created in definition, f"{VIEWS_DIR / file} no longer creates {view}"
        con.execute(definition.replace(created, f"CREATE OR REPLACE VIEW {view}_live AS"))
        # brand_mentions sorted by brand and day: a screen's scope skips most of the table
        order = " ORDER BY brand, day" if view == "brand_mentions" else ""
        con.execute(f"CREATE OR REPLACE TABLE {view}_kept AS SELECT * FROM {view}_live{order}")
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {view}_kept")


def _recompute_brand_mentions(con: duckdb.DuckDBPyConnection, mention_ids: list[str]) -> None:
    """Bring the kept brand_mentions up to date for these posts (all their copies)."""
    members = [
        row[0]
        for row in con.execute(
            "SELECT mention_id FROM mention_copies_kept WHERE duplicate_group IN ("
            "SELECT duplicate_group FROM mentions WHERE mention_id IN (SELECT unnest(?)))",
            [mention_ids],
        ).fetchall()
    ]
    if not members:
        return
    # the ids written out: DuckDB then filters the scans, where a subquery would make
    # it compute the whole view first (80 ms against 600 at 1M mentions)
    listed = ", ".join("?" * len(members))
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM brand_mentions_kept WHERE mention_id IN ({listed})", members)
        con.execute(
            f"INSERT INTO brand_mentions_kept SELECT * FROM brand_mentions_live "
            f"WHERE mention_id IN ({listed})",
            members,
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _write_decisions(con: duckdb.DuckDBPyConnection, reviews: list[Review]) -> None:
    """Decisions into a copy, and the kept brand_mentions of the posts they change."""
    insert_reviews(con, reviews)
    changed = [r.target for r in reviews if r.kind != "alert"]
    if changed:
        _recompute_brand_mentions(con, changed)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class NotReady(RuntimeError):
    """No copy of the warehouse yet: none exists, or a load held it since the app started."""


class _Copy:
    """One copy and its connection, closed once replaced and no request reads it."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, source: Signature):
        self.path, self.con, self.source = path, con, source
        self.readers = 0
        self.retired = False

    def close(self) -> None:
        self.con.close()
        for leftover in (self.path, self.path.with_name(self.path.name + ".wal")):
            leftover.unlink(missing_ok=True)


class WarehouseCopy:
    """The app's copy of the warehouse at `db_path`, kept in `folder`."""

    def __init__(self, db_path: Path, folder: Path, *, refresh_every_s: float = 2.0):
        # each process its own folder (several app processes may share the data folder)
        self.db_path, self.root = db_path, folder
        self.folder = folder / f"pid-{os.getpid()}"
        self.refresh_every_s = refresh_every_s
        self._lock = threading.Lock()
        self._current: _Copy | None = None
        self._numbers = itertools.count(1)
        self._stop = threading.Event()
        # decisions written into the current copy since the last refresh began: a copy
        # being taken meanwhile may lack them, so they are written into it too
        self._applied: list[Review] = []
        self._thread: threading.Thread | None = None
        self.problem: str | None = None  # why there is no copy yet, for the page that says so

    # --- lifetime ------------------------------------------------------------------

    def start(self) -> None:
        """Take the first copy now if the warehouse is free, then keep it fresh in the
        background."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob("pid-*"):  # left by a process killed earlier
            if stale != self.folder and not _alive(stale.name.removeprefix("pid-")):
                shutil.rmtree(stale, ignore_errors=True)
        self.refresh()
        self._thread = threading.Thread(target=self._keep_fresh, name="warehouse-copy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            if self._current is not None:
                self._current.retired = True
                if self._current.readers == 0:
                    self._current.close()
                self._current = None
        if not any(self.folder.glob("copy-*")):
            shutil.rmtree(self.folder, ignore_errors=True)

    def _keep_fresh(self) -> None:
        while not self._stop.wait(self.refresh_every_s):
            try:
                self.refresh()
            except Exception:  # the app keeps its last copy; the next round retries
                log.exception("could not refresh the copy of %s", self.db_path)

    # --- copies --------------------------------------------------------------------

    def refresh(self) -> bool:
        """Take a new copy when the warehouse changed and no load holds it; True if taken."""
        if not self.db_path.exists():
            self.problem = f"no warehouse at {self.db_path} yet: run `veille run` or `veille demo`"
            return False
        source = signature(self.db_path)
        current = self._current
        if current is not None and current.source == source:
            with self._lock:
                self._applied.clear()  # no copy being taken: the current one has them
            return False
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._applied.clear()
        path = self.folder / f"copy-{next(self._numbers)}.duckdb"
        try:
            copy_between_loads(self.db_path, path, wait_s=0)
        except WarehouseBusy as busy:
            self.problem = f"{busy}; the app shows the warehouse as it was before"
            path.unlink(missing_ok=True)
            return False
        con = duckdb.connect(str(path), config=dict(READ_CONFIG))
        try:
            con.execute("SET GLOBAL TimeZone = 'UTC'")
            migrate(con)  # an older warehouse gets the tables and views the app reads
            # decisions journaled but not yet in the warehouse
            insert_reviews(con, journaled(self.db_path, pending_only=True))
            _keep_views(con)
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        replacement = _Copy(path, con, source)
        with self._lock:
            if self._applied:  # made while this copy was taken: it may lack them
                _write_decisions(con, self._applied)
                self._applied.clear()
            previous, self._current = self._current, replacement
            if previous is not None:
                previous.retired = True
                if previous.readers == 0:
                    previous.close()
        self.problem = None
        log.info("veille web reads a copy of %s taken now", self.db_path)
        return True

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the current copy, for one request."""
        with self._lock:
            current = self._current
            if current is None:
                raise NotReady(self.problem or "the warehouse is being copied")
            current.readers += 1
            cursor = current.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
            with self._lock:
                current.readers -= 1
                if current.retired and current.readers == 0:
                    current.close()

    # --- decisions -----------------------------------------------------------------

    def apply(self, reviews: list[Review]) -> None:
        """Show journaled decisions at once: write them into the copy, then try to push
        them to the warehouse (the next load does it if one runs now)."""
        with self._lock:
            current = self._current
            if current is not None:
                cursor = current.con.cursor()
                try:
                    _write_decisions(cursor, reviews)
                finally:
                    cursor.close()
            self._applied.extend(reviews)
        threading.Thread(target=self.push, name="warehouse-push", daemon=True).start()

    def push(self) -> int:
        """Copy the journal into the warehouse if no load (nor reader) holds it; returns
        how many decisions went in. When the copy was up to date before, it stays so:
        the decisions are in it already, so the warehouse's change needs no new copy."""
        try:
            with write_lock(self.db_path, wait_s=0, doing="saving decisions from veille web"):
                before = signature(self.db_path)
                con = connect(self.db_path)
                try:
                    migrate(con)
                    pushed = copy_journal(con, self.db_path)
                finally:
                    con.close()
                after = signature(self.db_path)
        except WarehouseBusy as busy:
            log.info("decisions stay journaled until the next load: %s", busy)
            return 0
        with self._lock:
            if self._current is not None and self._current.source == before:
                self._current.source = after
        return pushed
