"""Veille at scale: the Airflow DAG with one and two Celery workers, and the warehouse at
a million mentions on the DuckDB file against DuckLake on PostgreSQL.

    .venv/bin/python bench/scale.py [--parts dag,warehouse] [--pages 2000]
                                    [--mentions 1000000] [--batch 100000]

Part `dag`: Airflow's CeleryExecutor for real, as tests/test_celery.py runs it: its
database on a PostgreSQL server and Redis as the broker, both started here in temporary
folders (tests/services.py), the API server, the scheduler, the DAG processor and one,
then two, Celery workers on this machine (each one task at a time). For each site, each
worker count, from an empty data folder and a new Airflow database, the DAG's scheduled
run is timed from its start to its end (Airflow's own dag_run times), with the wall time
of its crawl and score tasks (their count × their mean) and the mentions it loaded, for
one worker, two workers with every core each (VEILLE_THREADS unset, as shipped), and two
workers with half the cores each (VEILLE_THREADS, as docs/deploy.md advises):
  - the demo site (3 sources, 84 mentions);
  - a generated phpBB board of about --pages pages (bench/sitegen.py), as 4 sources of
    its forums, with one brand of the board's five in brands.yaml (about a fifth of its
    posts name it: the rest are crawled and left out), scored in batches of 500.
The workers share this machine's 2 cores: a second worker adds a process, not a core;
on separate machines each brings its own (docs/deploy.md).

Part `warehouse`: --mentions generated scored mentions (bench/loads.py: 20 brands, 60
sources, two years, 3% copies) in batch files of --batch, loaded one batch after the
other with the pipeline's load (checks, copies, topics), into a DuckDB file, then into a
DuckLake with its catalog on the PostgreSQL server and its data in a local folder, each
in a fresh process: rows per second (first batch, last batch, overall), a re-load of the
last batch (it must change nothing), every view materialised whole and a typical
analyst's query on it (one brand, 30 days), and the process's peak RSS. The DuckDB
file's figures are the baseline of the same run.

Benchmarks print figures; nothing here asserts a time. With the defaults this takes
about 30 minutes on 2 cores and 4 GB of memory; `--pages 500 --mentions 100000` about 8.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests/services.py: the servers the tests start

from loads import (  # noqa: E402
    brands,
    generate,
    in_fresh_process,
    peak_rss_mb,
    typical_query,
)
from sitegen import BRANDS, ForumSite  # noqa: E402

from tests.services import Postgres, postgres_server, redis_server  # noqa: E402
from veille.demo.airflow import (  # noqa: E402
    DAG_ID,
    POOL,
    airflow_environment,
    airflow_services,
    celery_environment,
    run_airflow,
)
from veille.demo.run import DEMO_CONFIG, free_port, smtp_server  # noqa: E402
from veille.demo.site import DemoSite  # noqa: E402

RUN_TIMEOUT_S = 3600
BOARD_SOURCES = 4


# ------------------------------------------------------------------------------ the DAG


def board_config(folder: Path, site: ForumSite) -> Path:
    """sources.yaml and brands.yaml for the generated board: its forums as 4 sources,
    one of its brands monitored."""
    groups = [site.forums[i::BOARD_SOURCES] for i in range(BOARD_SOURCES)]
    sources = {
        "user_agent_contact": "https://github.com/veille/veille",
        "sources": [
            {
                "id": f"board-{n}",
                "kind": "forum",
                "name": f"Board, part {n}",
                "source_kind": "forum",
                "start_urls": [f"{site.base_url}/viewforum.php?f={f.id}" for f in group],
                "language": "fr",
                "timezone": "Europe/Paris",
                "preset": "phpbb",
                "allow_private_network": True,
                "limits": {"max_pages": 20_000},
            }
            for n, group in enumerate(groups)
        ],
    }
    brands_file = {"brands": [{"name": BRANDS[0], "queries": [BRANDS[0]]}]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    (folder / "brands.yaml").write_text(yaml.safe_dump(brands_file), encoding="utf-8")
    return folder


def dag_run(
    postgres: Postgres,
    broker: str,
    folder: Path,
    config: Path,
    site_url: str,
    workers: int,
    threads: int | None,
) -> dict[str, Any]:
    """One scheduled run of the DAG with `workers` Celery workers, from scratch, the
    encoder computing with `threads` threads in each (None: every core)."""
    import duckdb
    import psycopg2

    database = f"airflow_{folder.name}"
    postgres.create_database(database)
    with smtp_server() as (_, smtp_port):
        env = airflow_environment(
            folder / "home", folder / "airflow", free_port(), site_url, smtp_port,
            REPO / ".veille" / "models",
        )  # fmt: skip
        env = celery_environment(env, postgres.url(database), broker)
        env["VEILLE_CONFIG"] = str(config)
        if threads is not None:
            env["VEILLE_THREADS"] = str(threads)
        else:
            env.pop("VEILLE_THREADS", None)
        run_airflow(env, "db", "migrate")
        run_airflow(env, "pools", "set", POOL, "1", "Veille's warehouse writer")
        con = psycopg2.connect(postgres.dsn(database))
        con.autocommit = True
        cursor = con.cursor()
        with airflow_services(env, folder / "logs", workers=workers):
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT state, extract(epoch FROM end_date - start_date) FROM dag_run "
                    "WHERE dag_id = %s",
                    [DAG_ID],
                )
                row = cursor.fetchone()
                if row and row[0] in ("success", "failed"):
                    break
                time.sleep(2)
            else:
                sys.exit(f"the run did not end in {RUN_TIMEOUT_S} s; logs in {folder / 'logs'}")
        cursor.execute(
            "SELECT task_id, count(*), sum(extract(epoch FROM end_date - start_date)), "
            "count(DISTINCT hostname) FROM task_instance WHERE dag_id = %s GROUP BY 1",
            [DAG_ID],
        )
        tasks = {t: (n, float(s or 0), hosts) for t, n, s, hosts in cursor.fetchall()}
        con.close()
    warehouse = duckdb.connect(str(folder / "home" / "veille.duckdb"), read_only=True)
    mentions = warehouse.execute("SELECT count(*) FROM mentions").fetchone()
    warehouse.close()
    return {
        "state": row[0],
        "wall_s": float(row[1]),
        "tasks": tasks,
        "mentions": mentions[0] if mentions else 0,
    }


def bench_dag(pages: int) -> None:
    print("== The DAG under the CeleryExecutor (PostgreSQL, Redis), this machine's 2 cores")
    cores = os.cpu_count() or 1
    print(f"{'site':<24} {'workers':>7} {'threads':>7} {'state':>8} {'run (s)':>8} "
          f"{'crawl tasks':>15} {'score tasks':>15} {'mentions':>9}")  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="veille-scale-") as tmp,
        postgres_server() as postgres,
        redis_server(Path(tmp) / "redis") as redis,
    ):
        folder = Path(tmp)
        demo = DemoSite(port=0)
        board = ForumSite(pages)
        with demo, board:
            sites = [
                ("demo site", DEMO_CONFIG, demo.base_url),
                (
                    f"board, {pages} pages",
                    board_config(folder / "board-config", board),
                    board.base_url,
                ),
            ]
            runs = 0
            # One worker with every core; two with every core each (as shipped: they
            # contend for the cores); two with their share of the cores each.
            shapes = [(1, None), (2, None), (2, max(1, cores // 2))]
            for name, config, url in sites:
                for workers, threads in shapes:
                    runs += 1
                    result = dag_run(
                        postgres, redis.url(runs), folder / f"run{runs}", config, url, workers,
                        threads,
                    )  # fmt: skip
                    crawl = result["tasks"].get("crawl", (0, 0.0, 0))
                    score = result["tasks"].get("score", (0, 0.0, 0))
                    print(
                        f"{name:<24} {workers:>7} {threads or cores:>7} {result['state']:>8} "
                        f"{result['wall_s']:>8.1f} "
                        f"{f'{crawl[0]} × {crawl[1] / max(crawl[0], 1):.1f} s':>15} "
                        f"{f'{score[0]} × {score[1] / max(score[0], 1):.1f} s':>15} "
                        f"{result['mentions']:>9,}",
                        flush=True,
                    )


# ------------------------------------------------------------------------ the warehouse


def load_and_query(kind: str, target: Any, files: list[Path], queue: Any) -> None:
    """In a fresh process: the batches loaded into `target`, then the views timed."""
    import warehouse.load as load_module
    from nlp import duplicates
    from nlp.topics import TopicIndex
    from warehouse.db import connect
    from warehouse.migrations import VIEWS_DIR

    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    def load(path: Path) -> Any:
        return load_module.load_mentions(
            path, target, brands(), copies=duplicates, topic_index=TopicIndex.from_rows
        )

    say(f"-- {kind}")
    per_batch = []
    started = time.perf_counter()
    for path in files:
        begun = time.perf_counter()
        report = load(path)
        per_batch.append((report.inserted, time.perf_counter() - begun))
    total = time.perf_counter() - started
    rows = sum(n for n, _ in per_batch)
    say(f"load: {rows:,} rows in {total:.1f} s = {rows / total:,.0f} rows/s overall; "
        f"first batch {per_batch[0][0] / per_batch[0][1]:,.0f} rows/s, "
        f"last batch {per_batch[-1][0] / per_batch[-1][1]:,.0f} rows/s")  # fmt: skip
    begun = time.perf_counter()
    again = load(files[-1])
    say(f"re-load of the last batch: {again.inserted} new, {again.updated} updated, "
        f"{again.unchanged:,} unchanged, in {time.perf_counter() - begun:.1f} s")  # fmt: skip
    con = connect(target, read_only=True)
    last_day = con.execute("SELECT max(day) FROM brand_mentions").fetchone()
    say(f"{'view':<24} {'rows':>10} {'whole (s)':>10} {'one brand, 30 days (s)':>23}")
    for path in sorted(VIEWS_DIR.glob("*.sql")):
        view = path.stem.split("_", 1)[1]
        begun = time.perf_counter()
        count = con.execute(f"SELECT count(*) FROM (SELECT * FROM {view})").fetchone()
        whole = time.perf_counter() - begun
        begun = time.perf_counter()
        con.execute(typical_query(con, view, last_day[0] if last_day else None)).fetchall()
        typical = time.perf_counter() - begun
        say(f"{view:<24} {count[0] if count else 0:>10,} {whole:>10.2f} {typical:>23.2f}")
    con.close()
    say(f"peak RSS {peak_rss_mb():,.0f} MB")
    queue.put(lines)


def bench_warehouse(mentions: int, batch: int) -> None:
    from veille.core.home import Lake

    print(f"\n== The warehouse at {mentions:,} mentions, batches of {batch:,}")
    with tempfile.TemporaryDirectory(prefix="veille-scale-") as tmp, postgres_server() as pg:
        folder = Path(tmp)
        begun = time.perf_counter()
        files = generate(mentions, batch, folder)
        print(f"generated {len(files)} batch files in {time.perf_counter() - begun:.0f} s")
        kind = "DuckDB file (the baseline)"
        in_fresh_process(kind, load_and_query, (kind, folder / "veille.duckdb", files))
        pg.create_database("lake")
        lake = Lake(f"postgres:{pg.dsn('lake')}", f"{folder / 'lake'}/")
        kind = "DuckLake, catalog on PostgreSQL, data in a local folder"
        in_fresh_process(kind, load_and_query, (kind, lake, files))
        size = sum(p.stat().st_size for p in (folder / "lake").rglob("*") if p.is_file())
        print(f"DuckDB file {(folder / 'veille.duckdb').stat().st_size / 2**20:,.0f} MiB; "
              f"DuckLake's Parquet files {size / 2**20:,.0f} MiB")  # fmt: skip


@contextmanager
def load_average() -> Iterator[None]:
    print(f"load average {os.getloadavg()[0]:.2f} (start)")
    yield
    print(f"load average {os.getloadavg()[0]:.2f} (end)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parts", default="dag,warehouse")
    parser.add_argument("--pages", type=int, default=2000, help="the board's pages, about")
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000, help="mentions per batch file")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    with load_average():
        if "dag" in parts:
            bench_dag(args.pages)
        if "warehouse" in parts:
            bench_warehouse(args.mentions, args.batch)


if __name__ == "__main__":
    main()
