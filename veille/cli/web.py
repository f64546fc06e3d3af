"""`veille web` (the community manager's screens), `veille users` (who may open them) and
`veille report` (the morning report, as HTML and PDF)."""

from __future__ import annotations

import argparse
import getpass
import re
import secrets
import sys
from pathlib import Path

from veille.cli.common import UsageError, add_warehouse_option, duckdb_file_arg
from veille.core.home import reports_dir, veille_home

DEFAULT_PORT = 8642
DEMO_USER = "demo"


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from veille.web.app import WebSettings, create_app
    from veille.web.users import add_user, list_users, users_path

    home = veille_home()
    db_path = duckdb_file_arg(args, "veille web")
    users = users_path(home)
    if args.demo_login:
        password = secrets.token_urlsafe(9)
        add_user(users, DEMO_USER, "admin", password, replace=True)
        print(f"demo login: {DEMO_USER} / {password}  (role admin; a new password each start)")
    elif not list_users(users):
        raise UsageError(
            f"nobody may log in yet ({users} has no user): add one with "
            "`veille users add NAME --role admin`"
        )
    app = create_app(WebSettings(home, db_path, secure_cookies=args.secure_cookies))
    print(f"veille web: http://{args.host}:{args.port}/ on {db_path} (Ctrl-C stops it)")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from veille.web.users import UserError, add_user, list_users, remove_user, users_path

    path = users_path(veille_home())
    if args.users_command == "add":
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {args.name}: ")
            if password != getpass.getpass("the same again: "):
                raise UsageError("the two passwords differ; nothing was changed")
        try:
            user = add_user(path, args.name, args.role, password, replace=args.replace)
        except UserError as err:
            raise UsageError(str(err)) from err
        print(f"user {user.name} ({user.role}) can log in to `veille web`")
    elif args.users_command == "remove":
        if not remove_user(path, args.name):
            raise UsageError(f"no user {args.name!r} in {path}")
        print(f"user {args.name} removed")
    else:
        for user in list_users(path):
            print(f"{user.name}\t{user.role}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from warehouse.db import connect
    from warehouse.report import ReportError, chromium, write_report

    found = re.fullmatch(r"(\d+)d", args.since.strip())
    if not found or not 1 <= int(found.group(1)) <= 31:
        raise UsageError(f"--since {args.since!r}: give days, 1d to 31d (1d: since yesterday)")
    db_path = duckdb_file_arg(args, "veille report")
    folder = args.out or reports_dir(veille_home())
    con = connect(db_path, read_only=True)
    try:
        written = write_report(con, args.brand, folder, days=int(found.group(1)))
    except ReportError as err:
        raise UsageError(str(err)) from err
    finally:
        con.close()
    print(written.html)
    if written.pdf is not None:
        print(written.pdf)
    elif chromium() is None:
        print("veille: no PDF: Chromium is not installed (apt-get install chromium)",
              file=sys.stderr)  # fmt: skip
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    web = commands.add_parser(
        "web",
        help="the community manager's screens in a browser",
        description="Serve the overview, mentions inbox, communities, moderation, alerts "
        "and sources screens on the warehouse. Users log in (`veille users add`).",
    )
    add_warehouse_option(web)
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    web.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    web.add_argument(
        "--secure-cookies",
        action="store_true",
        help="send the session cookie over HTTPS only (behind an HTTPS proxy)",
    )
    web.add_argument(
        "--demo-login",
        action="store_true",
        help=f"(re)create the admin user {DEMO_USER!r} with a new password, and print it",
    )
    web.set_defaults(func=cmd_web)

    users = commands.add_parser("users", help="who may log in to `veille web`, and with which role")
    which = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = which.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("name")
    add.add_argument(
        "--role",
        choices=["viewer", "analyst", "admin"],
        required=True,
        help="viewer reads; analyst also triages; admin also manages users",
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--replace", action="store_true", help="change an existing user")
    remove = which.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    which.add_parser("list", help="list the users and their roles")
    users.set_defaults(func=cmd_users)

    report = commands.add_parser(
        "report",
        help="a brand's morning report: one HTML file (charts inline) and its PDF",
        description="Write the brand's overview (what is new, reputation index, net "
        "sentiment, share of voice, top threads, the most negative posts) as one "
        "self-contained HTML file and a PDF (printed by Chromium), in the brand's "
        "language. Prints their paths.",
    )
    add_warehouse_option(report)
    report.add_argument("--brand", required=True, help="the brand, as named in brands.yaml")
    report.add_argument("--since", default="1d", help="what is new over the last N days (1d)")
    report.add_argument(
        "--out", type=Path, help="the folder to write into (default: $VEILLE_HOME/reports)"
    )
    report.set_defaults(func=cmd_report)
