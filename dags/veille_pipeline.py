"""
### Veille: daily e-reputation pipeline

Crawls every source of `sources.yaml` (one mapped task per source), keeps the posts that
mention a brand of `brands.yaml`, scores their sentiment (one mapped task per batch),
validates and loads them into the warehouse, remembers what each source's crawl saw
(only once its posts are stored), and emails an alert when a brand's reputation drops.
Every run records each source's health (table `source_runs`, view `source_health`); a
source that fails several runs in a row is emailed to the operator of `sources.yaml`.

Each task is a transaction on files named from the run's **data interval** (one day,
UTC): its folder is `runs/<start>_<end>` under the data folder, so a retried, cleared or
re-run task rewrites the same files and leaves the warehouse as one clean run would
(loads are upserts keyed on each post's id; alerts are keyed on their brand and bucket).
A backfill of past days reads, for its alerts, only the days up to its interval.

A source whose crawl fails fails its own task (after its retries); the run goes on with
the sources that worked, and the last task, `all_sources_crawled`, fails and names the
sources missing, so that the run shows as failed while its posts are stored.

The tasks that write the DuckDB file (source health, load, alert) share the pool
`veille_warehouse`, of one slot (`airflow pools set veille_warehouse 1 "Veille's
warehouse writer"`): a DuckDB file has one writer. A DuckLake warehouse takes more.

Tasks are thin: each calls one step of `veille.pipeline`, the same functions the
`veille run` command uses, and they pass file paths, never rows. Configuration:
`VEILLE_CONFIG` (the config folder) and `VEILLE_HOME` (the data folder); SMTP settings
from the Airflow connection `smtp_default`, else `VEILLE_SMTP_*`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, TriggerRule, dag, get_current_context, task

# The tasks that write the DuckDB file: one at a time.
WAREHOUSE_POOL = "veille_warehouse"


def data_interval() -> tuple[datetime, datetime]:
    """The running task's data interval; for a run that has none, the day before it."""
    context = get_current_context()
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is None or end is None:
        end = context["dag_run"].run_after
        start = end - timedelta(days=1)
    return start, end


