"""The command line's grammar: every subcommand and its options."""

from __future__ import annotations

import argparse
from pathlib import Path

from roomcontrol import __version__
from roomcontrol.cli.common import room_options
from roomcontrol.sync.hub import admin_commands as hub_admin
from roomcontrol.sync.hub.admin_commands import db_option, listen_options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="roomcontrol", description="RoomControl: runs one treatment room.")
    parser.add_argument("--version", action="version", version=f"roomcontrol {__version__}")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="start the room app (the default)")
    room_options(run)
    run.add_argument("--simulate", action="store_true", help="use simulated devices whatever the config says")
    run.add_argument("--kiosk", action="store_true", help="fullscreen, no window frame")
    run.add_argument("--headless", action="store_true", help="engine only, no window; prints events")
    run.add_argument("--scenario", type=Path, help="play this scripted session (a file, or the name of a shipped one: "
                     "standard-session, alarms-session): with --headless, then exit; "
                     "with --simulate, on the window (training), which stays open")
    run.add_argument("--speed", type=float, default=1.0, help="room clock speed for a scenario (e.g. 60)")

    probe = sub.add_parser("probe", help="talk to one device and print what it says (for installers)")
    psub = probe.add_subparsers(dest="probe_command", required=True)
    pv = psub.add_parser("vitals", help="print each normalized reading as a JSON line")
    pv.add_argument("--driver", required=True, choices=("nonin", "nonin-df2", "nonin-df7", "masimo", "hl7",
                                                        "intellivue", "simulated"))
    pv.add_argument("--url", default="", help="serial port or pyserial URL; for hl7 the address to listen on "
                                              "(mllp://127.0.0.1:2575)")
    pv.add_argument("--seconds", type=float, default=10.0)
    pv.add_argument("--bed", help="hl7: keep only this bed of a gateway (PV1-3, its bed, OBX-18 or MSH-3/4)")
    pv.add_argument("--list-beds", action="store_true", help="hl7: print only the beds heard (a `beds` line)")
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
    sim.add_argument("--protocol", required=True, choices=("nonin", "nonin-df2", "masimo", "hl7",
                                                               "intellivue"))
    sim.add_argument("--url", required=True, help="a pyserial URL, 'pty' for a new pseudo-terminal, or for hl7 "
                                                  "the mllp://host:port to connect to")
    sim.add_argument("--seconds", type=float, help="stop after this long (default: until interrupted)")

    sub.add_parser("ports", help="list the serial ports of this PC")

    inst = sub.add_parser("install", help="start the room app at login and after a crash (systemd user unit; "
                                          "Windows: a scheduled task)")
    room_options(inst)
    inst.add_argument("--kiosk", action="store_true", help="fullscreen, no window frame (a touchscreen room)")
    sub.add_parser("uninstall", help="remove what `install` made (never the data or room.toml)")
    doctor = sub.add_parser("doctor", help="check this room PC: ports, sound, display, disk, database, clock, hub, "
                                           "sleep; exit 0 OK, 1 a warning, 2 a failure")
    room_options(doctor)
    doctor.add_argument("--json", action="store_true", help="the checks as a JSON list")
    doctor.add_argument("--headless", action="store_true", help="this room runs without a screen (run --headless)")
    doctor.add_argument("--probe-seconds", type=float, default=3.0,
                        help="how long to listen to each serial monitor (default 3)")
    doctor.add_argument("--disk-warn-days", type=float, default=365.0,
                        help="warn when the free disk holds fewer days of logging (default 365)")
    doctor.add_argument("--disk-fail-days", type=float, default=30.0,
                        help="fail when the free disk holds fewer days of logging (default 30)")

    hub = sub.add_parser("hub", help="the clinic hub that the rooms sync their logs to")
    hsub = hub.add_subparsers(dest="hub_command", required=True)
    hub_admin.add_commands(hsub)  # serve, add-room, ... (shared with `python -m roomcontrol.sync.hub`)
    # what needs the room's own layers (its PIN prompt, the host's installer, the backup command):
    hub_staff = hsub.add_parser("staff", help="the clinic's staff directory (rooms and stations sign in with it)")
    hstsub = hub_staff.add_subparsers(dest="hub_staff_command", required=True)
    for name, what in (("add", "add an account; asks for the PIN twice (or --pin-stdin)"),
                       ("list", "every account (never a PIN hash)"),
                       ("disable", "disable an account (it is never deleted: the logs name it)"),
                       ("reset-pin", "a new PIN; asks for it twice (or --pin-stdin); clears a lock-out")):
        p = hstsub.add_parser(name, help=what)
        db_option(p)
        if name != "list":
            p.add_argument("staff_id", metavar="ID")
        if name == "add":
            _account_options(p, role_default=None)
        elif name == "reset-pin":
            _pin_stdin_option(p)
    hsvc = hsub.add_parser("install-service", help="a systemd unit for the hub (/etc/systemd/system), "
                                                   "Restart=always; --print to see it")
    db_option(hsvc, "hub database (default: /var/lib/roomcontrol-hub/hub.db)")
    listen_options(hsvc, "0.0.0.0", "address to listen on (default: all)")
    hsvc.add_argument("--user", help="the account the hub runs as (default: the one calling sudo)")
    hsvc.add_argument("--print", action="store_true", help="print the unit instead of installing it")
    hb = hsub.add_parser("backup", help="online backup of a SQLite hub database, verified and rotated")
    db_option(hb)
    _backup_options(hb)

    demo = sub.add_parser("demo", help="try the clinic on one machine")
    dsub = demo.add_subparsers(dest="demo_command", required=True)
    dc = dsub.add_parser("clinic", help="a hub, a demo nurse and N simulated rooms; prints the station URL; "
                                        "Ctrl-C stops all")
    dc.add_argument("--rooms", type=int, default=3, help="how many simulated rooms (1–40, default 3)")
    dc.add_argument("--port", type=int, default=8750, help="the hub's port on 127.0.0.1 (default 8750)")
    dc.add_argument("--db", help="the hub's database (default: SQLite in a temporary folder; or postgresql://)")
    dc.add_argument("--data-dir", type=Path, help="keep the hub and rooms' data here (default: a temporary "
                                                  "folder, removed at the end)")
    dc.add_argument("--quiet", action="store_true", help="no room plays the alarms scenario")

    sync = sub.add_parser("sync", help="this room's sync with the clinic hub")
    ssub = sync.add_subparsers(dest="sync_command", required=True)
    for name, what in (("status", "backlog, last success and last error"), ("now", "push the backlog now")):
        p = ssub.add_parser(name, help=what)
        room_options(p)

    bk = sub.add_parser("backup", help="online backup of the room database, verified and rotated")
    room_options(bk)
    _backup_options(bk)
    rs = sub.add_parser("restore", help="put a backup in place of the room database (the current one kept aside)")
    room_options(rs)
    rs.add_argument("backup_file", type=Path, metavar="BACKUP_FILE")
    rs.add_argument("--force", action="store_true", help="restore another room's backup, or one older than the "
                    "hub holds, or without asking an unreachable hub (never a backup whose chain is broken)")

    staff = sub.add_parser("staff", help="staff accounts (PIN sign-in on the room screen)")
    stsub = staff.add_subparsers(dest="staff_command", required=True)
    sa = stsub.add_parser("add", help="add an account (or reset its PIN); asks for the PIN twice")
    room_options(sa)
    sa.add_argument("staff_id")
    _account_options(sa, role_default="nurse")
    room_options(stsub.add_parser("list", help="the accounts of this room"))
    sd = stsub.add_parser("disable", help="disable an account (its history stays)")
    room_options(sd)
    sd.add_argument("staff_id")

    report = sub.add_parser("report", help="the PDF record of a closed session, for the patient's chart")
    room_options(report)
    report.add_argument("session", nargs="?", help="session id (or its first 4+ characters)")
    report.add_argument("--pdf", type=Path, help="the PDF file to write")
    report.add_argument("--list", action="store_true", help="list the sessions of this room's log")
    export = sub.add_parser("export", help="export a closed session as FHIR R4 or CSV")
    esub = export.add_subparsers(dest="export_format", required=True)
    fhir = esub.add_parser("fhir", help="a FHIR R4 transaction Bundle (JSON) on standard output or --output")
    room_options(fhir)
    fhir.add_argument("session")
    fhir.add_argument("--output", "-o", type=Path)
    csvp = esub.add_parser("csv", help="the session's vitals and events as CSV files")
    room_options(csvp)
    csvp.add_argument("session")
    csvp.add_argument("--out", type=Path, default=Path("."), help="folder to write into (default: here)")

    course = sub.add_parser("course", help="a patient's course from the clinic hub: PDF, FHIR R4 Bundle, CSV")
    course.add_argument("patient_ref")
    course.add_argument("--hub", required=True, help="the hub's URL (https://hub:8443)")
    course.add_argument("--token", help="a reader token (default: $ROOMCONTROL_HUB_TOKEN)")
    course.add_argument("--pdf", type=Path, help="the course record PDF to write")
    course.add_argument("--fhir", type=Path, help="the course's FHIR R4 Bundle (JSON) to write")
    course.add_argument("--csv", type=Path, help="folder for the sessions and scores CSV files")
    course.add_argument("--clinic", default="", help="the clinic's name on the PDF (default: room.toml's)")
    room_options(course)

    logp = sub.add_parser("log", help="check or export the event log")
    logsub = logp.add_subparsers(dest="log_command", required=True)
    verify = logsub.add_parser("verify", help="recompute the hash chain; exit 0 when it holds")
    room_options(verify)
    export = logsub.add_parser("export", help="write the events as JSON lines or CSV")
    room_options(export)
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--session", help="only this session's events")
    export.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    return parser


def _account_options(p: argparse.ArgumentParser, role_default: str | None) -> None:
    """A new staff account (room or hub directory): its name, its role (required where role_default is None),
    its PIN from standard input for scripts."""
    p.add_argument("--name", required=True)
    if role_default is None:
        p.add_argument("--role", choices=("nurse", "admin"), required=True)
    else:
        p.add_argument("--role", choices=("nurse", "admin"), default=role_default)
    _pin_stdin_option(p)


def _pin_stdin_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input (scripts)")


def _backup_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--to", type=Path, required=True, metavar="DIR", help="the backup folder (a second disk, a share)")
    p.add_argument("--keep", type=int, default=14, help="keep the newest N backups (default 14)")
