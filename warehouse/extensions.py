"""DuckDB's extensions (ducklake, postgres, httpfs) from their PyPI wheels, loaded with
nothing downloaded at run time.

The wheels (`duckdb-extension-ducklake`, `-postgres`, `-httpfs`, pinned in the lock with
DuckDB itself) each hold one extension file. DuckDB finds an extension by name in its
`extension_directory`, laid out as `vVERSION/PLATFORM/NAME.duckdb_extension`, so the
files are copied there once; the postgres file goes under its own name,
`postgres_scanner` (the name its entry point is looked up by). Autoinstall and
autoload stay off: an extension is loaded because Veille asks for it, never fetched.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import duckdb

# extension name → (the wheel's package, the file's name in the extension directory)
WHEELS = {
    "ducklake": ("duckdb_extension_ducklake", "ducklake"),
    "postgres": ("duckdb_extension_postgres", "postgres_scanner"),
    "httpfs": ("duckdb_extension_httpfs", "httpfs"),
}


class ExtensionError(RuntimeError):
    """An extension whose wheel is missing or does not match the DuckDB installed."""


def wheel_file(name: str) -> Path:
    """The extension file the wheel installed, for this DuckDB version."""
    package, _ = WHEELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ExtensionError(
            f"the {name} extension is not installed: pip install {package.replace('_', '-')}"
            f"=={duckdb.__version__} (make install does it)"
        )
    found = sorted(Path(spec.origin).parent.glob(f"extensions/v{duckdb.__version__}/*"))
    if not found:
        raise ExtensionError(
            f"{package} holds no extension for DuckDB {duckdb.__version__}: install the "
            f"wheel of the same version as duckdb"
        )
    return found[0]


def extension_directory(con: duckdb.DuckDBPyConnection, folder: Path) -> Path:
    """`folder` laid out as DuckDB's extension directory, with every wheel's file."""
    platform = con.execute("PRAGMA platform").fetchone()
    target = folder / f"v{duckdb.__version__}" / str(platform[0] if platform else "")
    target.mkdir(parents=True, exist_ok=True)
    for name, (_, file_name) in WHEELS.items():
        placed = target / f"{file_name}.duckdb_extension"
        source = wheel_file(name)
        if not placed.exists() or placed.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, placed)
    return folder


def load_extensions(
    con: duckdb.DuckDBPyConnection, folder: Path, names: tuple[str, ...] = tuple(WHEELS)
) -> None:
    """Load the extensions into `con` from the wheels, offline."""
    directory = extension_directory(con, folder)
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET extension_directory = ?", [str(directory)])
    for name in names:
        con.execute(f"LOAD {WHEELS[name][1]}")
