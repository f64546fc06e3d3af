"""`veille web`: the community manager's screens on the warehouse (FastAPI, Jinja2).

Pages are rendered on the server; a few lines of script only tick checkboxes. Every
asset is in the package (static/), so the app works offline. Who may do what
(veille/web/users.py) is checked on the server for every request; every form carries
a CSRF token; the session is a signed cookie (Starlette's SessionMiddleware, with
itsdangerous), HttpOnly and SameSite.

The app reads a private copy of the warehouse (veille/web/snapshot.py) and writes
decisions to the journal beside it (warehouse/reviews.py), so it never waits for a
load, nor a load for it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape
from starlette.middleware.sessions import SessionMiddleware

from veille.core.config import UI_LOCALES
from veille.core.record import SENTIMENT_LABELS
from veille.web import screens
from veille.web.snapshot import NotReady, WarehouseCopy
from veille.web.users import (
    FAILURE_WAIT_S,
    User,
    UserError,
    add_user,
    check_login,
    find_user,
    list_users,
    remove_user,
    set_role,
    users_path,
)
from warehouse import overview as overviews
from warehouse.alerts.emails import web_link
from warehouse.i18n import LABELS, Formats, translations
from warehouse.reviews import Review, ReviewError, recent_reviews, record_reviews

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_COOKIE = "veille_session"
SESSION_HOURS = 12
# What a page may load: its own assets only; inline SVG charts need nothing more.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# A saved alert email, shown as sent: its own inline styles and images, nothing else.
EMAIL_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class WebSettings:
    home: Path  # the data folder: users, the session key, the app's copy
    db_path: Path  # the warehouse shown
    secure_cookies: bool = False  # True behind HTTPS: the cookie is sent over HTTPS only
    login_wait_s: float = FAILURE_WAIT_S
    refresh_every_s: float = 2.0


def session_key(home: Path) -> str:
    """The key that signs session cookies, made once and kept in the data folder."""
    path = home / "web" / "session.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


class Forbidden(Exception):
    """The user's role does not allow this."""


class LoginNeeded(Exception):
    """No valid session: the cookie is missing, expired, or was not signed by us."""


class BadRequest(Exception):
    """A form the server refuses: what is wrong, for the page that says so."""


@dataclass
class View:
    """The brand, days and language a request shows, kept across screens."""

    request: Request
    user: User | None
    brands: list[overviews.BrandInfo]
    scope: overviews.Scope | None
    locale: str
    lang_given: bool

    @property
    def fmt(self) -> Formats:
        zone = self.scope.brand.timezone if self.scope else "UTC"
        return Formats(self.locale, zone)

    @classmethod
    def of(cls, request: Request, user: User | None, cur: Any = None) -> View:
        lang = request.query_params.get("lang", "")
        given = lang in UI_LOCALES
        if cur is None:
            return cls(request, user, [], None, lang if given else "en", given)
        known = overviews.brands(cur)
        wanted = request.query_params.get("brand", "")
        brand = next((b for b in known if b.name == wanted), None)
        brand = brand or next((b for b in known if b.role == "brand"), None)
        brand = brand or (known[0] if known else None)
        scope = None
        if brand is not None:
            end = _date(request.query_params.get("to")) or overviews.last_day(cur, brand.name)
            end = end or date.today()
            start = _date(request.query_params.get("from")) or end - timedelta(
                days=overviews.DEFAULT_DAYS - 1
            )
            scope = overviews.Scope(brand, min(start, end), end)
        locale = lang if given else (brand.locale if brand else "en")
        return cls(request, user, known, scope, locale, given)

    def link(self, path: str, **changes: Any) -> str:
        """A link that keeps the brand, the days and a chosen language."""
        params: dict[str, Any] = {}
        if self.scope is not None:
            params = {
                "brand": self.scope.brand.name,
                "from": self.scope.start.isoformat(),
                "to": self.scope.end.isoformat(),
            }
        if self.lang_given:
            params["lang"] = self.locale
        params.update(changes)
        query = urlencode({k: v for k, v in params.items() if v not in (None, "", False)})
        return f"{path}?{query}" if query else path

    def here(self) -> str:
        """This page's address (path and query), to come back to after a form."""
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")


