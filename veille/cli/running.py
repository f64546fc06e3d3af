"""`veille demo`, `veille init`, `veille run`, `veille sources check`: the pipeline,
and the config it runs on."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.checks import load_checked_config
from veille.cli.common import UsageError
from veille.core.config import BRANDS_FILE, SOURCES_FILE, config_dir
from veille.core.home import demo_home, veille_home
from veille.core.settings import settings


def _config_folder(args: argparse.Namespace) -> Path:
    """The config folder, or a UsageError saying where it was looked for and how to
    write one when it holds neither file."""
    directory = config_dir(args.config)
    if not (directory / SOURCES_FILE).exists() and not (directory / BRANDS_FILE).exists():
        how = (
            "given by --config"
            if args.config is not None
            else "from $VEILLE_CONFIG"
            if settings().config is not None
            else "the default, ./config; --config and $VEILLE_CONFIG were not set"
        )
        raise UsageError(
            f"no {SOURCES_FILE} or {BRANDS_FILE} in {directory.resolve()} ({how}): write "
            f"commented ones with `veille init {directory}`, or pass --config DIR"
        )
    return directory


def cmd_init(args: argparse.Namespace) -> int:
    """Commented sources.yaml and brands.yaml to start from; an existing file is kept."""
    from importlib.resources import files

    directory: Path = args.directory
    directory.mkdir(parents=True, exist_ok=True)
    templates = files("veille") / "templates" / "config"
    for name in (SOURCES_FILE, BRANDS_FILE):
        target = directory / name
        if target.exists():
            print(f"{target}: kept as it is (not overwritten)")
            continue
        target.write_text((templates / name).read_text(encoding="utf-8"), encoding="utf-8")
        print(f"{target}: written; edit its examples")
    print(f"Then: veille sources check --config {directory} && veille run --config {directory}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from veille.pipeline import iter_summary, run_pipeline

    config = load_checked_config(_config_folder(args))
    home = veille_home()
    report = run_pipeline(config, home)
    for line in iter_summary(report.db_path, report):
        print(line)
    return 0 if report.complete else 3


def cmd_demo(args: argparse.Namespace) -> int:
    from veille.demo.run import run_demo

    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError as err:
            raise UsageError(f"--as-of {args.as_of!r}: expected an ISO 8601 time") from err
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        if as_of > datetime.now(UTC):
            raise UsageError(
                f"--as-of {args.as_of}: in the future; posts cannot be dated later than now"
            )
    return run_demo(demo_home(veille_home()), reset=args.reset, as_of=as_of)


def cmd_demo_serve(args: argparse.Namespace) -> int:
    """The demo site alone, until Ctrl-C: for a crawl run by hand or by Airflow."""
    import contextlib
    import threading

    from veille.demo.run import DEMO_CONFIG
    from veille.demo.site import DemoSite

    # Ctrl-C may come at any moment once the address is printed, even before the wait:
    # leaving the `with` on it still stops the site.
    with contextlib.suppress(KeyboardInterrupt), DemoSite(port=args.port) as site:
        print(f"demo site: {site.base_url}/ (Ctrl-C stops it)")
        print(f"its config: VEILLE_DEMO_URL={site.base_url} VEILLE_CONFIG={DEMO_CONFIG}")
        sys.stdout.flush()
        threading.Event().wait()
    return 0


def cmd_demo_airflow(args: argparse.Namespace) -> int:
    """Airflow standalone with Veille's DAG on the demo site: 0 when its run succeeded."""
    from veille.demo.airflow import AirflowDemoError, run_airflow_demo

    home = veille_home()
    try:
        return run_airflow_demo(
            home / "airflow-demo", demo_home(home), port=args.port, until_done=args.until_done
        )
    except KeyboardInterrupt:
        print("stopped")
        return 0
    except AirflowDemoError as err:
        print(f"veille demo airflow: {err}", file=sys.stderr)
        return 1


def cmd_sources_check(args: argparse.Namespace) -> int:
    directory = _config_folder(args)
    config = load_checked_config(directory)
    sources = config.sources.sources
    brands = config.brands.brands
    print(f"{directory / 'sources.yaml'}: {len(sources)} sources OK")
    for source in sources:
        where = source.start_urls[0] if source.start_urls else "(sitemaps only)"
        print(f"  {source.id:<20} {source.kind:<6} {source.language:<4} {where}")
    for channel in config.sources.operator.notify:
        print(f"  operator notified on {channel.name}")
    print(f"{directory / BRANDS_FILE}: {len(brands)} brands OK")
    for brand in brands:
        print(f"  {brand.name:<20} {brand.role:<10} {', '.join(brand.queries)}")
        for channel in brand.alerts.notify:
            print(f"  {'':<20} alerts also to {channel.name}")
    return 0


