"""`veille demo airflow` (`make airflow`): Veille's DAG under a real Airflow on this
machine, on the demo site.

It serves the demo site and an SMTP sink on 127.0.0.1, starts `airflow standalone` (API
server and UI, scheduler, DAG processor, triggerer; SQLite and the LocalExecutor) with
Veille's DAGs, creates the `veille_warehouse` pool, waits for the DAG, triggers one run
unless the scheduler has started one, prints the UI's address and login, follows the run
to its end, and stops everything it started on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.core.home import models_dir
from veille.demo.run import DEMO_CONFIG, free_port, smtp_server
from veille.demo.site import DemoSite

log = logging.getLogger(__name__)

DAG_ID = "veille_pipeline"
POOL = "veille_warehouse"
DEFAULT_PORT = 8080  # Airflow's own
START_TIMEOUT_S = 300.0
DAGS = Path(__file__).resolve().parents[2] / "dags"


# Airflow is on 127.0.0.1: never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class AirflowDemoError(RuntimeError):
    """Airflow could not be started or did not answer; the message says where to look."""


@dataclass
class AirflowDemo:
    """What `veille demo airflow` started: its addresses and files."""

    url: str
    user: str
    password: str
    airflow_home: Path
    log_path: Path


def airflow_environment(
    home: Path, airflow_home: Path, port: int, demo_url: str, smtp_port: int, demo_models: Path
) -> dict[str, str]:
    """The settings Airflow and Veille's tasks run with: everything under `home`, the
    DAGs of this checkout, the demo's config pointed at the demo site, email to the sink,
    and free ports for the log servers (Airflow's defaults, 8793 and 8794, may be taken)."""
    smtp = {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
            "extra": {"disable_ssl": True, "disable_tls": True,
                      "from_email": "veille-demo@localhost"}}  # fmt: skip
    bin_dir = str(Path(sys.executable).parent)
    # The demo loads its own DuckDB file, never a DuckLake the environment names.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("VEILLE_WAREHOUSE")}
    return {
        **inherited,
        # The venv's `airflow` for the processes standalone starts, wherever it is run from.
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(smtp),
        "VEILLE_HOME": str(home),
        "VEILLE_CONFIG": str(DEMO_CONFIG),
        "VEILLE_DEMO_URL": demo_url,
        # One converted encoder with `veille demo`'s, unless one is set.
        "VEILLE_MODELS": os.environ.get("VEILLE_MODELS") or str(demo_models),
        "GX_ANALYTICS_ENABLED": "false",
        "HF_HUB_OFFLINE": "1",
    }


class Api:
    """Airflow's REST API (v2) as the admin: a token from /auth/token, then JSON."""

    def __init__(self, url: str, user: str, password: str) -> None:
        self.url = url
        self.user = user
        self.password = password
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self.token is None:
            self.token = self._token()
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with _OPENER.open(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def _token(self) -> str:
        request = urllib.request.Request(
            f"{self.url}/auth/token",
            method="POST",
            data=json.dumps({"username": self.user, "password": self.password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with _OPENER.open(request, timeout=30) as response:
            return str(json.loads(response.read())["access_token"])


def _wait(what: str, ready: Callable[[], Any], timeout_s: float, log_path: Path) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, KeyError, ValueError):
            answer = ready()
            if answer:
                return answer
        time.sleep(2)
    raise AirflowDemoError(f"{what}: not after {timeout_s:.0f} s; see {log_path}")


def _wait_quietly(ready: Callable[[], Any], timeout_s: float) -> Any:
    """What `ready` answers once truthy, or its last answer after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    answer = ready()
    while not answer and time.monotonic() < deadline:
        time.sleep(2)
        answer = ready()
    return answer


def run_airflow(env: dict[str, str], *args: str) -> None:
    """An `airflow` command (this venv's) run to its end; its output shown only when it
    fails, in the AirflowDemoError raised."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "airflow"), *args],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise AirflowDemoError(f"airflow {' '.join(args)} failed:\n{done.stderr[-2000:]}")


@contextlib.contextmanager
def standalone(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`airflow standalone` in its own process group, stopped with all its children."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "airflow"), "standalone"],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        _stop(process)


def worker_name() -> str:
    """Airflow's `hostname_callable` for several workers on one machine: each is named by
    VEILLE_AIRFLOW_WORKER (else the machine's name), so the UI shows which ran a task."""
    return os.environ.get("VEILLE_AIRFLOW_WORKER") or socket.getfqdn()


def celery_environment(env: dict[str, str], database_url: str, broker_url: str) -> dict[str, str]:
    """`env` with Airflow on the CeleryExecutor: its database on PostgreSQL (a SQLAlchemy
    URL), Redis as the broker, one task at a time per worker."""
    return {
        **env,
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + database_url,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "veille.demo.airflow.worker_name",
    }


@contextlib.contextmanager
def airflow_services(
    env: dict[str, str], log_dir: Path, *, workers: int = 0
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Airflow's API server, scheduler and DAG processor, and `workers` Celery workers
    (named worker-1, worker-2, …), each in its own process group with its log in
    `log_dir`; all stopped after."""
    airflow = str(Path(sys.executable).parent / "airflow")
    commands = {
        "api-server": [airflow, "api-server"],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
    }
    for n in range(1, workers + 1):
        # Their logs are read from the shared folder: no log server of their own.
        commands[f"worker-{n}"] = [airflow, "celery", "worker", "--skip-serve-logs",
                                   "--celery-hostname", f"worker-{n}@%h"]  # fmt: skip
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            with (log_dir / f"{name}.log").open("ab") as output:
                process = subprocess.Popen(
                    command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                    env={**env, "VEILLE_AIRFLOW_WORKER": name},
                )  # fmt: skip
            processes.append(process)
        yield processes
    finally:
        for process in processes:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait_s in ((signal.SIGTERM, 60.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait_s)
            # standalone is gone; its children may linger a moment
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            return


def run_airflow_demo(
    home: Path,
    demo_home: Path,
    *,
    port: int = DEFAULT_PORT,
    until_done: bool = False,
    say: Callable[[str], None] = print,
) -> int:
    """Start it all and follow one run; then wait for Ctrl-C (or, with `until_done`,
    stop once the run ends). 0 when the run succeeded, 1 when it failed."""
    if not (DAGS / "veille_pipeline.py").exists():
        raise AirflowDemoError(f"{DAGS}: Veille's DAGs are not here; run it from a checkout")
    airflow_home = home / "airflow"
    log_path = airflow_home / "standalone.log"
    # The demo's posts are dated up to now; the run's data interval is yesterday (UTC).
    # The site is served as of the end of that interval, so the run sees its crisis.
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with (
        DemoSite(midnight - timedelta(minutes=5), port=0) as site,
        smtp_server() as (inbox, smtp_port),
    ):
        env = airflow_environment(
            home, airflow_home, port, site.base_url, smtp_port, models_dir(demo_home)
        )
        say(f"demo site: {site.base_url}/, SMTP sink: 127.0.0.1:{smtp_port}")
        say(f"starting Airflow (its log: {log_path}) ...")
        run_airflow(env, "db", "migrate")
        run_airflow(env, "pools", "set", POOL, "1", "Veille's warehouse writer (a DuckDB file)")
        with standalone(env, log_path) as process:
            url = f"http://127.0.0.1:{port}"

            def up() -> bool:
                if process.poll() is not None:
                    raise AirflowDemoError(f"airflow standalone stopped; see {log_path}")
                with _OPENER.open(f"{url}/api/v2/monitor/health", timeout=5) as r:
                    return bool(r.status == 200)

            _wait("Airflow's API", up, START_TIMEOUT_S, log_path)
            passwords = airflow_home / "simple_auth_manager_passwords.json.generated"
            user, password = next(iter(json.loads(passwords.read_text()).items()))
            api = Api(url, user, password)
            _wait("the DAG parsed", lambda: api.call("GET", f"/api/v2/dags/{DAG_ID}"),
                  START_TIMEOUT_S, log_path)  # fmt: skip
            # The DAG starts unpaused: the scheduler soon runs yesterday's interval itself.
            runs = _wait_quietly(
                lambda: api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"], 30.0
            )
            if runs:
                run_id = runs[0]["dag_run_id"]
            else:
                run_id = api.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})[
                    "dag_run_id"
                ]
            say(f"Airflow: {url}/dags/{DAG_ID}  login: {user} / {password}")
            say(f"run {run_id} started; Ctrl-C stops Airflow, the demo site and the SMTP sink")
            state = _follow(api, run_id, log_path)
            say(f"run {run_id}: {state}; {len(inbox.messages)} emails received by the sink")
            if not until_done:
                with contextlib.suppress(KeyboardInterrupt):
                    while process.poll() is None:
                        time.sleep(1)
                    say(f"airflow standalone stopped; see {log_path}")
    say("stopped")
    return 0 if state == "success" else 1


def _follow(api: Api, run_id: str, log_path: Path) -> str:
    """The run's state once it has ended (its tasks as they go, in the log)."""

    def ended() -> str | None:
        state = api.call("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")["state"]
        return str(state) if state in ("success", "failed") else None

    try:
        return str(_wait(f"run {run_id}", ended, 1800.0, log_path))
    except urllib.error.HTTPError as err:
        raise AirflowDemoError(f"run {run_id}: the API answered {err}; see {log_path}") from err
