"""Veille's DAG under Airflow's CeleryExecutor for real: Airflow's database on PostgreSQL,
Redis as the broker, two Celery workers on this machine, the demo site crawled. The run
succeeds with its mapped tasks (crawls, score batches) spread over both workers, running
at the same time."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from veille.demo.airflow import (
    DAG_ID,
    POOL,
    airflow_environment,
    airflow_services,
    celery_environment,
    run_airflow,
)
from veille.demo.run import DEMO_CONFIG, free_port

pytestmark = pytest.mark.slow

RUN_TIMEOUT_S = 420


def test_the_dag_runs_on_two_celery_workers(postgres, redis, demo_site, smtp, tmp_path: Path):
    import psycopg2

    _, smtp_port = smtp
    postgres.create_database("airflow")
    home = tmp_path / "home"
    env = airflow_environment(
        home, tmp_path / "airflow", free_port(), demo_site, smtp_port, tmp_path / "models"
    )
    env = celery_environment(env, postgres.url("airflow"), redis.url())
    # 84 demo mentions: three score tasks for the workers to share.
    env["VEILLE_SCORE_BATCH"] = "30"
    assert env["VEILLE_CONFIG"] == str(DEMO_CONFIG)
    run_airflow(env, "db", "migrate")
    run_airflow(env, "pools", "set", POOL, "1", "Veille's warehouse writer")
    con = psycopg2.connect(postgres.dsn("airflow"))
    con.autocommit = True
    cursor = con.cursor()
    with airflow_services(env, tmp_path / "logs", workers=2) as processes:
        # The DAG starts unpaused: the scheduler runs yesterday's interval by itself.
        deadline = time.monotonic() + RUN_TIMEOUT_S
        state = None
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in processes), "an Airflow process stopped"
            cursor.execute("SELECT state FROM dag_run WHERE dag_id = %s", [DAG_ID])
            states = [row[0] for row in cursor.fetchall()]
            if states and states[0] in ("success", "failed"):
                state = states[0]
                break
            time.sleep(3)
    cursor.execute(
        "SELECT task_id, map_index, state, hostname, start_date, end_date FROM task_instance "
        "WHERE dag_id = %s",
        [DAG_ID],
    )
    tasks = cursor.fetchall()
    con.close()
    logs = "\n".join(f"{t}" for t in tasks)
    assert state == "success", f"{state}: {logs}; logs in {tmp_path / 'logs'}"
    assert {t[2] for t in tasks} == {"success"}
    mapped = [t for t in tasks if t[0] in ("crawl", "score")]
    assert sorted(t[0] for t in mapped) == ["crawl"] * 3 + ["score"] * 3
    # Spread over both workers (each takes one task at a time), at the same time: the
    # demo's crawls take a second or two, so which worker takes them varies; the score
    # batches, several seconds each, go to both.
    assert {t[3] for t in mapped} == {"worker-1", "worker-2"}, logs
    assert any(a[3] != b[3] and a[4] < b[5] and b[4] < a[5] for a in mapped for b in mapped), (
        f"no two tasks ran at once on the two workers: {logs}"
    )
    warehouse = duckdb.connect(str(home / "veille.duckdb"), read_only=True)
    assert warehouse.execute("SELECT count(DISTINCT source_id) FROM mentions").fetchone() == (3,)
    warehouse.close()
