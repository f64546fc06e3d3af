"""The Airflow DAG: its shape checked on every run of the fast suite; then run for real
with dag.test() against the demo site (slow): a clean run, a re-run of the same day,
and a run where one source fails."""

import json
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pendulum
import pytest

from tests.conftest import REPO

WRITERS = {"source_health", "load", "retention", "alert"}
AFTER_FAILURES = {"source_health", "select", "alert", "all_sources_crawled"}


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    return bag.dags["veille_pipeline"]


def test_dag_integrity():
    from airflow.sdk import CronDataIntervalTimetable, TriggerRule

    dag = load_dag()
    assert "veille" in dag.tags
    assert dag.max_active_runs == 1
    assert not dag.is_paused_upon_creation
    assert dag.doc_md and "one mapped task per source" in dag.doc_md
    # Days as data intervals, from a moment that says its zone.
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.start_date.tzinfo is not None
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {
        "start_run", "list_sources", "crawl", "source_health", "select", "score", "load",
        "remember", "retention", "alert", "all_sources_crawled",
    }  # fmt: skip
    # Crawls per source and scores per batch, spread over the workers.
    assert {t.task_id for t in dag.tasks if t.is_mapped} == {"crawl", "score"}
    # Every task but the run's verdict is retried; the DuckDB writers share one pool.
    assert {i for i, t in tasks.items() if t.retries < 1} == {"all_sources_crawled"}
    assert {i for i, t in tasks.items() if t.pool == "veille_warehouse"} == WRITERS
    # Those that go on after a failed crawl (or load).
    assert {i for i, t in tasks.items() if t.trigger_rule == TriggerRule.ALL_DONE} == (
        AFTER_FAILURES
    )
    # The verdict comes last, so that a failed source fails the run.
    assert {t.task_id for t in dag.leaves} == {"all_sources_crawled", "remember"}


@pytest.fixture(scope="module")
def airflow_db() -> None:
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.initdb()
    Pool.create_or_update_pool(
        "veille_warehouse", slots=1, description="Veille's warehouse writer", include_deferred=False
    )


@pytest.fixture
def smtp_connection(smtp, monkeypatch):
    """SMTP from the Airflow connection, as Airflow's own email reads it; the environment
    points nowhere, so an email that arrives came through the connection."""
    inbox, port = smtp
    monkeypatch.setenv("VEILLE_SMTP_PORT", "1")
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                  "extra": {"disable_ssl": True, "disable_tls": True,
                            "from_email": "veille@airflow.test"}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    return inbox


def warehouse_rows(home: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(home / "veille.duckdb"), read_only=True)
    try:
        return {
            "mentions": con.execute(
                "SELECT mention_id, source_id, text, sentiment FROM mentions ORDER BY 1"
            ).fetchall(),
            "brand_mentions": con.execute(
                "SELECT mention_id, brand, sentiment FROM brand_mentions ORDER BY 1, 2"
            ).fetchall(),
            "alerts": con.execute("SELECT alert_id, sent_at IS NOT NULL FROM alerts").fetchall(),
            "source_runs": con.execute(
                "SELECT run_id, source_id, posts FROM source_runs ORDER BY 1, 2"
            ).fetchall(),
        }
    finally:
        con.close()


# The run of today (the demo site's posts are of the last weeks up to now): its logical
# date is tonight's midnight, its data interval today.
TODAY = pendulum.today("UTC")
DAY = TODAY.add(days=1)
TODAYS_RUN = f"{TODAY:%Y%m%d}T000000Z_{DAY:%Y%m%d}T000000Z"


@pytest.mark.slow
def test_dag_run_crawls_scores_loads_and_alerts_and_its_rerun_changes_nothing(
    airflow_db, demo_config: Path, home: Path, smtp_connection, monkeypatch
):
    monkeypatch.setenv("VEILLE_CONFIG", str(demo_config))
    dag = load_dag()
    run = dag.test(logical_date=DAY)
    assert str(run.state) == "success"
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}
    # The run's folder is its data interval: the day before the logical date's midnight.
    assert [p.name for p in (home / "runs").iterdir()] == [TODAYS_RUN]
    first = warehouse_rows(home)
    assert len(first["mentions"]) >= 40
    assert {source for _, source, *_ in first["mentions"]} == {
        "blog-fibre", "forum-box", "mobile-life",
    }  # fmt: skip
    # The crawl state moved forward once the posts were stored.
    assert sorted(p.name for p in (home / "state").glob("*.sqlite")) == [
        "blog-fibre.sqlite", "forum-box.sqlite", "mobile-life.sqlite",
    ]  # fmt: skip
    assert len(smtp_connection.messages) == 1
    assert b"From: veille@airflow.test" in smtp_connection.messages[0]

    # The same day again (a cleared run, from scratch): the same partition, the same rows,
    # no second email.
    shutil.rmtree(home / "state")
    again = dag.test(logical_date=DAY)
    assert str(again.state) == "success"
    assert [p.name for p in (home / "runs").iterdir()] == [TODAYS_RUN]
    assert warehouse_rows(home) == first
    assert len(smtp_connection.messages) == 1


@pytest.mark.slow
def test_a_failed_source_fails_its_task_and_the_run_while_the_others_are_stored(
    airflow_db, demo_config: Path, home: Path, tmp_path: Path, smtp_connection, monkeypatch
):
    config = tmp_path / "config"
    shutil.copytree(demo_config, config)
    sources = config / "sources.yaml"
    # The forum's board answers 404: its crawl fails.
    sources.write_text(
        sources.read_text().replace("/forum/index.php", "/forum/gone.php"), encoding="utf-8"
    )
    monkeypatch.setenv("VEILLE_CONFIG", str(config))
    dag = load_dag()
    for task in dag.tasks:
        task.retry_delay = pendulum.duration(seconds=0)
    dag.get_task("crawl").retries = 1
    run = dag.test(logical_date=DAY)
    assert str(run.state) == "failed"
    states: dict[str, set[str]] = {}
    for ti in run.get_task_instances():
        states.setdefault(ti.task_id, set()).add(str(ti.state))
    # Only the forum's crawl, and the verdict that names it, failed.
    assert states.pop("crawl") == {"success", "failed"}
    assert states.pop("all_sources_crawled") == {"failed"}
    assert set().union(*states.values()) == {"success"}
    [failed] = [
        ti for ti in run.get_task_instances() if str(ti.state) == "failed" and ti.map_index >= 0
    ]
    assert failed.try_number == 2  # retried once
    rows = warehouse_rows(home)
    assert {source for _, source, *_ in rows["mentions"]} == {"blog-fibre", "mobile-life"}
    assert ("forum-box", 0) in {(s, n) for _, s, n in rows["source_runs"]}
    assert len(smtp_connection.messages) == 1  # the alert of the brand's blogs went out


def test_a_runs_folder_is_named_from_its_data_interval_in_utc(tmp_path: Path):
    from veille.pipeline import interval_run_dir

    start = datetime(2026, 11, 30, 1, tzinfo=pendulum.timezone("Europe/Paris"))
    end = pendulum.datetime(2026, 12, 1, tz="UTC")
    folder = interval_run_dir(tmp_path, start, end)
    assert folder.name == "20261130T000000Z_20261201T000000Z" and folder.is_dir()
    assert interval_run_dir(tmp_path, start, end) == folder  # a re-run: the same folder
