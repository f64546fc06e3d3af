"""Progress output for long work: timed lines on stderr, and counters that report
every few seconds instead of on every batch."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

Log = Callable[[str], None]


class Progress:
    """Progress lines on stderr, each with the time since the run started."""

    def __init__(self, stream: Any = None):
        self.started = time.monotonic()
        self.stream = stream or sys.stderr

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=self.stream, flush=True)


def every(log: Log, label: str, seconds: float = 5.0) -> Callable[[int, int], None]:
    """A (done, total) callback that logs "label: done/total" at most every `seconds`,
    and always at the end."""
    last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        if time.monotonic() - last >= seconds or done == total:
            last = time.monotonic()
            log(f"{label}{done}/{total}")

    return report
