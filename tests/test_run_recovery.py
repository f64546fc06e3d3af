"""Nothing lost between crawl and warehouse: `veille run` killed at each step, or stopped
by a reader holding the warehouse, leaves the crawl state as it was, so the next run
stores exactly what a run that never failed stores. Real runs: the demo site, Scrapy
subprocesses, the model, DuckDB and an SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

VEILLE = [sys.executable, "-m", "veille.cli"]


def run_env(home: Path, smtp_port: int) -> dict[str, str]:
    # A reader makes the load give up at once instead of waiting for it.
    return {
        **os.environ,
        "VEILLE_HOME": str(home),
        "VEILLE_SMTP_PORT": str(smtp_port),
        "VEILLE_WRITE_WAIT_S": "0",
    }


def veille_run(config: Path, home: Path, smtp_port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VEILLE, "run", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=run_env(home, smtp_port),
        timeout=600,
    )


def run_killed_at(config: Path, home: Path, smtp_port: int, marker: str) -> str:
    """`veille run`, killed (SIGKILL, its crawl subprocesses with it) as soon as its
    progress shows `marker`; returns what it printed until then."""
    process = subprocess.Popen(
        [*VEILLE, "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=run_env(home, smtp_port),
        start_new_session=True,  # its own process group: the kill takes the crawlers too
    )
    seen = []
    assert process.stderr is not None
    try:
        for line in process.stderr:
            seen.append(line)
            if marker in line:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        process.wait(timeout=600)
    printed = "".join(seen)
    assert marker in printed, f"the run ended before {marker!r}:\n{printed}"
    return printed


def stored_ids(home: Path) -> set[str]:
    con = duckdb.connect(str(home / "veille.duckdb"), read_only=True)
    try:
        return {row[0] for row in con.execute("SELECT mention_id FROM mentions").fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, demo_site: str) -> Iterator[set[str]]:
    """What one run that nothing interrupted stores."""
    from veille.demo.run import DEMO_CONFIG, smtp_server

    home = tmp_path_factory.mktemp("reference")
    with pytest.MonkeyPatch.context() as env, smtp_server() as (_, port):
        env.setenv("VEILLE_DEMO_URL", demo_site)
        result = veille_run(DEMO_CONFIG, home, port)
    assert result.returncode == 0, result.stderr
    ids = stored_ids(home)
    assert len(ids) >= 40
    yield ids


@pytest.mark.parametrize(
    "marker",
    [
        "select: ",  # every source crawled, nothing scored
        "mentions with ",  # scoring
        "load: ",  # stored; the crawl state moved forward or not, as the kill lands
    ],
)
def test_a_run_killed_at_any_step_loses_no_post(
    marker: str, reference: set[str], demo_config: Path, tmp_path: Path, smtp
):
    _, port = smtp
    home = tmp_path / "home"
    run_killed_at(demo_config, home, port, marker)
    if marker != "load: ":  # before the load, the state never moves forward
        assert not (home / "state").exists() or not list((home / "state").glob("*.sqlite"))
    again = veille_run(demo_config, home, port)
    assert again.returncode == 0, again.stderr
    assert stored_ids(home) == reference
    if marker == "load: ":
        # That run stored its posts: the next one asks only for what changed.
        third = veille_run(demo_config, home, port)
        assert third.returncode == 0, third.stderr
        assert "unchanged since the last crawl" in third.stderr
        assert stored_ids(home) == reference


def test_a_load_stopped_by_a_reader_is_stored_by_the_next_run(
    reference: set[str], demo_config: Path, tmp_path: Path, smtp
):
    """The issue's repro: a notebook holds the warehouse open during the nightly run."""
    _, port = smtp
    home = tmp_path / "home"
    migrate = subprocess.run(
        [*VEILLE, "db", "migrate"], capture_output=True, text=True, cwd=REPO,
        env=run_env(home, port), timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
         "print('open', flush=True); sys.stdin.read()", str(home / "veille.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
        blocked = veille_run(demo_config, home, port)
    finally:
        reader.communicate(timeout=30)  # the notebook is closed
    assert blocked.returncode == 75, blocked.stderr
    assert f"PID {reader.pid}" in blocked.stderr  # the real holder, not the load itself
    again = veille_run(demo_config, home, port)
    assert again.returncode == 0, again.stderr
    assert stored_ids(home) == reference


def test_a_run_whose_alert_email_cannot_go_out_exits_3_and_sends_it_next_time(
    demo_config: Path, tmp_path: Path, smtp
):
    from veille.demo.run import free_port

    inbox, port = smtp
    home = tmp_path / "home"
    down = veille_run(demo_config, home, free_port())  # nothing listens there
    assert down.returncode == 3, down.stderr
    assert "email not sent" in down.stdout and "retried next run" in down.stdout
    up = veille_run(demo_config, home, port)
    assert up.returncode == 0, up.stderr
    assert len(inbox.messages) == 1
