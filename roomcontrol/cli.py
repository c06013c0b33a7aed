"""The one entry point: `roomcontrol [run]`, `roomcontrol log verify|export`, and the installers' tools.

Errors are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from roomcontrol import __version__
from roomcontrol.config import ConfigError, RoomConfig, default_data_dir, load_config

EXIT_FAILED = 1   # the check ran and found a problem (log verify)
EXIT_ERROR = 2    # bad arguments, bad config, a database that cannot be opened


class CliError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roomcontrol", description="RoomControl: runs one treatment room.")
    parser.add_argument("--version", action="version", version=f"roomcontrol {__version__}")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="start the room app (the default)")
    _room_options(run)
    run.add_argument("--simulate", action="store_true", help="use simulated devices whatever the config says")
    run.add_argument("--kiosk", action="store_true", help="fullscreen, no window frame")
    run.add_argument("--headless", action="store_true", help="engine only, no window; prints events")
    run.add_argument("--scenario", type=Path, help="with --headless: play this scripted session, then exit")
    run.add_argument("--speed", type=float, default=1.0, help="room clock speed for a scenario (e.g. 60)")

    logp = sub.add_parser("log", help="check or export the event log")
    logsub = logp.add_subparsers(dest="log_command", required=True)
    verify = logsub.add_parser("verify", help="recompute the hash chain; exit 0 when it holds")
    _room_options(verify)
    export = logsub.add_parser("export", help="write the events as JSON lines or CSV")
    _room_options(export)
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--session", help="only this session's events")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    return parser


def _room_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="room.toml (default: none, a fully simulated room)")
    p.add_argument("--data-dir", type=Path, help=f"where the room database lives (default: {default_data_dir()})")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["run", *argv]
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # every expected failure has a message written for a person
        if not _is_expected(exc):
            raise
        print(f"roomcontrol: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _is_expected(exc: Exception) -> bool:
    from roomcontrol.domain.errors import Refused
    from roomcontrol.engine.scenario import ScenarioError
    from roomcontrol.store.errors import StoreError
    return isinstance(exc, (CliError, ConfigError, StoreError, ScenarioError, Refused, OSError))


def _dispatch(args) -> int:
    if args.command == "log":
        return _log(args)
    return _run(args)


def _config(args) -> RoomConfig:
    config = load_config(args.config)
    if getattr(args, "simulate", False):
        config = config.simulated()
    return config


def _data_dir(args) -> Path:
    return args.data_dir or default_data_dir()


def _log(args) -> int:
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import read_events, verify_chain
    from roomcontrol.engine.room import DB_NAME
    db = database.connect(_data_dir(args) / DB_NAME, readonly=True)
    if args.log_command == "verify":
        result = verify_chain(db)
        if result.ok:
            print(f"ok: {result.checked} events, the chain holds")
            return 0
        print(f"broken at seq {result.first_bad_seq}: {result.reason}")
        return EXIT_FAILED
    out = args.output.open("w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        events = read_events(db, session_id=args.session)
        if args.format == "jsonl":
            for event in events:
                out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        else:
            writer = csv.writer(out)
            writer.writerow(["seq", "ts", "kind", "actor", "session_id", "payload", "id", "hash"])
            for e in events:
                row = e.to_json()
                writer.writerow([e.seq, row["ts"], e.kind, e.actor, e.session_id or "",
                                 json.dumps(e.payload, ensure_ascii=False, sort_keys=True), e.id, e.hash])
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def _run(args) -> int:
    if args.scenario and not args.headless:
        raise CliError("--scenario needs --headless")
    if args.speed <= 0 or args.speed > 10000:
        raise CliError(f"--speed {args.speed:g}: must be above 0 and at most 10000")
    config = _config(args)
    if args.headless:
        return _run_headless(config, _data_dir(args), args.scenario, args.speed)
    from roomcontrol.ui.app import run_app
    return run_app(config, _data_dir(args), kiosk=args.kiosk)


def _run_headless(config: RoomConfig, data_dir: Path, scenario_path: Path | None, speed: float) -> int:
    from roomcontrol.clock import ScaledClock, SystemClock
    from roomcontrol.engine.room import Room
    from roomcontrol.engine.scenario import load_scenario, play

    scenario = load_scenario(scenario_path) if scenario_path else None
    clock = ScaledClock(speed) if speed != 1.0 else SystemClock()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    room = Room(config, data_dir, clock)
    room.subscribe(on_event=_print_event)
    room.start()
    print(f"# room {config.room_id} ({config.room_name}), database {room.db_path}, phase {room.state.phase}",
          flush=True)
    try:
        if scenario:
            print(f"# scenario: {scenario.name} ({len(scenario.steps)} steps, speed {speed:g})", flush=True)
            play(scenario, room, clock, stop=stop)
        else:
            stop.wait()
    finally:
        room.close()
    return 0


def _print_event(event) -> None:
    row = event.to_json()
    payload = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
    print(f"{row['ts']} #{event.seq:<5} {event.kind:<22} {event.actor:<10} {payload}", flush=True)
