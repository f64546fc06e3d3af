"""The Airflow DAG: parsed, then run for real with dag.test() against the demo site."""

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def airflow_db() -> None:
    from airflow.utils import db

    db.initdb()


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags["veille_pipeline"]


def test_dag_integrity(airflow_db):
    dag = load_dag()
    assert "veille" in dag.tags
    assert dag.max_active_runs == 1
    assert dag.doc_md and "one mapped task per source" in dag.doc_md
    assert {t.task_id for t in dag.tasks} == {
        "start_run", "list_sources", "crawl", "source_health", "select", "score", "load",
        "remember", "alert",
    }  # fmt: skip


def test_dag_run_crawls_scores_loads_and_alerts(
    airflow_db, demo_config: Path, home: Path, smtp, monkeypatch
):
    inbox, port = smtp
    monkeypatch.setenv("VEILLE_CONFIG", str(demo_config))
    # SMTP from the Airflow connection, as Airflow's own email reads it; the environment
    # points nowhere, so an email that arrives came through the connection.
    monkeypatch.setenv("VEILLE_SMTP_PORT", "1")
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"disable_ssl": True, "disable_tls": True,
                            "from_email": "veille@airflow.test"}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    dag = load_dag()
    run = dag.test()
    assert str(run.state) == "success"
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}
    con = duckdb.connect(str(home / "veille.duckdb"), read_only=True)
    mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
    sources = con.execute("SELECT count(DISTINCT source_id) FROM mentions").fetchone()[0]
    con.close()
    assert mentions >= 40 and sources == 3
    # The crawl state moved forward once the posts were stored.
    assert sorted(p.name for p in (home / "state").glob("*.sqlite")) == [
        "blog-fibre.sqlite", "forum-box.sqlite", "mobile-life.sqlite",
    ]  # fmt: skip
    assert len(inbox.messages) == 1
    assert b"From: veille@airflow.test" in inbox.messages[0]
