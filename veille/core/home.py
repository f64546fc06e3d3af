"""Where Veille keeps its data at run time.

One folder, `VEILLE_HOME`, holds the DuckDB warehouse, crawl state, run partitions,
model caches and saved emails. Default: `$XDG_DATA_HOME/veille`, that is
`~/.local/share/veille`. `make demo` sets it to `.veille/` in the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from veille.core.settings import settings


def veille_home() -> Path:
    home = settings().home
    if home is not None:
        return home.expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "veille"


def warehouse_path(home: Path) -> Path:
    return home / "veille.duckdb"


def demo_home(home: Path) -> Path:
    """`veille demo`'s data folder, inside the data folder: the demo never touches the
    warehouse `veille run` builds."""
    return home / "demo"


def warehouse_in_use(home: Path) -> Path:
    """The warehouse the commands read and correct: the data folder's once `veille run`
    has made it, else the demo's when `veille demo` has run, so that `veille sql`,
    `veille export` and the notebooks work right after the demo."""
    own, demo = warehouse_path(home), warehouse_path(demo_home(home))
    return demo if not own.exists() and demo.exists() else own


def runs_dir(home: Path) -> Path:
    return home / "runs"


def models_dir(home: Path) -> Path:
    """Model files made at run time (the converted encoder): $VEILLE_MODELS when set,
    so that several data folders can share them, else in the data folder."""
    models = settings().models
    return models.expanduser() if models is not None else home / "models"


def state_dir(home: Path) -> Path:
    """Per-source crawl state, for incremental crawls."""
    return home / "state"


def emails_dir(home: Path) -> Path:
    return home / "emails"


def reports_dir(home: Path) -> Path:
    """Morning reports (HTML and PDF), `veille report`'s and the emailed ones."""
    return home / "reports"
