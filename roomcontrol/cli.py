"""The one entry point: `roomcontrol [run]`, `roomcontrol log verify|export`, and the installers' tools.

Errors are one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import logging
import math
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

    probe = sub.add_parser("probe", help="talk to one device and print what it says (for installers)")
    psub = probe.add_subparsers(dest="probe_command", required=True)
    pv = psub.add_parser("vitals", help="print each normalized reading as a JSON line")
    pv.add_argument("--driver", required=True, choices=("nonin", "nonin-df2", "nonin-df7", "masimo", "hl7",
                                                        "simulated"))
    pv.add_argument("--url", default="", help="serial port or pyserial URL; for hl7 the address to listen on "
                                              "(mllp://127.0.0.1:2575)")
    pv.add_argument("--seconds", type=float, default=10.0)
    pl = psub.add_parser("light", help="set every configured DMX channel (or --channels) to a level")
    pl.add_argument("--url", required=True)
    pl.add_argument("--level", type=float, required=True, help="percent, 0–100 (perceptual)")
    pl.add_argument("--channels", help="comma-separated DMX channels (default 1)")
    pd = psub.add_parser("diffuser", help="switch the diffuser on for N seconds, then off")
    pd.add_argument("--url", required=True)
    pd.add_argument("--on", type=float, required=True, metavar="SECONDS")
    pd.add_argument("--protocol", choices=("lcus", "line"), default="lcus")
    pd.add_argument("--channel", type=int, default=1)
    pa = psub.add_parser("audio", help="play a file (or the end-of-infusion chime) for a few seconds")
    pa.add_argument("file", type=Path)
    pa.add_argument("--seconds", type=float, default=5.0)

    sim = sub.add_parser("simulate-device", help="write a monitor's real protocol bytes to a port or socket")
    sim.add_argument("--protocol", required=True, choices=("nonin", "nonin-df2", "masimo", "hl7"))
    sim.add_argument("--url", required=True, help="a pyserial URL, 'pty' for a new pseudo-terminal, or for hl7 "
                                                  "the mllp://host:port to connect to")
    sim.add_argument("--seconds", type=float, help="stop after this long (default: until interrupted)")

    sub.add_parser("ports", help="list the serial ports of this PC")

    hub = sub.add_parser("hub", help="the clinic hub that the rooms sync their logs to")
    hsub = hub.add_subparsers(dest="hub_command", required=True)
    serve = hsub.add_parser("serve", help="run the hub (HTTP, or HTTPS with --cert and --key)")
    serve.add_argument("--db", help="hub database: a file path (SQLite, the default) or a postgresql:// URL")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8750)
    serve.add_argument("--cert", type=Path, help="TLS certificate (PEM)")
    serve.add_argument("--key", type=Path, help="TLS private key (PEM)")
    for name, what in (("add-room", "register a room; prints its token (again: replaces it)"),
                       ("add-reader", "a read-only token for reports and dashboards"),
                       ("verify", "check a room's hash chain and sequence at the hub")):
        p = hsub.add_parser(name, help=what)
        p.add_argument("--db", help="hub database (as for serve)")
        p.add_argument("name", metavar="ROOM" if name != "add-reader" else "NAME")
    hsub.add_parser("openapi", help="print the hub's OpenAPI description")

    sync = sub.add_parser("sync", help="this room's sync with the clinic hub")
    ssub = sync.add_subparsers(dest="sync_command", required=True)
    for name, what in (("status", "backlog, last success and last error"), ("now", "push the backlog now")):
        p = ssub.add_parser(name, help=what)
        _room_options(p)

    staff = sub.add_parser("staff", help="staff accounts (PIN sign-in on the room screen)")
    stsub = staff.add_subparsers(dest="staff_command", required=True)
    sa = stsub.add_parser("add", help="add an account (or reset its PIN); asks for the PIN twice")
    _room_options(sa)
    sa.add_argument("staff_id")
    sa.add_argument("--name", required=True)
    sa.add_argument("--role", choices=("nurse", "admin"), default="nurse")
    sa.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input (scripts)")
    _room_options(stsub.add_parser("list", help="the accounts of this room"))
    sd = stsub.add_parser("disable", help="disable an account (its history stays)")
    _room_options(sd)
    sd.add_argument("staff_id")

    report = sub.add_parser("report", help="the PDF record of a closed session, for the patient's chart")
    _room_options(report)
    report.add_argument("session", nargs="?", help="session id (or its first 4+ characters)")
    report.add_argument("--pdf", type=Path, help="the PDF file to write")
    report.add_argument("--list", action="store_true", help="list the sessions of this room's log")
    export = sub.add_parser("export", help="export a closed session as FHIR R4 or CSV")
    esub = export.add_subparsers(dest="export_format", required=True)
    fhir = esub.add_parser("fhir", help="a FHIR R4 transaction Bundle (JSON) on standard output or --output")
    _room_options(fhir)
    fhir.add_argument("session")
    fhir.add_argument("--output", "-o", type=Path)
    csvp = esub.add_parser("csv", help="the session's vitals and events as CSV files")
    _room_options(csvp)
    csvp.add_argument("session")
    csvp.add_argument("--out", type=Path, default=Path("."), help="folder to write into (default: here)")

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
    from roomcontrol.devices.errors import DeviceOpenError
    from roomcontrol.domain.errors import Refused
    from roomcontrol.records.errors import RecordError
    from roomcontrol.sync.cli_support import SyncError
    from roomcontrol.sync.hub.db import HubDBError
    from roomcontrol.engine.scenario import ScenarioError
    from roomcontrol.store.errors import StoreError
    return isinstance(exc, (CliError, ConfigError, StoreError, ScenarioError, Refused, OSError, DeviceOpenError,
                            RecordError, SyncError, HubDBError))


def _dispatch(args) -> int:
    if args.command == "log":
        return _log(args)
    if args.command == "probe":
        return _probe(args)
    if args.command == "simulate-device":
        return _simulate_device(args)
    if args.command == "ports":
        return _ports()
    if args.command == "report":
        return _report(args)
    if args.command == "hub":
        return _hub(args)
    if args.command == "staff":
        return _staff(args)
    if args.command == "sync":
        return _sync(args)
    if args.command == "export":
        return _export(args)
    return _run(args)


def _staff(args) -> int:
    from roomcontrol import staff_cli
    data_dir = _data_dir(args)
    if args.staff_command == "add":
        import getpass
        if args.pin_stdin:
            pin = sys.stdin.readline().strip()
        else:
            pin = getpass.getpass("PIN: ")
            if getpass.getpass("PIN again: ") != pin:
                raise CliError("the two PINs differ")
        print(json.dumps(staff_cli.add_staff(data_dir, args.staff_id, args.name, args.role, pin)))
    elif args.staff_command == "list":
        for s in staff_cli.list_staff(data_dir):
            print(f"{s['staff_id']}\t{s['name']}\t{s['role']}\t{'active' if s['active'] else 'disabled'}")
    elif not staff_cli.disable_staff(data_dir, args.staff_id):
        raise CliError(f"no staff account {args.staff_id!r}")
    return 0


def _hub(args) -> int:
    from roomcontrol.sync import cli_support as hub
    if args.hub_command == "serve":
        return hub.hub_serve(args.db, args.host, args.port, args.cert, args.key)
    if args.hub_command == "openapi":
        print(hub.hub_openapi())
        return 0
    if args.hub_command == "verify":
        result = hub.hub_verify(args.db, args.name)
        print(json.dumps(result, indent=2, default=str))
        return 0 if result.get("ok", True) else EXIT_FAILED
    token = (hub.hub_add_room if args.hub_command == "add-room" else hub.hub_add_reader)(args.db, args.name)
    print(token)
    return 0


def _sync(args) -> int:
    from roomcontrol.engine.room import DB_NAME
    from roomcontrol.sync import cli_support
    config = load_config(args.config)
    db_path = _data_dir(args) / DB_NAME
    if args.sync_command == "status":
        print(json.dumps(cli_support.sync_status(db_path, config), indent=2, default=str))
        return 0
    result = cli_support.sync_now(db_path, config)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result.get("ok", True) else EXIT_FAILED


def _report(args) -> int:
    from roomcontrol.records.commands import format_sessions, list_sessions
    if args.list:
        print(format_sessions(list_sessions(_data_dir(args))))
        return 0
    if not args.session or not args.pdf:
        raise CliError("report needs a SESSION and --pdf FILE (or --list)")
    from roomcontrol.ui.report import write_report
    path = write_report(_data_dir(args), load_config(args.config), args.session, args.pdf)
    print(f"wrote {path}")
    return 0


def _export(args) -> int:
    from roomcontrol.records import commands
    if args.export_format == "csv":
        for path in commands.export_csv(_data_dir(args), args.session, args.out):
            print(f"wrote {path}")
        return 0
    bundle = commands.export_fhir(_data_dir(args), load_config(args.config), args.session)
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def _probe(args) -> int:
    if args.probe_command == "vitals":
        from roomcontrol.devices.vitals import probe_vitals
        if args.driver != "simulated" and not args.url:
            raise CliError(f"--url is required for driver {args.driver}")
        stop = _stop_on_signals()
        counters = probe_vitals(args.driver, args.url, args.seconds, sys.stdout, stop_event=stop)
        print(json.dumps({"counters": counters}), file=sys.stderr)
        return 0
    from roomcontrol.devices import probe_ambient
    if args.probe_command == "light":
        if not 0 <= args.level <= 100:
            raise CliError(f"--level {args.level:g}: must be a percentage 0–100")
        channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else None
        result = probe_ambient.probe_light(args.url, args.level / 100.0, channels=channels)
    elif args.probe_command == "diffuser":
        result = probe_ambient.probe_diffuser(args.url, args.on, protocol=args.protocol, channel=args.channel)
    else:
        result = probe_ambient.probe_audio(args.file, seconds=args.seconds)
    print(json.dumps(result, default=str))
    return 0


def _simulate_device(args) -> int:
    from roomcontrol.clock import SystemClock
    from roomcontrol.devices.vitals.simulator import run_simulated_device
    stop = _stop_on_signals()
    if args.seconds:
        threading.Timer(args.seconds, stop.set).start()
    counters = run_simulated_device(args.protocol, args.url, SystemClock(), stop,
                                    on_ready=lambda where: print(f"writing {args.protocol} to {where}", flush=True))
    print(json.dumps(counters, default=str), file=sys.stderr)
    return 0


def _ports() -> int:
    from serial.tools import list_ports
    for port in list_ports.comports():
        print(f"{port.device}\t{port.description}\t{port.hwid}")
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


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
    if args.simulate:
        _demo_account(_data_dir(args))
    from roomcontrol.ui.app import run_app
    return run_app(config, _data_dir(args), kiosk=args.kiosk)


DEMO_STAFF = ("demo", "Demo nurse (PIN 2468)", "admin", "2468")


def _demo_account(data_dir: Path) -> None:
    """A simulated room with no staff yet (a first demo, a training PC) gets one demo account, so the screen can
    be tried at once. Never where any account exists: a real room's accounts are made with `roomcontrol staff`."""
    from roomcontrol import staff_cli
    if not staff_cli.list_staff(data_dir):
        staff_cli.add_staff(data_dir, *DEMO_STAFF)
        print(f"simulated room without staff accounts: sign in as {DEMO_STAFF[1]}", file=sys.stderr)


