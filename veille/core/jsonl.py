"""Reading JSON lines files (one JSON object per line), for the command line's inputs and
the labelled data files: each problem named with the file and line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


class JsonlError(ValueError):
    """A file that cannot be read as JSON lines; the message names the file and line."""


def numbered_rows(
    path: Path, check: Callable[[dict[str, Any]], str | None] | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row of the file with its line number, blank lines skipped.
    FileNotFoundError for a missing file; JsonlError for a line that is not UTF-8, not
    JSON or not an object, or a row that `check` finds wrong (its message)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found")
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise JsonlError(
                    f"{path}:{line_no}: not UTF-8 (byte 0x{raw[err.start]:02x} at column "
                    f"{err.start + 1}); save the file as UTF-8"
                ) from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise JsonlError(f"{path}:{line_no}: not valid JSON ({err.msg})") from err
            problem = "expected a JSON object" if not isinstance(row, dict) else None
            if problem is None and check is not None:
                problem = check(row)
            if problem is not None:
                raise JsonlError(f"{path}:{line_no}: {problem}")
            yield line_no, row


def read_jsonl(
    path: Path, check: Callable[[dict[str, Any]], str | None] | None = None
) -> list[dict[str, Any]]:
    """The file's rows (numbered_rows without the line numbers)."""
    return [row for _, row in numbered_rows(path, check)]
