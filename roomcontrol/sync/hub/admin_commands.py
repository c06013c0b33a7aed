"""The hub's admin subcommands in one table, for both of its entry points: `roomcontrol hub ...` (roomcontrol/cli,
which adds the few that need the room's own layers: staff, install-service, backup) and `python -m
roomcontrol.sync.hub ...` (tests, benchmarks, a hub machine without the room's CLI).

Each entry is its help, its options and what it runs; the work itself is in sync/cli_support.py (imported when a
command runs, so building the room's parser loads no hub module). A failure a person can act on is a SyncError.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from roomcontrol.sync.protocol import DEFAULT_PORT

CHECK_FAILED = 1  # `verify` ran and found a problem (the room CLI's EXIT_FAILED: the cli sits above this layer)


@dataclass(frozen=True)
class HubCommand:
    help: str
    options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def add_commands(sub) -> None:
    """Every subcommand of the table on `sub` (an argparse subparsers action)."""
    for name, command in COMMANDS.items():
        command.options(sub.add_parser(name, help=command.help))


def run(command: str, args: argparse.Namespace) -> int:
    return COMMANDS[command].run(args)


# -- options that more than one subcommand takes ------------------------------------------------------------------
def db_option(p: argparse.ArgumentParser, what: str = "hub database (as for serve)") -> None:
    p.add_argument("--db", help=what)


def listen_options(p: argparse.ArgumentParser, host: str, host_help: str | None = None) -> None:
    """Where a hub listens (`hub serve`, `hub install-service`): address, port and its TLS pair."""
    p.add_argument("--host", default=host, help=host_help)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--cert", type=Path, help="TLS certificate (PEM)")
    p.add_argument("--key", type=Path, help="TLS private key (PEM)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


# -- the subcommands ----------------------------------------------------------------------------------------------
def _serve_options(p: argparse.ArgumentParser) -> None:
    db_option(p, "hub database: a file path (SQLite, the default) or a postgresql:// URL")
    listen_options(p, "127.0.0.1")
    # limits left unset take the server's own defaults (sync/hub/server.py), said here in words
    p.add_argument("--body-timeout-s", type=float,
                   help="a request body must arrive within this many seconds (default 30)")
    p.add_argument("--max-connections", type=int,
                   help="open connections (sockets too) beyond this are answered 503 at once (default 200)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (PostgreSQL only; they share the live channel via LISTEN/NOTIFY)")
    p.add_argument("--escalate-after-s", type=float, default=60.0,
                   help="an alarm or call not acknowledged within this escalates on every station (default 60)")
    p.add_argument("--webhook", metavar="URL", help="POST each escalation to this URL (pager/messaging gateway)")
    p.add_argument("--log-level", default="info")
    p.add_argument("--hold-s", type=float, default=0.0, help=argparse.SUPPRESS)  # crash tests only


def _serve(args: argparse.Namespace) -> int:
    from roomcontrol.sync import cli_support as S
    limits = {k: v for k, v in (("body_timeout_s", args.body_timeout_s), ("max_connections", args.max_connections))
              if v is not None}
    try:
        return S.hub_serve(args.db, args.host, args.port, args.cert, args.key, log_level=args.log_level,
                           hold_s=args.hold_s, workers=args.workers, escalate_after_s=args.escalate_after_s,
                           webhook=args.webhook, **limits)
    except ValueError as exc:  # the TLS pair named wrongly (server.py)
        raise S.SyncError(str(exc)) from None


def _named_options(metavar: str) -> Callable[[argparse.ArgumentParser], None]:
    def options(p: argparse.ArgumentParser) -> None:
        db_option(p)
        p.add_argument("name", metavar=metavar)
    return options


def _printed(work: Callable[[argparse.Namespace], str]) -> Callable[[argparse.Namespace], int]:
    """A subcommand whose answer is one text printed on standard output."""
    def go(args: argparse.Namespace) -> int:
        print(work(args))
        return 0
    return go


def _add_room(args: argparse.Namespace) -> str:
    from roomcontrol.sync import cli_support as S
    return S.hub_add_room(args.db, args.name)


def _add_reader(args: argparse.Namespace) -> str:
    from roomcontrol.sync import cli_support as S
    return S.hub_add_reader(args.db, args.name)


def _verify(args: argparse.Namespace) -> int:
    from roomcontrol.sync import cli_support as S
    result = S.hub_verify(args.db, args.name)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok", True) else CHECK_FAILED


def _cs_log_options(p: argparse.ArgumentParser) -> None:
    db_option(p)
    p.add_argument("--from", dest="start", type=_day, required=True,
                   help="first day (YYYY-MM-DD, the hub's local calendar)")
    p.add_argument("--to", dest="end", type=_day, required=True, help="last day, included (YYYY-MM-DD)")
    p.add_argument("--out", type=Path, help="write the CSV here (default: standard output)")


def _cs_log(args: argparse.Namespace) -> int:
    from roomcontrol.sync import cli_support as S
    try:
        count = S.hub_cs_log(args.db, args.start, args.end, args.out)
    except ValueError as exc:  # the days the wrong way round
        raise S.SyncError(str(exc)) from None
    if args.out is not None:
        print(f"{count} session{'' if count == 1 else 's'} written to {args.out}")
    return 0


def _openapi(args: argparse.Namespace) -> str:
    from roomcontrol.sync import cli_support as S
    return S.hub_openapi(args.db)


def _course_policy_options(p: argparse.ArgumentParser) -> None:
    db_option(p)
    p.add_argument("--rooms", choices=("allow", "deny"), help="set it (without: show it)")


def _course_policy(args: argparse.Namespace) -> str:
    from roomcontrol.sync import cli_support as S
    return S.hub_course_policy(args.db, args.rooms)


def _course_reads_options(p: argparse.ArgumentParser) -> None:
    db_option(p)
    p.add_argument("--who", help="one room id or reader name")
    p.add_argument("--patient", help="one patient reference")
    p.add_argument("--limit", type=int, default=100)


def _course_reads(args: argparse.Namespace) -> str:
    from roomcontrol.sync import cli_support as S
    return S.hub_course_reads(args.db, args.who, args.patient, args.limit)


COMMANDS: dict[str, HubCommand] = {
    "serve": HubCommand("run the hub (HTTP, or HTTPS with --cert and --key)", _serve_options, _serve),
    "add-room": HubCommand("register a room; prints its token (again: replaces it)", _named_options("ROOM"),
                           _printed(_add_room)),
    "add-reader": HubCommand("a read-only token for reports and dashboards", _named_options("NAME"),
                             _printed(_add_reader)),
    "verify": HubCommand("check a room's hash chain and sequence at the hub", _named_options("ROOM"), _verify),
    "cs-log": HubCommand("the clinic-wide controlled-substance log (CSV): one row per session with a draw: drawn, "
                         "given, wasted, by, witness, discrepancy", _cs_log_options, _cs_log),
    "openapi": HubCommand("print the hub's OpenAPI description", db_option, _printed(_openapi)),
    "course-policy": HubCommand("may rooms read a patient's course summary at check-in? (docs/COURSE.md)",
                                _course_policy_options, _printed(_course_policy)),
    "course-reads": HubCommand("who read which patient's course, newest first", _course_reads_options,
                               _printed(_course_reads)),
}
