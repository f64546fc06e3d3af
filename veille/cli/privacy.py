"""`veille privacy`: retention, erasure and access requests, key rotation
(docs/privacy.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from veille.checks import load_checked_model
from veille.cli.common import UsageError, add_warehouse_option, warehouse_arg
from veille.core.config import BRANDS_FILE, BrandsFile, config_dir
from veille.core.home import Warehouse, veille_home, warehouse_exists


def _home(warehouse: Warehouse) -> Path:
    """The data folder the warehouse belongs to: the DuckDB file's folder (the demo's is
    its own), else VEILLE_HOME."""
    return warehouse.parent if isinstance(warehouse, Path) else veille_home()


def _warehouse(args: argparse.Namespace) -> Warehouse:
    warehouse = warehouse_arg(args)
    if not warehouse_exists(warehouse):
        raise UsageError(f"no warehouse at {warehouse}: `veille run` makes it")
    return warehouse


def _who(args: argparse.Namespace) -> dict[str, str | None]:
    if not args.author and not args.url:
        raise UsageError("say whose data: --author NAME (with --source ID), or --url URL")
    return {"author": args.author, "source_id": args.source, "url": args.url}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {place}" for place, n in sorted(counts.items())) or "nothing"


def cmd_forget(args: argparse.Namespace) -> int:
    from veille.privacy import forget

    warehouse = _warehouse(args)
    answer = forget(_home(warehouse), warehouse, **_who(args), asked_by=args.asked_by)
    print(f"removed: {_counts(answer.counts)}")
    print(f"request {answer.request_id} logged; later crawls will not load these posts again")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from veille.privacy import show

    warehouse = _warehouse(args)
    answer = show(_home(warehouse), warehouse, **_who(args), asked_by=args.asked_by)
    posts = answer.posts
    if args.json:
        for row in posts.to_dict("records") if posts is not None else []:
            print(json.dumps(row, ensure_ascii=False, default=str))
    else:
        print(f"held: {_counts(answer.counts)}")
        for row in posts.to_dict("records") if posts is not None else []:
            text = " ".join(str(row["text"]).split())
            print(f"- {row['published_at']} {row['source_id']} {row['url']}\n  {text[:200]}")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from veille.privacy import apply_retention

    brands = load_checked_model(config_dir(args.config) / BRANDS_FILE, BrandsFile)
    warehouse = _warehouse(args)
    answer = apply_retention(brands.privacy, _home(warehouse), warehouse, asked_by=args.asked_by)
    if answer is None:
        print("no retention set (brands.yaml privacy.retention_days): nothing removed")
    else:
        print(f"retention: removed {_counts(answer.counts)}")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    from veille.core.pseudonyms import PrivacyKeyError
    from veille.privacy import rotate_key

    warehouse = _warehouse(args)
    try:
        answer = rotate_key(_home(warehouse), warehouse, asked_by=args.asked_by)
    except PrivacyKeyError as err:
        raise UsageError(str(err)) from err
    print(f"new key added; {_counts(answer.counts)}")
    return 0


def register(commands: Any) -> None:
    """privacy apply, forget, show, rotate-key."""
    privacy = commands.add_parser(
        "privacy", help="retention, erasure and access requests (docs/privacy.md)"
    )
    actions = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")

    def person_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--author", help="the author's name as the site shows it")
        parser.add_argument("--source", metavar="ID", help="only in this source (sources.yaml)")
        parser.add_argument("--url", help="the posts of this page (a post's URL)")
        parser.add_argument("--asked-by", help="who asked (logged; default: you)")
        add_warehouse_option(parser)

    forget = actions.add_parser(
        "forget",
        help="erase a person's posts everywhere",
        description="Remove an author's posts (or a page's) from the warehouse, the run "
        "folders, the crawl state, the saved emails and reports and the web app's copies, "
        "and keep them out of later loads. The request is logged with counts and keyed "
        "hashes, never the erased data.",
    )
    person_options(forget)
    forget.set_defaults(func=cmd_forget)
    show = actions.add_parser(
        "show",
        help="what Veille holds about a person",
        description="List an author's (or a page's) posts in the warehouse and count the "
        "files of the data folder that show them: the answer to an access request.",
    )
    person_options(show)
    show.add_argument("--json", action="store_true", help="one JSON line per post")
    show.set_defaults(func=cmd_show)
    apply = actions.add_parser(
        "apply",
        help="apply the retention of brands.yaml now",
        description="Posts older than privacy.retention_days lose their text, author and "
        "URL (their counts and scores stay); run folders that old are removed. Every run "
        "does it after its load.",
    )
    apply.add_argument("--config", type=Path, help="config folder (default: $VEILLE_CONFIG)")
    apply.add_argument("--asked-by", help="who ran it (logged)")
    add_warehouse_option(apply)
    apply.set_defaults(func=cmd_apply)
    rotate = actions.add_parser(
        "rotate-key",
        help="add a pseudonym key and re-hash the stored pseudonyms",
        description="Append a new key to the data folder's privacy/keys and re-hash every "
        "stored pseudonym with it: authors keep one pseudonym, and the old key alone no "
        "longer links a name to the warehouse.",
    )
    rotate.add_argument("--asked-by", help="who asked (logged)")
    add_warehouse_option(rotate)
    rotate.set_defaults(func=cmd_rotate_key)
