"""
### Veille: daily e-reputation pipeline

Crawls every source of `sources.yaml` (one mapped task per source), keeps the posts that
mention a brand of `brands.yaml`, scores their sentiment, validates and loads them into
the DuckDB warehouse, remembers what each source's crawl saw (only once its posts are
stored), and emails an alert when a brand's reputation drops. Every run records each
source's health (table `source_runs`, view `source_health`); a source that fails several
runs in a row is emailed to the operator of `sources.yaml`.

Tasks are thin: each calls one step of `veille.pipeline`, the same functions the
`veille run` command uses, and they pass file paths, never rows. Configuration:
`VEILLE_CONFIG` (the config folder) and `VEILLE_HOME` (the data folder); SMTP settings
from `VEILLE_SMTP_*`. One run at a time: the warehouse has one writer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, task


@dag(
    dag_id="veille_pipeline",
    schedule="@daily",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["veille"],
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    doc_md=__doc__,
)
def veille_pipeline() -> None:
    @task
    def start_run() -> str:
        """A fresh folder for this run's files."""
        from veille.core.home import veille_home
        from veille.pipeline import new_run_dir

        return str(new_run_dir(veille_home()))

    @task
    def list_sources() -> list[str]:
        from veille.checks import load_checked_config
        from veille.core.config import config_dir

        return [s.id for s in load_checked_config(config_dir(None)).sources.sources]

    @task(retries=0)
    def crawl(source_id: str, run_dir: str) -> str | None:
        """One source; a failed source is logged and skipped, the others go on (the posts
        of one whose pages mostly failed are kept). Its result is saved beside its posts
        (`crawl/<id>.result.json`) for the source_health task."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home
        from veille.pipeline import crawl_step

        config = load_checked_config(config_dir(None))
        source = next(s for s in config.sources.sources if s.id == source_id)
        contact = config.sources.user_agent_contact
        result = crawl_step(source, Path(run_dir), contact, veille_home())
        return str(result.path) if result.path is not None and (result.ok or result.posts) else None

    @task
    def source_health(crawl_files: list[str | None], run_dir: str) -> list[str]:
        """Once every crawl is done: each source's crawl recorded in the warehouse, a
        source that found no post where an earlier run found some failed (its crawl
        state is not kept), and the operator emailed about a source that failed several
        runs in a row. Returns the failed sources' problems."""
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_path
        from veille.pipeline import read_crawl_results, source_health_step
        from warehouse.mail import smtp_settings

        home = veille_home()
        operator = load_checked_config(config_dir(None)).sources.operator
        healths = source_health_step(
            read_crawl_results(Path(run_dir)), Path(run_dir), warehouse_path(home), operator,
            home, smtp=smtp_settings("smtp_default"),
        )  # fmt: skip
        return [f"{h.source_id}: {h.problem}" for h in healths if h.failed]

    @task
    def select(crawl_files: list[str | None], run_dir: str) -> str:
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.pipeline import select_step

        files = [Path(f) for f in crawl_files if f]
        if not files:
            raise RuntimeError("every crawl failed; see the crawl task logs")
        brands = load_checked_config(config_dir(None)).brands
        return str(select_step(files, brands, Path(run_dir) / "mentions.jsonl"))

    @task
    def score(mentions: str, run_dir: str) -> str:
        from pathlib import Path

        from veille.pipeline import score_step

        return str(score_step(Path(mentions), Path(run_dir) / "scored.jsonl"))

    @task
    def load(scored: str) -> dict[str, int]:
        from pathlib import Path

        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_path
        from veille.pipeline import load_step

        brands = load_checked_config(config_dir(None)).brands
        return load_step(Path(scored), warehouse_path(veille_home()), brands=brands)

    @task
    def remember(
        crawl_files: list[str | None], load_report: dict[str, int], failed: list[str]
    ) -> int:
        """After the load and the source health check: each crawl's state becomes its
        source's (a failed source's state was dropped). A run that failed before this
        point leaves the state as it was, and the next run fetches the same pages again."""
        from pathlib import Path

        from veille.core.home import veille_home
        from veille.pipeline import remember_step

        return remember_step([Path(f) for f in crawl_files if f], veille_home())

    @task
    def alert(load_report: dict[str, int]) -> list[str]:
        from veille.checks import load_checked_config
        from veille.core.config import config_dir
        from veille.core.home import veille_home, warehouse_path
        from veille.pipeline import alert_step, report_step
        from warehouse.mail import smtp_settings

        home = veille_home()
        brands = load_checked_config(config_dir(None)).brands
        # SMTP: the Airflow connection smtp_default when defined, else VEILLE_SMTP_*.
        smtp = smtp_settings("smtp_default")
        deliveries = alert_step(warehouse_path(home), brands, home, smtp=smtp)
        failed = [f"{d.summary}: {d.problem}" for d in deliveries if d.failed]
        # then the morning reports brands.yaml asks for (once a day)
        reports = report_step(warehouse_path(home), brands, home, smtp=smtp)
        failed += [f"report {r.brand} {r.day}: {r.problem}" for r in reports if r.failed]
        if failed:
            # Everything else went out; the task fails so that Airflow shows it (and its
            # retry sends what is still pending).
            raise RuntimeError("alerts or reports not emailed:\n" + "\n".join(failed))
        return [d.summary for d in deliveries]

    run_dir = start_run()
    crawled = crawl.partial(run_dir=run_dir).expand(source_id=list_sources())
    health = source_health(crawled, run_dir)
    loaded = load(score(select(crawled, run_dir), run_dir))
    remember(crawled, loaded, health)
    alert(loaded)


veille_pipeline()
