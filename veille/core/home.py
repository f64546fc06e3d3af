"""Where Veille keeps its data at run time.

One folder, `VEILLE_HOME`, holds the DuckDB warehouse, crawl state, run partitions,
model caches and saved emails. Default: `$XDG_DATA_HOME/veille`, that is
`~/.local/share/veille`. `make demo` sets it to `.veille/` in the checkout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from veille.core.settings import SettingsError, settings


def veille_home() -> Path:
    home = settings().home
    if home is not None:
        return home.expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "veille"


def warehouse_path(home: Path) -> Path:
    """The embedded warehouse: one DuckDB file in the data folder."""
    return home / "veille.duckdb"


@dataclass(frozen=True)
class Lake:
    """A DuckLake warehouse, for many writers and many machines: its catalog (what
    follows `ducklake:`, e.g. `postgres:dbname=veille host=db`) and the folder or
    object-storage prefix (`s3://bucket/veille/`) of its Parquet files."""

    catalog: str
    data_path: str

    @property
    def uri(self) -> str:
        return f"ducklake:{self.catalog}"

    def __str__(self) -> str:  # what messages show: never a password in the catalog
        kind = self.catalog.split(":", 1)[0] if ":" in self.catalog else "duckdb"
        return f"DuckLake ({kind} catalog, data in {self.data_path})"


# Where the warehouse is: the DuckDB file, or a DuckLake.
Warehouse = Path | Lake


def configured_lake(home: Path) -> Lake | None:
    """The DuckLake VEILLE_WAREHOUSE names (`ducklake:CATALOG`), its data in
    VEILLE_WAREHOUSE_DATA (default: `lake/` in the data folder); None when unset."""
    chosen = settings()
    if chosen.warehouse is None:
        return None
    if not chosen.warehouse.startswith("ducklake:") or chosen.warehouse == "ducklake:":
        raise SettingsError(
            f"VEILLE_WAREHOUSE={chosen.warehouse!r}: give ducklake:CATALOG (e.g. "
            "ducklake:postgres:dbname=veille host=db-host), or leave it unset for the DuckDB "
            "file in the data folder"
        )
    data = chosen.warehouse_data or f"{home / 'lake'}/"
    if "://" not in data and not data.endswith("/"):
        data += "/"
    return Lake(chosen.warehouse.removeprefix("ducklake:"), data)


def warehouse_exists(warehouse: Warehouse) -> bool:
    """Whether there is a warehouse to read (a DuckLake is made by its first writer, and
    always answers)."""
    return isinstance(warehouse, Lake) or warehouse.exists()


def warehouse_location(home: Path) -> Warehouse:
    """Where the pipeline loads: the DuckLake VEILLE_WAREHOUSE names, else the DuckDB
    file in the data folder."""
    return configured_lake(home) or warehouse_path(home)


def demo_home(home: Path) -> Path:
    """`veille demo`'s data folder, inside the data folder: the demo never touches the
    warehouse `veille run` builds."""
    return home / "demo"


def warehouse_in_use(home: Path) -> Warehouse:
    """The warehouse the commands read and correct: the DuckLake VEILLE_WAREHOUSE names;
    else the data folder's once `veille run` has made it, else the demo's when `veille
    demo` has run, so that `veille sql`, `veille export` and the notebooks work right
    after the demo."""
    lake = configured_lake(home)
    if lake is not None:
        return lake
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
