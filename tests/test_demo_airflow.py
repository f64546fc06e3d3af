"""`veille demo airflow` (`make airflow`) for real: Airflow standalone with Veille's DAG
on the demo site, one run followed to its end, then Ctrl-C stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from veille.demo.run import free_port

pytestmark = pytest.mark.slow


def test_demo_airflow_runs_the_dag_and_stops_on_ctrl_c(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "VEILLE_HOME": str(tmp_path)}
    # Started as a person would from a shell whose PATH has no venv in it.
    env["PATH"] = "/usr/bin:/bin"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "veille"), "demo", "airflow", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + 600
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if re.search(r"^run \S+: (success|failed)", line) or time.monotonic() > deadline:
            break
    said = "\n".join(lines)
    assert re.search(
        rf"Airflow: http://127\.0\.0\.1:{port}/dags/veille_pipeline  login: admin / \S+", said
    ), said
    assert re.search(r"^run \S+: success; 1 emails received by the sink$", said, re.M), said
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode == 0, rest
    assert rest.strip().endswith("stopped")
    # Airflow's API is gone with it.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    home = tmp_path / "airflow-demo"
    con = duckdb.connect(str(home / "veille.duckdb"), read_only=True)
    assert con.execute("SELECT count(DISTINCT source_id) FROM mentions").fetchone() == (3,)
    con.close()
    assert len(list((home / "runs").iterdir())) == 1
