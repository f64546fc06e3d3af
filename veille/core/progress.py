"""Progress of long work, through the standard `logging` module: each module logs to
`logging.getLogger(__name__)`, the command line shows those lines on stderr with the
time since the command started (`show_progress`), and Airflow puts them in the task's
log. `every` turns a (done, total) callback into a line every few seconds."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

# Veille's own packages: their INFO lines are progress; other libraries speak from WARNING.
PACKAGES = ("veille", "crawlers", "nlp", "warehouse")


class _Elapsed(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()

    def format(self, record: logging.LogRecord) -> str:
        # The base class adds a logged exception's traceback after the message.
        return f"[{time.monotonic() - self.started:6.1f}s] {super().format(record)}"


class _ProgressHandler(logging.StreamHandler):
    """The handler show_progress adds (told apart from any other)."""


def show_progress(stream: Any = None) -> None:
    """Show Veille's progress lines on `stream` (stderr), each with the time since this
    call; once per process, so a second call changes nothing."""
    root = logging.getLogger()
    if any(isinstance(handler, _ProgressHandler) for handler in root.handlers):
        return
    handler = _ProgressHandler(stream or sys.stderr)
    handler.setFormatter(_Elapsed())
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    for package in PACKAGES:
        logging.getLogger(package).setLevel(logging.INFO)


def hide_progress() -> None:
    """Take back what show_progress did (for a caller whose stream is closing)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _ProgressHandler)]:
        root.removeHandler(handler)


def every(log: logging.Logger, label: str, seconds: float = 5.0) -> Callable[[int, int], None]:
    """A (done, total) callback that logs "label: done/total" at most every `seconds`,
    and always at the end."""
    last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= seconds or done == total:
            last = time.monotonic()
            log.info(f"{label}{done}/{total}")

    return report