Reader = Callable[[Any, overviews.Scope, "View"], dict[str, Any]]


def read_overview(cur: Any, scope: overviews.Scope, view: View) -> dict[str, Any]:
    since = _date(view.request.query_params.get("since"))
    found = overviews.overview(cur, scope, since)
    gettext = translations(view.locale).gettext
    return {"o": found, "charts": overviews.charts(found, view.fmt, gettext)}


def read_inbox(cur: Any, scope: overviews.Scope, view: View) -> dict[str, Any]:
    q = view.request.query_params
    filters = screens.InboxFilters(
        sentiment=_choice(q.get("sentiment"), SENTIMENT_LABELS),
        source=q.get("source", ""),
        language=q.get("language", ""),
        topic=q.get("topic", ""),
        flagged=q.get("flagged") == "1",
        match=_choice(q.get("match"), ("text", "context")),
        status=_choice(q.get("status"), ("new", "handled")),
        query=q.get("q", "")[:200],
        page=_int(q.get("page"), 1),
    )
    return {"inbox": screens.inbox(cur, scope, filters), "filters": filters}


def read_moderation(cur: Any, scope: overviews.Scope, view: View) -> dict[str, Any]:
    shown = _choice(view.request.query_params.get("status", "new"), ("new", "handled", "all"))
    return {"posts": screens.moderation(cur, scope, shown), "shown": shown}


# Each screen: its path, its template's name, and what it reads for the view's brand and
# days (read only when the warehouse has a brand; without one the page says so).
SCREENS: list[tuple[str, str, Reader]] = [
    ("/", "overview", read_overview),
    ("/inbox", "inbox", read_inbox),
    ("/communities", "communities",
     lambda cur, scope, view: {"c": screens.communities(cur, scope)}),
    ("/topics", "topics", lambda cur, scope, view: {"topics": screens.topics(cur, scope)}),
    ("/moderation", "moderation", read_moderation),
    ("/alerts", "alerts", lambda cur, scope, view: {"alerts": screens.alerts(cur, scope)}),
    ("/sources", "sources", lambda cur, scope, view: {"runs": screens.source_health(cur)}),
]  # fmt: skip