def _run_headless(config: RoomConfig, data_dir: Path, scenario_path: Path | None, speed: float) -> int:
    from roomcontrol.clock import SteppedClock, SystemClock
    from roomcontrol.engine.room import Room
    from roomcontrol.engine.scenario import load_scenario, play

    from roomcontrol.engine.devices import RoomDevices
    from roomcontrol.engine.sync_link import start_sync

    scenario = load_scenario(scenario_path, extra_steps=SCENARIO_STEPS) if scenario_path else None
    clock = SteppedClock(speed) if speed != 1.0 else SystemClock()
    if speed > 10:
        # The simulated monitor then reports every speed/10 s of scenario time; judge staleness against that.
        stale = max(config.alarms.stale_after_s, math.ceil(speed / 10) * 3)
        config = dataclasses.replace(config, alarms=dataclasses.replace(config.alarms, stale_after_s=stale))
    stop = _stop_on_signals()
    room = Room(config, data_dir, clock)
    room.subscribe(on_event=_print_event)
    room.start()
    devices = RoomDevices(room, config).start()
    pusher = start_sync(room, config)
    print(f"# room {config.room_id} ({config.room_name}), database {room.db_path}, phase {room.state.phase}",
          flush=True)
    try:
        if scenario:
            print(f"# scenario: {scenario.name} ({len(scenario.steps)} steps, speed {speed:g})", flush=True)
            play(scenario, room, clock, stop=stop, handlers={"simulate": lambda step: _simulate(devices, step)})
        else:
            stop.wait()
    finally:
        pusher.stop()
        room.close()     # first, so the devices' own shutdown is not logged as a lost monitor
        devices.close()
    return 0


SCENARIO_STEPS = ("simulate",)


def _simulate(devices, step) -> None:
    """`do = "simulate"`: a scripted event in the simulated monitor (desaturation, hypertension, sensor_off...)."""
    add_event = getattr(devices.vitals, "add_event", None)
    if add_event is None:
        raise CliError(f"scenario step {step.number}: simulate needs the simulated vitals driver (--simulate)")
    args = dict(step.args)
    add_event(args.pop("event"), float(args.pop("duration_s", 60)), **args)


def _print_event(event) -> None:
    row = event.to_json()
    payload = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
    print(f"{row['ts']} #{event.seq:<5} {event.kind:<22} {event.actor:<10} {payload}", flush=True)
