"""The `veille` command line: a module per group of commands, each registering its
commands and handling them by calling a step (veille/pipeline.py, the stages). Each
command is documented in its --help and in README.md."""

from __future__ import annotations

import argparse
import os
import sys

from veille.cli import alerts, data, models, privacy, running, texts, web
from veille.cli.common import UsageError
from veille.core import __version__
from veille.core.config import ConfigError
from veille.core.progress import show_progress
from veille.core.pseudonyms import PrivacyKeyError
from veille.core.settings import SettingsError
from warehouse.db import WarehouseBusy, WarehouseCorrupt
from warehouse.lake import LakeUnavailable
from warehouse.privacy import KeyMismatch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="veille",
        description="Veille: what blogs and forums say about your brands, in French and "
        "English. Data lives in $VEILLE_HOME (default ~/.local/share/veille); "
        "configuration (sources.yaml, brands.yaml) in --config or $VEILLE_CONFIG.",
    )
    parser.add_argument("--version", action="version", version=f"veille {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # in the order `veille --help` lists them
    running.register(commands)
    texts.register(commands)
    alerts.register(commands)
    running.register_sources(commands)
    models.register(commands)
    data.register(commands)
    privacy.register(commands)
    web.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    args = build_parser().parse_args(argv)
    show_progress()  # on stderr: stdout is the command's answer
    try:
        return int(args.func(args))
    except ConfigError as err:
        print("Configuration problems:", file=sys.stderr)
        for problem in err.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (
        UsageError, FileNotFoundError, WarehouseCorrupt, SettingsError, PrivacyKeyError,
        KeyMismatch,
    ) as err:  # fmt: skip
        print(f"veille: {err}", file=sys.stderr)
        return 2
    except (WarehouseBusy, LakeUnavailable) as err:
        print(f"veille: {err}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`veille … | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
