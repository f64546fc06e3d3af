"""`veille web` served for real (uvicorn on 127.0.0.1, in a thread) for the web tests,
and a logged-in HTTP client for it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from veille.demo.run import free_port
from veille.web.app import WebSettings, serving
from veille.web.users import add_user, users_path

PASSWORD = "correct horse battery"
USERS = {"vera": "viewer", "zoe": "analyst", "ada": "admin"}


def add_test_users(home: Path) -> None:
    for name, role in USERS.items():
        add_user(users_path(home), name, role, PASSWORD, replace=True)


@contextmanager
def serve_web(home: Path, db_path: Path, **options: float) -> Iterator[str]:
    """The app on a free port, its copy refreshed often; yields its base URL."""
    settings = WebSettings(home, db_path, refresh_every_s=0.2, **options)  # type: ignore[arg-type]
    with serving(settings, free_port()) as base_url:
        yield base_url


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
