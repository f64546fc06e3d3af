"""Shared fixtures. Airflow reads its settings at import time, so they are set here,
before any test module imports it."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_AIRFLOW_HOME = tempfile.mkdtemp(prefix="veille-airflow-")
os.environ.setdefault("AIRFLOW_HOME", _AIRFLOW_HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(Path(__file__).parent.parent / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("VEILLE_THREADS", "2")
# One converted encoder for every test, whatever data folder a test uses.
os.environ.setdefault("VEILLE_MODELS", str(Path(__file__).parent.parent / ".veille" / "models"))

# A shell starts a background job (`make test &`) with Ctrl-C ignored, and an ignored
# signal stays ignored in every process started from it: the tests that press Ctrl-C on
# a `veille` command would wait forever. A handled signal is reset at exec, so handling
# it here gives those commands the Ctrl-C a terminal gives them.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty VEILLE_HOME for the test."""
    path = tmp_path / "home"
    monkeypatch.setenv("VEILLE_HOME", str(path))
    return path


@pytest.fixture(scope="session")
def demo_site() -> Iterator[str]:
    """The bundled demo site, served on 127.0.0.1 at a free port; yields its base URL.
    (Not the demo's preferred port: `veille demo` runs of the tests take that one.)"""
    from veille.demo.site import DemoSite

    with DemoSite(port=0) as site:
        yield site.base_url


@pytest.fixture
def demo_config(demo_site: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VEILLE_DEMO_URL", demo_site)
    from veille.demo.run import DEMO_CONFIG

    return DEMO_CONFIG


@pytest.fixture
def smtp() -> Iterator[tuple[object, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1: yields (inbox, port)."""
    from veille.demo.run import smtp_server

    with smtp_server() as (inbox, port):
        yield inbox, port


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A real PostgreSQL server of the tests' own (tests/services.py)."""
    from tests.services import postgres_bin, postgres_server

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed: `make services` (apt-get install postgresql)")
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Redis server of the tests' own (tests/services.py)."""
    import shutil

    from tests.services import redis_server

    if shutil.which("redis-server") is None:
        pytest.skip("Redis is not installed: `make services` (apt-get install redis-server)")
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(autouse=True)
def _progress_lines_end_with_the_test() -> Iterator[None]:
    """A command run in-process (`main([...])`) shows its progress on the stderr pytest
    gives that test, and closes after it: the handler goes with the test, or a later
    thread's log line (an SMTP server's) would be written to a closed stream."""
    from veille.core.progress import hide_progress

    yield
    hide_progress()
