"""`veille demo`: the real pipeline on the bundled demo site, offline.

It serves the demo blogs and forum on 127.0.0.1, starts an SMTP server on 127.0.0.1 to
receive the alert email, runs every step against them, and prints what it found.
"""

from __future__ import annotations

import email.policy
import logging
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

from veille.checks import load_checked_config
from veille.core.home import warehouse_path
from veille.pipeline import iter_summary, run_pipeline

log = logging.getLogger(__name__)

DEMO_CONFIG = Path(__file__).parent / "config"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the local SMTP server received: raw messages, in order."""

    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(bytes(envelope.content))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        # the modern policy decodes the subject and unfolds its long header lines
        return [
            str(message_from_bytes(raw, policy=email.policy.default)["Subject"] or "")
            for raw in self.messages
        ]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An aiosmtpd server on 127.0.0.1 at a free port, collecting what it receives."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def run_demo(home: Path, *, reset: bool = False, as_of: datetime | None = None) -> int:
    from veille.demo.site import DemoSite
    from warehouse.mail import SmtpSettings

    if reset and home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    with DemoSite(as_of) as site, smtp_server() as (inbox, port):
        log.info(f"demo site on {site.base_url}, SMTP server on 127.0.0.1:{port}")
        os.environ["VEILLE_DEMO_URL"] = site.base_url
        config = load_checked_config(DEMO_CONFIG)
        smtp = SmtpSettings(host="127.0.0.1", port=port, sender="veille-demo@localhost")
        # its own DuckDB file, whatever VEILLE_WAREHOUSE names: the demo never writes there
        report = run_pipeline(config, home, smtp=smtp, warehouse=warehouse_path(home))
        print()
        for line in iter_summary(report.db_path, report):
            print(line)
        if inbox.messages:
            print(f"Emails received by the local SMTP server: {len(inbox.messages)}")
            for subject in inbox.subjects():
                print(f"  {subject}")
        elif report.alerts:
            print("No email this run: the alert went out on an earlier run (see its .eml).")
            print("Start over with: veille demo --reset")
    return 0 if report.complete else 3
