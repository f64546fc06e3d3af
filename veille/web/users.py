"""The people who may open `veille web`, their roles, and their failed logins.

Kept in the data folder (`web/users.sqlite`), apart from the warehouse: a login must work
while a load holds the warehouse. Passwords are hashed with argon2id (argon2-cffi, the
OWASP recommendation); a wrong password costs its sender a wait that doubles with each
failure in a row for that name (FAILURE_WAIT_S), so guessing is slow.

Roles: a viewer reads; an analyst also triages (corrects, tags, marks handled,
acknowledges alerts); an admin also manages users.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("viewer", "analyst", "admin")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_CHARS = 8
# The wait after the n-th failure in a row: FAILURE_WAIT_S * 2**(n-1), at most MAX_WAIT_S.
FAILURE_WAIT_S = 1.0
MAX_WAIT_S = 60.0

_SQL = """
CREATE TABLE IF NOT EXISTS users (
    name          TEXT PRIMARY KEY,  -- the login
    role          TEXT NOT NULL,     -- viewer, analyst or admin
    password_hash TEXT NOT NULL,     -- argon2id
    created_at    TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,  -- failed logins in a row
    failed_at     TEXT,                        -- the last one
    session       TEXT NOT NULL DEFAULT ''     -- in each of the user's session cookies;
                                               -- a new password draws a new one, which
                                               -- ends the sessions opened before
);
"""

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user that cannot be added: a bad name, role or password."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    session: str = ""  # the token the user's session cookies must hold

    def can(self, need: str) -> bool:
        """Whether this user's role is at least `need` (viewer < analyst < admin)."""
        return ROLES.index(self.role) >= ROLES.index(need)


def users_path(home: Path) -> Path:
    return home / "web" / "users.sqlite"


@contextmanager
def _store(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=5.0)) as con:
        con.executescript(_SQL)
        yield con
    path.chmod(0o600)  # password hashes: for the app's owner only


def add_user(path: Path, name: str, role: str, password: str, *, replace: bool = False) -> User:
    """Add a user (or, with replace, set an existing one's role and password)."""
    if not NAME.match(name):
        raise UserError(
            f"user name {name!r}: 1 to 64 letters, digits or . _ @ -, starting with a letter "
            "or digit"
        )
    if role not in ROLES:
        raise UserError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password is shorter than {MIN_PASSWORD_CHARS} characters")
    hashed = _hasher.hash(password)
    now = datetime.now(UTC).isoformat()
    with _store(path) as con, con:
        exists = con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone()
        if exists and not replace:
            raise UserError(f"user {name!r} exists already: pass --replace to change it")
        session = secrets.token_urlsafe(16)
        con.execute(
            "INSERT INTO users (name, role, password_hash, created_at, session) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
            "password_hash = excluded.password_hash, failures = 0, failed_at = NULL, "
            "session = excluded.session",
            [name, role, hashed, now, session],
        )
    return User(name, role, session)


def set_role(path: Path, name: str, role: str) -> bool:
    """Change a user's role; False when there is no such user."""
    if role not in ROLES:
        raise UserError(f"role {role!r}: use one of {', '.join(ROLES)}")
    with _store(path) as con, con:
        return con.execute("UPDATE users SET role = ? WHERE name = ?", [role, name]).rowcount > 0


def remove_user(path: Path, name: str) -> bool:
    with _store(path) as con, con:
        return con.execute("DELETE FROM users WHERE name = ?", [name]).rowcount > 0


def list_users(path: Path) -> list[User]:
    if not path.exists():
        return []
    with _store(path) as con:
        rows = con.execute("SELECT name, role FROM users ORDER BY name").fetchall()
    return [User(name, role) for name, role in rows]


def find_user(path: Path, name: str) -> User | None:
    """The user by that name as stored now (a role changed since login counts at once)."""
    if not path.exists():
        return None
    with _store(path) as con:
        row = con.execute("SELECT name, role, session FROM users WHERE name = ?", [name]).fetchone()
    return User(*row) if row else None


@dataclass(frozen=True)
class LoginResult:
    user: User | None  # None: refused
    wait_s: float  # how long the sender must wait before the next try counts


def _wait_after(failures: int, base_s: float) -> float:
    return 0.0 if failures <= 0 else min(MAX_WAIT_S, base_s * 2 ** (failures - 1))


def check_login(
    path: Path, name: str, password: str, *, base_wait_s: float = FAILURE_WAIT_S
) -> LoginResult:
    """The user when the password is right and no wait is running for that name.

    A try during the wait after a failure is refused unchecked (so guessing cannot go
    faster than the waits allow); a wrong password adds a failure and doubles the wait."""
    now = datetime.now(UTC)
    with _store(path) as con, con:
        row = con.execute(
            "SELECT role, password_hash, failures, failed_at, session FROM users WHERE name = ?",
            [name],
        ).fetchone()
        if row is None:
            # Hash anyway: an unknown name costs as much time as a known one.
            _hasher.hash(password)
            return LoginResult(None, base_wait_s)
        role, hashed, failures, failed_at, session = row
        if failed_at:
            waited = (now - datetime.fromisoformat(failed_at)).total_seconds()
            left = _wait_after(failures, base_wait_s) - waited
            if left > 0:
                return LoginResult(None, left)
        try:
            _hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            con.execute(
                "UPDATE users SET failures = failures + 1, failed_at = ? WHERE name = ?",
                [now.isoformat(), name],
            )
            return LoginResult(None, _wait_after(failures + 1, base_wait_s))
        updates = "failures = 0, failed_at = NULL"
        params: list[str] = []
        if _hasher.check_needs_rehash(hashed):
            updates += ", password_hash = ?"
            params.append(_hasher.hash(password))
        con.execute(f"UPDATE users SET {updates} WHERE name = ?", [*params, name])
        return LoginResult(User(name, role, session), 0.0)