def register(commands: Any) -> None:
    """demo, init and run, in the order `veille --help` lists them."""
    demo = commands.add_parser(
        "demo",
        help="the whole pipeline, offline, on a bundled sample of blogs and a forum",
        description="Serve the bundled demo blogs and forum on 127.0.0.1, crawl them, "
        "score, validate and load the mentions into DuckDB, detect reputation drops and "
        "email the alert to a local SMTP server, then print what was found and where. "
        "Running it again changes nothing (the loads are idempotent). "
        "Data: $VEILLE_HOME/demo.",
    )
    demo.add_argument("--reset", action="store_true", help="start from an empty demo warehouse")
    demo.add_argument(
        "--as-of",
        metavar="TIME",
        help="date the demo's posts as of this ISO 8601 time (default: now), for reproducible runs",
    )
    demo.set_defaults(func=cmd_demo)
    what = demo.add_subparsers(dest="demo_command", required=False, metavar="serve | airflow")
    serve = what.add_parser(
        "serve",
        help="only serve the demo site, until Ctrl-C",
        description="Serve the bundled demo blogs and forum on 127.0.0.1 and print their "
        "address and the settings that point the demo's config at them, for a crawl run "
        "by hand or by Airflow. Nothing is crawled or stored.",
    )
    serve.add_argument(
        "--port", type=int, help="the port (default: 8641, or any free one when taken)"
    )
    serve.set_defaults(func=cmd_demo_serve)
    airflow = what.add_parser(
        "airflow",
        help="Veille's DAG under Airflow standalone on the demo site, until Ctrl-C",
        description="Serve the demo site and an SMTP sink, start Airflow standalone with "
        "Veille's DAGs (data: $VEILLE_HOME/airflow-demo, Airflow's files in its airflow/), "
        "create the veille_warehouse pool, trigger one run, print the UI's address and "
        "login and follow the run. Ctrl-C stops everything it started.",
    )
    airflow.add_argument(
        "--port", type=int, default=8080, help="the Airflow UI's and API's port (default: 8080)"
    )
    airflow.add_argument(
        "--until-done", action="store_true", help="stop once the run has ended (for scripts)"
    )
    airflow.set_defaults(func=cmd_demo_airflow)

    init = commands.add_parser(
        "init",
        help="write a commented sources.yaml and brands.yaml to start from",
        description="Write commented sources.yaml and brands.yaml into DIR (default "
        "./config, where `veille run` looks first), to edit; a file already there is kept.",
    )
    init.add_argument("directory", type=Path, nargs="?", default=Path("config"), metavar="DIR")
    init.set_defaults(func=cmd_init)

    run = commands.add_parser(
        "run",
        help="crawl, score, load and alert on your own sources.yaml and brands.yaml",
        description="The same steps as the demo, on the sources and brands of a config "
        "folder. SMTP settings come from VEILLE_SMTP_HOST, VEILLE_SMTP_PORT, "
        "VEILLE_SMTP_FROM, VEILLE_SMTP_USER, VEILLE_SMTP_PASSWORD, VEILLE_SMTP_STARTTLS. "
        "A source that fails is reported and skipped, and an alert whose email could not go "
        "out stays pending for the next run; the exit code is then 3.",
    )
    run.add_argument("--config", type=Path, help="folder with sources.yaml and brands.yaml")
    run.set_defaults(func=cmd_run)


def register_sources(commands: Any) -> None:
    """sources check."""
    sources = commands.add_parser("sources", help="check sources.yaml and brands.yaml")
    source_commands = sources.add_subparsers(
        dest="sources_command", required=True, metavar="ACTION"
    )
    check = source_commands.add_parser(
        "check",
        help="validate sources.yaml and brands.yaml",
        description="Validate both files and print every problem with its file and line.",
    )
    check.add_argument("--config", type=Path, help="folder with sources.yaml and brands.yaml")
    check.set_defaults(func=cmd_sources_check)
