"""`veille web` served for real (uvicorn on 127.0.0.1, in a thread) for the web tests,
and a logged-in HTTP client for it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from veille.demo.run import free_port
from veille.web.app import WebSettings, create_app
from veille.web.users import add_user, users_path

PASSWORD = "correct horse battery"
USERS = {"vera": "viewer", "zoe": "analyst", "ada": "admin"}


def add_test_users(home: Path) -> None:
    for name, role in USERS.items():
        add_user(users_path(home), name, role, PASSWORD, replace=True)


@contextmanager
def serve_web(home: Path, db_path: Path, **options: float) -> Iterator[str]:
    """The app on a free port; yields its base URL."""
    settings = WebSettings(home, db_path, refresh_every_s=0.2, **options)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("veille web did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def logged_in(base_url: str, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "name": name, "password": password})
    assert answer.status_code == 303, answer.text
    return client
