"""`veille web` over HTTP, served for real: logins, roles, CSRF, sessions, escaping, and
decisions that are never lost while a load holds the warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.factories import load_mentions, scored_mention, warehouse_rows
from tests.web.server import PASSWORD, add_test_users, csrf_of, logged_in, serve_web
from veille.core.config import BrandsFile
from veille.core.record import write_mentions
from veille.web.users import add_user, users_path
from warehouse.reviews import journaled

SCRIPT_TEXT = "<script>alert('pwned')</script> Fibrelia répond enfin"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    posts = [
        scored_mention(1, sentiment="negative", text="Fibrelia en panne depuis hier soir"),
        scored_mention(2, sentiment="negative", text="Box Fibrelia bloquée, service client absent"),
        scored_mention(3, sentiment="positive", text=SCRIPT_TEXT),
        scored_mention(4, sentiment="neutral", days_ago=2),
    ]
    write_mentions(tmp_path / "batch.jsonl", posts)
    db = tmp_path / "home" / "veille.duckdb"
    fibrelia = {"name": "Fibrelia", "queries": ["Fibrelia"], "locale": "fr"}
    brands = BrandsFile.model_validate({"brands": [{**fibrelia, "timezone": "Europe/Paris"}]})
    load_mentions(tmp_path / "batch.jsonl", db, brands)
    return db


@pytest.fixture
def web(warehouse: Path) -> Iterator[str]:
    home = warehouse.parent
    add_test_users(home)
    with serve_web(home, warehouse) as base_url:
        yield base_url


def test_the_moderation_screen_shows_an_owned_communitys_post_naming_no_brand(tmp_path: Path):
    shouted = scored_mention(5, sentiment="negative", text="PERSONNE NE RÉPOND SUR CE FORUM")
    shouted.brands, shouted.owned, shouted.netiquette = [], True, ["shouting"]
    write_mentions(tmp_path / "batch.jsonl", [scored_mention(1), shouted])
    db = tmp_path / "home" / "veille.duckdb"
    brands = BrandsFile.model_validate(
        {"brands": [{"name": "Fibrelia", "queries": ["Fibrelia"], "locale": "fr"}]}
    )
    load_mentions(tmp_path / "batch.jsonl", db, brands)
    add_test_users(db.parent)
    with serve_web(db.parent, db) as base_url:
        page = logged_in(base_url, "vera").get("/moderation?brand=Fibrelia&status=all").text
    post = page.split('data-mention="m00005"')[1].split("</li>")[0]
    assert "PERSONNE NE RÉPOND SUR CE FORUM" in post
    assert '<span class="flag">majuscules</span>' in post and "P =" not in post
    assert 'data-mention="m00001"' not in page  # not flagged


def test_every_screen_needs_a_login_and_shows_to_a_viewer(web: str, warehouse: Path):
    anonymous = httpx.Client(base_url=web)
    answer = anonymous.get("/inbox?brand=Fibrelia")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Finbox%3Fbrand%3DFibrelia"
    viewer = logged_in(web, "vera")
    for path in ("/", "/inbox", "/communities", "/topics", "/moderation", "/alerts", "/sources"):
        page = viewer.get(path)
        assert page.status_code == 200, path
        assert "Fibrelia" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
    # A viewer is shown no action, and the server refuses one all the same.
    inbox = viewer.get("/inbox").text
    assert 'name="single"' not in inbox
    refused = viewer.post(
        "/actions",
        data={"csrf": csrf_of(inbox), "single": "handled:m00001", "back": "/inbox"},
    )
    assert refused.status_code == 403
    assert journaled(warehouse) == []


def test_the_session_cookie_is_signed_httponly_and_samesite(web: str):
    client = httpx.Client(base_url=web)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"csrf": token, "name": "zoe", "password": PASSWORD})
    set_cookie = answer.headers["set-cookie"].lower()
    assert set_cookie.startswith("veille_session=")
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    assert client.get("/").status_code == 200
    cookie = next(c for c in client.cookies.jar if c.name == "veille_session")
    # Edited by hand: a session naming the admin, without our signature.
    payload, _, signature = cookie.value.partition(".")
    forged = httpx.Client(base_url=web)
    forged.cookies.set("veille_session", f"{payload}.{signature[::-1]}")
    assert forged.get("/").status_code == 303
    import base64
    import json

    admin = base64.b64encode(json.dumps({"user": "ada"}).encode()).decode()
    forged.cookies.set("veille_session", f"{admin}.{signature}")
    assert forged.get("/").status_code == 303


def test_a_form_without_its_csrf_token_is_refused(web: str, warehouse: Path):
    client = logged_in(web, "zoe")
    for data in (
        {"single": "handled:m00001", "back": "/inbox"},
        {"single": "handled:m00001", "back": "/inbox", "csrf": "guessed"},
    ):
        answer = client.post("/actions", data=data)
        assert answer.status_code == 400
    assert journaled(warehouse) == []


def test_a_post_holding_a_script_is_shown_as_text(web: str):
    page = logged_in(web, "vera").get("/inbox?q=pwned").text
    # escaped, with the searched word marked
    assert "&lt;script&gt;alert(&#39;<mark>pwned</mark>&#39;)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_failed_logins_are_slowed_down(warehouse: Path):
    home = warehouse.parent
    add_test_users(home)
    with serve_web(home, warehouse, login_wait_s=2.0) as web:
        client = httpx.Client(base_url=web, timeout=30)

        def attempt(password: str) -> tuple[int, float]:
            token = csrf_of(client.get("/login").text)
            started = time.monotonic()
            answer = client.post(
                "/login", data={"csrf": token, "name": "zoe", "password": password}
            )
            return answer.status_code, time.monotonic() - started

        status, took = attempt("wrong")
        assert status == 401 and took >= 1.0  # a failure costs its sender a second
        # The rest of the 2 s wait is running: even the right password is refused.
        assert attempt(PASSWORD)[0] == 401
        time.sleep(1.2)
        assert attempt(PASSWORD)[0] == 303


def test_a_correction_during_a_load_is_kept_shown_and_reaches_the_warehouse(
    web: str, warehouse: Path, tmp_path: Path
):
    # Another process holds the warehouse for writing, as a load does.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from warehouse.db import writer\n"
         "with writer(Path(sys.argv[1])):\n"
         "    print('holding', flush=True); time.sleep(60)",
         str(warehouse)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        client = logged_in(web, "zoe")
        inbox = client.get("/inbox?sentiment=negative").text
        assert "en panne depuis hier" in inbox
        started = time.monotonic()
        answer = client.post(
            "/actions",
            data={
                "csrf": csrf_of(inbox),
                "single": "correct-positive:m00001",
                "brand": "Fibrelia",
                "back": "/inbox?sentiment=negative",
            },
        )
        assert answer.status_code == 303 and time.monotonic() - started < 5
        # Shown at once: no longer among the negative posts, and counted so on the overview.
        assert "en panne depuis hier" not in client.get("/inbox?sentiment=negative").text
        assert 'id="figure-negative"><span class="value">1<' in client.get("/").text
        # Journaled, not yet in the warehouse, which the load still holds.
        assert [r.target for r in journaled(warehouse, pending_only=True)] == ["m00001"]
    finally:
        holder.kill()
        holder.wait()
    # The next load copies it into the warehouse, where every view counts it.
    write_mentions(tmp_path / "next.jsonl", [scored_mention(9, sentiment="neutral")])
    load_mentions(tmp_path / "next.jsonl", warehouse)
    assert warehouse_rows(
        warehouse, "SELECT sentiment, corrected FROM brand_mentions WHERE mention_id = 'm00001'"
    ) == [("positive", True)]
    assert warehouse_rows(warehouse, "SELECT corrected_by FROM corrections") == [("zoe",)]


def test_bulk_not_about_this_brand_leaves_the_views_and_is_stored_with_who(
    web: str, warehouse: Path
):
    client = logged_in(web, "zoe")
    inbox = client.get("/inbox").text
    answer = client.post(
        "/actions",
        data={"csrf": csrf_of(inbox), "action": "not_about", "brand": "Fibrelia",
              "ids": ["m00001", "m00002"], "back": "/inbox"},
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    assert 'id="figure-mentions"><span class="value">2<' in client.get("/").text
    # No load runs: the app wrote them to the warehouse itself.
    deadline = time.monotonic() + 10
    while journaled(warehouse, pending_only=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert warehouse_rows(
        warehouse, "SELECT mention_id, brand, excluded_by FROM excluded_mentions ORDER BY 1"
    ) == [("m00001", "Fibrelia", "zoe"), ("m00002", "Fibrelia", "zoe")]


def test_the_screens_speak_the_brands_language(web: str):
    client = logged_in(web, "vera")
    french = client.get("/").text
    assert "Synthèse" in french and "Tonalité nette" in french and 'lang="fr"' in french
    assert "déc." in french or "nov." in french or "janv." in french  # a French date
    english = client.get("/?lang=en").text
    assert "Overview" in english and "Net sentiment" in english
    # The chosen language is kept in the links to the other screens.
    assert 'href="/inbox?brand=Fibrelia' in english and "lang=en" in english


def test_users_are_added_from_the_command_line(tmp_path: Path):
    env = {**os.environ, "VEILLE_HOME": str(tmp_path)}

    def veille(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "veille.cli", *args], input=stdin, capture_output=True,
            text=True, cwd=REPO, env=env, timeout=120,
        )  # fmt: skip

    add = ("users", "add", "--password-stdin")
    added = veille(*add, "zoe", "--role", "analyst", stdin="s3cret-pw\n")
    assert added.returncode == 0, added.stderr
    again = veille(*add, "zoe", "--role", "admin", stdin="s3cret-pw\n")
    assert again.returncode == 2 and "--replace" in again.stderr
    short = veille(*add, "max", "--role", "viewer", stdin="short\n")
    assert short.returncode == 2 and "shorter than 8" in short.stderr
    assert veille("users", "list").stdout == "zoe\tanalyst\n"
    stored = (tmp_path / "web" / "users.sqlite").read_bytes()
    assert b"s3cret-pw" not in stored and b"$argon2id$" in stored


def test_a_tag_is_added_to_a_selection_and_removed_from_one_mention(web: str, warehouse: Path):
    client = logged_in(web, "zoe")
    token = csrf_of(client.get("/inbox").text)
    tagged = client.post(
        "/actions",
        data={"csrf": token, "action": "tag", "tag": "SAV : rappel", "brand": "Fibrelia",
              "ids": ["m00001", "m00003"], "back": "/inbox"},
    )  # fmt: skip
    assert tagged.status_code == 303
    inbox = client.get("/inbox").text
    assert inbox.count("#SAV : rappel") == 2
    untagged = client.post(
        "/actions",
        data={"csrf": token, "single": "untag=SAV : rappel:m00001", "back": "/inbox"},
    )
    assert untagged.status_code == 303
    assert client.get("/inbox").text.count("#SAV : rappel") == 1
    deadline = time.monotonic() + 10
    while journaled(warehouse, pending_only=True) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert warehouse_rows(warehouse, "SELECT tags FROM mention_triage ORDER BY 1") == [
        ([],),
        (["SAV : rappel"],),
    ]


def test_an_admin_manages_the_team_and_sees_who_decided_what(web: str):
    admin = logged_in(web, "ada")
    token = csrf_of(admin.get("/team").text)
    added = admin.post(
        "/team",
        data={"csrf": token, "action": "add", "name": "max", "role": "viewer",
              "password": "max-password"},
    )  # fmt: skip
    assert added.status_code == 303
    assert (
        admin.post(
            "/team", data={"csrf": token, "action": "role", "name": "max", "role": "analyst"}
        ).status_code
        == 303
    )
    max_ = logged_in(web, "max", "max-password")
    inbox = max_.get("/inbox").text
    assert 'name="single"' in inbox  # an analyst now
    assert (
        max_.post(
            "/actions",
            data={"csrf": csrf_of(inbox), "single": "handled:m00002", "back": "/inbox"},
        ).status_code
        == 303
    )
    team = admin.get("/team").text
    assert "max" in team and "m00002" in team and "traitée" in team  # the audit, in French
    # An analyst may not manage the team; an admin may not lock themselves out.
    assert max_.get("/team").status_code == 403
    assert (
        max_.post(
            "/team", data={"csrf": csrf_of(inbox), "action": "remove", "name": "ada"}
        ).status_code
        == 403
    )
    assert (
        admin.post("/team", data={"csrf": token, "action": "remove", "name": "ada"}).status_code
        == 400
    )
    assert (
        admin.post("/team", data={"csrf": token, "action": "remove", "name": "max"}).status_code
        == 303
    )
    assert max_.get("/").status_code == 303  # removed: logged out at once


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "/\t/evil.example",
                                    "https://evil.example/"])  # fmt: skip
def test_after_login_the_app_never_sends_the_user_to_another_site(web: str, target: str):
    client = httpx.Client(base_url=web)
    token = csrf_of(client.get("/login", params={"next": target}).text)
    answer = client.post(
        "/login", data={"csrf": token, "name": "zoe", "password": PASSWORD, "next": target}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(web: str, warehouse: Path):
    zoe = logged_in(web, "zoe")
    assert zoe.get("/").status_code == 200
    add_user(users_path(warehouse.parent), "zoe", "analyst", "a new password", replace=True)
    assert zoe.get("/").status_code == 303
    assert logged_in(web, "zoe", "a new password").get("/").status_code == 200