@dag(
    dag_id="veille_pipeline",
    # One run a day, after midnight UTC, for the day that ended (its data interval).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    is_paused_upon_creation=False,
    tags=["veille"],
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
    doc_md=__doc__,
)
def veille_pipeline() -> None:
    @task
    def start_run() -> str:
        """The run's folder, named from its data interval."""
        from veille.core.home import veille_home
        from veille.pipeline import interval_run_dir

        return str(interval_run_dir(veille_home(), *data_interval()))

    @task
    def list_sources() -> list[str]:
        from veille.checks import load_checked_config
        from veille.core.config import config_dir

        return [s.id for s in load_checked_config(config_dir(None)).sources.sources]

    @task(map_index_template="{{ source_id }}")
    def crawl(source_id: str, run_dir: str) -> str:
        """One source, into `crawl/<id>.jsonl` (rewritten by a retry), its result beside
        it (`crawl/<id>.result.json`). A crawl that fails fails this task, after its
        retries; the posts it found are stored all the same."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home
        from veille.pipeline import crawl_step

        get_current_context()["source_id"] = source_id  # type: ignore[typeddict-unknown-key]
        config = load_checked_config(config_dir(None))
        source = next(s for s in config.sources.sources if s.id == source_id)
        contact = config.sources.user_agent_contact
        result = crawl_step(source, Path(run_dir), contact, veille_home())
        if not result.ok:
            kept = f"; its {result.posts} posts will be stored" if result.posts else ""
            raise RuntimeError(f"crawl {source_id} failed: {result.problem}{kept}")
        return str(result.path)

    @task(trigger_rule=TriggerRule.ALL_DONE, pool=WAREHOUSE_POOL)
    def source_health(run_dir: str) -> list[str]:
        """Once every crawl is done, failed or not: each source's crawl recorded in the
        warehouse, a source that found no post where an earlier run found some failed
        (its crawl state is not kept), and the operator emailed about a source that
        failed several runs in a row. Returns the failed sources' problems."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_location
        from veille.pipeline import read_crawl_results, source_health_step
        from warehouse.mail import smtp_settings

        home = veille_home()
        operator = load_checked_config(config_dir(None)).sources.operator
        healths = source_health_step(
            read_crawl_results(Path(run_dir)), Path(run_dir), warehouse_location(home), operator,
            home, smtp=smtp_settings("smtp_default"),
        )  # fmt: skip
        return [f"{h.source_id}: {h.problem}" for h in healths if h.failed]

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def select(run_dir: str) -> list[str]:
        """The posts of every crawl that found some (failed or not) that mention a
        brand, in batches for the score tasks."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.settings import settings
        from veille.pipeline import crawled_files, select_step, split_step

        run = Path(run_dir)
        files = crawled_files(run)
        if not files:
            raise RuntimeError("every crawl failed: nothing to select; see the crawl tasks")
        brands = load_checked_config(config_dir(None)).brands
        selected = select_step(files, brands, run / "mentions.jsonl")
        # VEILLE_SCORE_BATCH mentions a task (500: a few minutes of a worker's two cores)
        batches = split_step(selected, run / "mentions", settings().score_batch)
        return [str(p) for p in batches]

    @task
    def score(batch: str) -> str:
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.pipeline import score_step

        part = Path(batch)
        brands = load_checked_config(config_dir(None)).brands  # their own aspects
        return str(score_step(part, part.parent.parent / "scored" / part.name, brands))

    @task(pool=WAREHOUSE_POOL)
    def load(scored: list[str], run_dir: str) -> dict[str, int]:
        """Every batch in one transaction."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_location
        from veille.pipeline import load_step, merge_step

        brands = load_checked_config(config_dir(None)).brands
        merged = merge_step([Path(p) for p in scored], Path(run_dir) / "scored.jsonl")
        home = veille_home()
        return load_step(merged, warehouse_location(home), brands=brands, home=home)

    @task
    def remember(run_dir: str, load_report: dict[str, int], failed: list[str]) -> int:
        """After the load and the source health check: each crawl's state becomes its
        source's (a failed source's state was dropped). A run that failed before this
        point leaves the state as it was, and the next run fetches the same pages again."""
        from pathlib import Path

        from veille.core.home import veille_home
        from veille.pipeline import crawled_files, remember_step

        return remember_step(crawled_files(Path(run_dir)), veille_home())

    @task(pool=WAREHOUSE_POOL)
    def retention() -> dict[str, int]:
        """After the load: brands.yaml's `privacy.retention_days` applied, posts past it
        losing their text, author and URL (their counts stay); nothing when unset."""
        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_location
        from veille.pipeline import privacy_step

        home = veille_home()
        brands = load_checked_config(config_dir(None)).brands
        return privacy_step(warehouse_location(home), brands, home)

    @task(trigger_rule=TriggerRule.ALL_DONE, pool=WAREHOUSE_POOL)
    def alert(run_dir: str) -> list[str]:
        """After the load (done or failed): the alerts of the run's interval detected and
        recorded, their emails sent; then the morning reports. Alerts an earlier run
        left pending go out too."""
        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_exists, warehouse_location
        from veille.pipeline import alert_step, report_step
        from warehouse.mail import smtp_settings

        home = veille_home()
        if not warehouse_exists(warehouse_location(home)):
            return []
        brands = load_checked_config(config_dir(None)).brands
        # The interval's last day: the day a run on schedule alerts about.
        day = (data_interval()[1] - timedelta(microseconds=1)).date()
        smtp = smtp_settings("smtp_default")
        deliveries = alert_step(warehouse_location(home), brands, home, smtp=smtp, as_of=day)
        failed = [f"{d.summary}: {d.problems}" for d in deliveries if d.failed]
        # then the morning reports brands.yaml asks for (once a day)
        reports = report_step(warehouse_location(home), brands, home, smtp=smtp)
        failed += [f"report {r.brand} {r.day}: {r.problem}" for r in reports if r.failed]
        if failed:
            # Everything else went out; the task fails so that Airflow shows it (and its
            # retry sends what is still pending).
            raise RuntimeError("alerts or reports not sent:\n" + "\n".join(failed))
        return [d.summary for d in deliveries]

    @task(trigger_rule=TriggerRule.ALL_DONE, retries=0)
    def all_sources_crawled(run_dir: str) -> int:
        """The run's verdict on its sources: this task fails, naming them, when a source
        could not be crawled, so the run shows as failed (its other sources' posts are
        stored)."""
        from pathlib import Path

        from airflow.sdk.exceptions import AirflowFailException

        from veille.pipeline import read_crawl_results

        results = read_crawl_results(Path(run_dir))
        failed = [f"{r.source_id}: {r.problem}" for r in results if not r.ok]
        if failed:
            raise AirflowFailException(
                f"{len(failed)} of {len(results)} sources not crawled:\n" + "\n".join(failed)
            )
        return len(results)

    run_dir = start_run()
    crawled = crawl.partial(run_dir=run_dir).expand(source_id=list_sources())
    health = source_health(run_dir)
    batches = select(run_dir)
    crawled >> [health, batches]
    loaded = load(score.expand(batch=batches), run_dir)
    remember(run_dir, loaded, health)
    alerted = alert(run_dir)
    loaded >> retention() >> alerted
    alerted >> all_sources_crawled(run_dir)


veille_pipeline()