def create_app(settings: WebSettings) -> FastAPI:
    copy = WarehouseCopy(
        settings.db_path, settings.home / "web" / "copy", refresh_every_s=settings.refresh_every_s
    )
    users = users_path(settings.home)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(copy.start)
        try:
            yield
        finally:
            await asyncio.to_thread(copy.close)

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_key(settings.home),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    environments: dict[str, jinja2.Environment] = {}

    def environment(locale: str) -> jinja2.Environment:
        if locale not in environments:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(HERE / "templates"),
                autoescape=True,
                extensions=["jinja2.ext.i18n"],
                undefined=jinja2.StrictUndefined,
            )
            catalog = translations(locale)
            env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
            env.filters["highlight"] = highlight
            # a post's link only when it is a web page's (never javascript: or data:)
            env.filters["link"] = lambda url: web_link(url) or "#"
            gettext = translations(locale).gettext
            env.globals["label"] = lambda word: gettext(LABELS.get(word) or word)
            environments[locale] = env
        return environments[locale]

    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[..., Any]) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        # the server's time on the request, for the browser's tools and bench/web.py
        response.headers["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.1f}"
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    # --- sessions, CSRF, roles -------------------------------------------------------

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    async def checked_form(request: Request) -> dict[str, Any]:
        form = await request.form()
        sent = form.get("csrf")
        expected = request.session.get("csrf")
        if not (isinstance(sent, str) and isinstance(expected, str)) or not secrets.compare_digest(
            sent, expected
        ):
            raise BadRequest("csrf")
        return {key: form.getlist(key) for key in form}

    def current_user(request: Request, need: str = "viewer") -> User:
        name, token = request.session.get("user"), request.session.get("session")
        user = find_user(users, name) if isinstance(name, str) else None
        # a removed user, or a password changed since: the session has ended
        if (
            user is None
            or not isinstance(token, str)
            or not secrets.compare_digest(token, user.session)
        ):
            raise LoginNeeded()
        if not user.can(need):
            raise Forbidden()
        return user

    @app.exception_handler(LoginNeeded)
    async def to_login(request: Request, exc: LoginNeeded) -> Response:
        if request.method != "GET":
            return HTMLResponse("login needed", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, "error.html", status=403, reason="forbidden")

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return page(request, "error.html", status=400, reason=str(exc))

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> Response:
        return page(request, "error.html", status=503, reason="not_ready", detail=str(exc))

    # --- rendering -------------------------------------------------------------------

    def page(request: Request, template: str, *, status: int = 200, **values: Any) -> Response:
        view = values.pop("view", None) or View.of(request, None)
        values.setdefault("screen", "")
        env = environment(view.locale)
        html = env.get_template(template).render(
            view=view, csrf=csrf_token(request), fmt=view.fmt, **values
        )
        return HTMLResponse(html, status_code=status)

    # --- login -----------------------------------------------------------------------

    @app.get("/login")
    async def login_form(request: Request) -> Response:
        target = _safe_next(request.query_params.get("next"))
        return page(request, "login.html", next=target, failed=False, wait_s=0)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await checked_form(request)
        name = _first(form, "name")
        target = _safe_next(_first(form, "next"))
        result = await asyncio.to_thread(
            check_login, users, name, _first(form, "password"), base_wait_s=settings.login_wait_s
        )
        if result.user is None:
            log.warning("veille web: failed login for %r", name)
            await asyncio.sleep(min(result.wait_s, 1.0))  # every failure costs its sender
            return page(
                request, "login.html", status=401, next=target, failed=True,
                wait_s=round(result.wait_s),
            )  # fmt: skip
        request.session.clear()
        request.session["user"] = result.user.name
        request.session["session"] = result.user.session
        request.session["csrf"] = secrets.token_urlsafe(32)
        return RedirectResponse(target, status_code=303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- screens ---------------------------------------------------------------------

    def screen(request: Request, name: str, read: Reader) -> Response:
        user = current_user(request)
        with copy.cursor() as cur:
            view = View.of(request, user, cur)
            values = read(cur, view.scope, view) if view.scope is not None else {}
        return page(request, f"{name}.html", view=view, screen=name, **values)

    for path, name, read in SCREENS:

        async def show(request: Request, name: str = name, read: Reader = read) -> Response:
            return await asyncio.to_thread(screen, request, name, read)

        app.add_api_route(path, show, methods=["GET"], name=name)

    @app.get("/alerts/{alert_id}/email")
    async def alert_email(request: Request, alert_id: str) -> Response:
        current_user(request)
        with copy.cursor() as cur:
            saved = screens.alert_email_path(cur, alert_id)
        html = _email_html(saved, settings.db_path.parent) if saved else None
        if html is None:
            return HTMLResponse("no saved email for this alert", status_code=404)
        response = HTMLResponse(html)
        response.headers["Content-Security-Policy"] = EMAIL_CSP
        return response

    # --- the team (admins) --------------------------------------------------------------

    @app.get("/team")
    async def team_page(request: Request) -> Response:
        user = current_user(request, "admin")

        def read() -> Response:
            with copy.cursor() as cur:
                view = View.of(request, user, cur)
            return page(
                request, "team.html", view=view, screen="team", users=list_users(users),
                activity=recent_reviews(settings.db_path),
            )  # fmt: skip

        return await asyncio.to_thread(read)

    @app.post("/team")
    async def team_change(request: Request) -> Response:
        form = await checked_form(request)
        admin = current_user(request, "admin")
        name, role = _first(form, "name"), _first(form, "role")
        action = _first(form, "action")
        if name == admin.name and action in ("remove", "role"):
            raise BadRequest("not_yourself")  # an admin never locks the team out
        try:
            if action == "add":
                password = _first(form, "password")
                await asyncio.to_thread(add_user, users, name, role, password)
            elif action == "role":
                set_role(users, name, role)
            elif action == "remove":
                remove_user(users, name)
            else:
                raise BadRequest("unknown_action")
        except UserError as err:
            raise BadRequest(str(err)) from err
        log.info("veille web: %s: %s %s %s", admin.name, action, name, role)
        return RedirectResponse("/team", status_code=303)

    # --- decisions ---------------------------------------------------------------------

    @app.post("/actions")
    async def act(request: Request) -> Response:
        form = await checked_form(request)
        user = current_user(request, "analyst")
        back = _safe_next(_first(form, "back"))
        reviews = await asyncio.to_thread(decisions, form, user)
        try:
            stored = await asyncio.to_thread(record_reviews, settings.db_path, reviews)
        except ReviewError as err:
            raise BadRequest(str(err)) from err
        await asyncio.to_thread(copy.apply, stored)
        return RedirectResponse(back, status_code=303)

    def decisions(form: dict[str, list[str]], user: User) -> list[Review]:
        """The decisions a form asks for: on the ticked mentions, or on the one whose
        button was pressed (single = "ACTION:MENTION_ID")."""
        action, ids = _first(form, "action"), form.get("ids", [])
        single = _first(form, "single")
        if single:
            # the mention's id (hex) is last; an untag carries its tag: "untag=TAG:ID"
            action, _, one = single.rpartition(":")
            ids = [one]
        ids = list(dict.fromkeys(i for i in ids if i))[:500]
        if not ids:
            raise BadRequest("nothing_selected")
        brand = _first(form, "brand")
        if action.startswith("correct-"):  # the sentiment is in the button's value
            action, sentiment = "correct", action.removeprefix("correct-")
        else:
            sentiment = _first(form, "sentiment")
        with copy.cursor() as cur:
            if action in ("alert-acknowledged", "alert-false_alarm", "alert-reopened"):
                if not all(screens.alert_exists(cur, i) for i in ids):
                    raise BadRequest("unknown_alert")
                verdict = action.removeprefix("alert-")
                return [Review("alert", i, verdict, user.name) for i in ids]
            named = screens.brands_of(cur, ids)
            unknown = set(ids) - screens.mentions_exist(cur, ids)
        if unknown:
            raise BadRequest("unknown_mention")
        if action in ("correct", "not_about", "about") and any(
            brand not in named.get(i, set()) for i in ids
        ):
            raise BadRequest("brand_not_named")
        if action == "correct":
            return [
                Review("correction", i, sentiment, user.name, brand=brand, reason="veille web")
                for i in ids
            ]
        if action in ("not_about", "about"):
            return [Review("mention", i, action, user.name, brand=brand) for i in ids]
        if action.startswith("untag="):
            action, tag = "untag", action.removeprefix("untag=")
            return [Review("mention", i, action, user.name, tag=tag) for i in ids]
        if action in ("tag", "untag"):
            tag = _first(form, "tag")
            return [Review("mention", i, action, user.name, tag=tag) for i in ids]
        if action in ("handled", "unhandled"):
            return [Review("mention", i, action, user.name) for i in ids]
        raise BadRequest("unknown_action")

    return app


@contextmanager
def serving(settings: WebSettings, port: int) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1:port in a thread, for tests and benches;
    yields its base URL once it answers."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="veille-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"veille web did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# --- small helpers ------------------------------------------------------------------------


def highlight(text: str, terms: list[str] | None = None, query: str = "") -> Markup:
    """The text, escaped, with the matched query terms and searched words in <mark>."""
    import re

    words = [t for t in (terms or []) if t] + [w for w in query.split() if w]
    if not words:
        return Markup(escape(text))
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)), re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _email_html(saved: str, root: Path) -> str | None:
    """The HTML of a saved alert email, its inline chart as a data: image. Only a file
    under the warehouse's folder is read."""
    import base64

    path = Path(saved).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        return None
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(("html",))
    if body is None:
        return None
    html = str(body.get_content())
    for part in message.walk():
        cid = str(part.get("Content-ID", "")).strip("<>")
        if cid and part.get_content_maintype() == "image":
            payload = part.get_payload(decode=True)
            data = base64.b64encode(payload if isinstance(payload, bytes) else b"").decode()
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
    return html


def _first(form: dict[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return str(values[0]).strip()


def _safe_next(target: str | None) -> str:
    """A place in this app to go back to: a path, never another site (browsers read
    "//host", "/\\host" and "/\t/host" as another site's address)."""
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/"
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in target):
        return "/"
    return target


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _choice(value: str | None, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""
