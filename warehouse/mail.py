"""Sending Veille's emails (alerts, digests, source health): the SMTP settings, from the
VEILLE_SMTP_* environment or an Airflow connection, a copy saved as .eml, and a send that
says whether the email went out."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from veille.core.settings import settings


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "veille@localhost"
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False  # SMTP over TLS from the first byte (port 465)
    timeout_s: float = 30

    @classmethod
    def from_env(cls) -> SmtpSettings:
        """VEILLE_SMTP_HOST, _PORT, _FROM, _USER, _PASSWORD, _STARTTLS (1/0), _SSL (1/0)."""
        env = settings()
        return cls(
            host=env.smtp_host or cls.host,
            port=env.smtp_port or cls.port,
            sender=env.smtp_from or cls.sender,
            user=env.smtp_user,
            password=env.smtp_password,
            starttls=env.smtp_starttls,
            ssl=env.smtp_ssl,
        )

    @classmethod
    def from_connection(cls, conn: Any) -> SmtpSettings:
        """From an Airflow connection (such as `smtp_default`), read as Airflow's own
        SmtpHook reads it: SSL unless extra `disable_ssl`, else STARTTLS unless extra
        `disable_tls`; the sender from extra `from_email`."""
        extra = conn.extra_dejson or {}
        ssl = not _flag(extra.get("disable_ssl", False))
        return cls(
            host=conn.host or cls.host,
            port=int(conn.port or (465 if ssl else 587)),
            sender=extra.get("from_email") or conn.login or cls.sender,
            user=conn.login or None,
            password=conn.password or None,
            ssl=ssl,
            starttls=not ssl and not _flag(extra.get("disable_tls", False)),
            timeout_s=float(extra.get("timeout", cls.timeout_s)),
        )


def smtp_settings(conn_id: str = "smtp_default") -> SmtpSettings:
    """Inside an Airflow task, the connection `conn_id` when it exists; otherwise (and
    outside Airflow) the VEILLE_SMTP_* environment."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return SmtpSettings.from_env()
    try:
        return SmtpSettings.from_connection(BaseHook.get_connection(conn_id))
    except AirflowNotFoundException:
        return SmtpSettings.from_env()


def _flag(value: Any) -> bool:
    """An extra's boolean, written as JSON true/false or as a string."""
    return value.strip().lower() in ("1", "true", "yes") if isinstance(value, str) else bool(value)


def save_email(message: EmailMessage, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def send_email(message: EmailMessage, settings: SmtpSettings) -> None:
    """Send the message; OSError (smtplib's errors included) when it did not go out.

    Once the server has answered the DATA with 250, the email is the server's to
    deliver: whatever comes after (a 421 to QUIT, a dropped connection) must not make it
    "not sent", or the next run sends it again (`with SMTP(...)` raises on any answer to
    QUIT but 221)."""
    connect = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    smtp = connect(settings.host, settings.port, timeout=settings.timeout_s)
    try:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)
    except BaseException:
        _quit_quietly(smtp)
        raise
    _quit_quietly(smtp)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """QUIT and close, whatever the server answers: it changes nothing to the email."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()
