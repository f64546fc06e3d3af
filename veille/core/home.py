"""Where Veille keeps its data at run time.

One folder, `VEILLE_HOME`, holds the DuckDB warehouse, crawl state, run partitions,
model caches and saved emails. Default: `$XDG_DATA_HOME/veille`, that is
`~/.local/share/veille`. `make demo` sets it to `.veille/` in the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def veille_home() -> Path:
    if os.environ.get("VEILLE_HOME"):
        return Path(os.environ["VEILLE_HOME"]).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "veille"


def warehouse_path(home: Path) -> Path:
    return home / "veille.duckdb"


def runs_dir(home: Path) -> Path:
    return home / "runs"


def models_dir(home: Path) -> Path:
    """Model files made at run time (the converted encoder): $VEILLE_MODELS when set,
    so that several data folders can share them, else in the data folder."""
    if os.environ.get("VEILLE_MODELS"):
        return Path(os.environ["VEILLE_MODELS"]).expanduser()
    return home / "models"


def state_dir(home: Path) -> Path:
    """Per-source crawl state, for incremental crawls."""
    return home / "state"


def emails_dir(home: Path) -> Path:
    return home / "emails"
