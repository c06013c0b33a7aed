#!/usr/bin/env python3
"""Faults, counted: kill -9 at random moments, serial devices pulled and plugged back, a disk that fills.

    .venv/bin/python bench/faults.py                      # the full run: 50 kills, 100 replugs
    .venv/bin/python bench/faults.py --kills 5 --replugs 5 # a quick one

(a) SIGKILL: a child process runs a room headless (simulated monitor, an LCUS relay diffuser on a pty this run
    holds, every next command chosen from the phase the log says the room is in, as tests/core/crash_child.py
    does: both run tests/core/crash_sessions.py) and prints "seq phase" after each command the engine
    acknowledged. It is killed at a random moment and started again, N times. Counted: acknowledged events
    missing from the log, databases failing integrity_check or the hash chain, restarts that resumed in another
    phase than the last acknowledged one (or the one after, when a command committed but was killed before it
    could print), and restarts whose first byte to the relay was not OFF (A0 01 00 A1; the diffuser's safety
    rule, DESIGN.md "diffuser").
(b) Unplug/replug: a room in session reads a Nonin oximeter on a pty behind a stable symlink (as
    /dev/serial/by-id); the pty is closed (the USB adapter pulled) until the room raises its technical alarm,
    then a new one is plugged at the same path. Counted per replug: time from plug to the monitor connected again
    (target ≤ 5 s: the reconnect back-off tops out at 5 s) and technical alarms raised (target exactly 1).
    The light and the diffuser only notice a lost port when they next write, so they are not part of this run.
(c) Disk full: as root, the data directory on a 2 MB tmpfs, filled by a ballast file: commands on the full disk
    are refused (not acknowledged) while the room keeps running and shows storage_error; the ballast goes, the
    room records again and storage_error clears; nothing acknowledged is lost. Without root (or without mount):
    skipped with a message.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LCUS_OFF = bytes([0xA0, 0x01, 0x00, 0xA1])
NURSE = "rn.ada"
# What the room logs by itself (a restart, its devices, the scene, alarms): not a command that committed unprinted.
NOT_COMMANDS = ("room.started", "device.", "ambient.", "alarm.")


def _config(devices: dict):
    from roomcontrol.config.room import parse_config
    errors: list[str] = []
    config = parse_config({"devices": {"audio": {"driver": "none"}, **devices}}, errors)
    if errors:
        raise SystemExit("bench: " + "; ".join(errors))
    return config


# -- (a) kills ----------------------------------------------------------------------------------------------

def child_session(data_dir: str, relay: str) -> None:
    """The killed child: a headless room with the relay on `relay`, running sessions until it is killed."""
    from roomcontrol.clock import OffsetClock
    from roomcontrol.engine.runtime import start_room
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import read_events
    from tests.core.crash_sessions import run_sessions

    clock = OffsetClock()
    db_file = Path(data_dir) / database.DB_NAME
    if db_file.exists():  # time goes on from the last logged event (the day's stretches were jumped over)
        db = database.connect(db_file, readonly=True)
        last = list(read_events(db, after_seq=max(0, _last_seq(db) - 1)))
        db.conn.close()
        if last and last[-1].ts > clock.now():
            clock.offset = last[-1].ts - clock.now() + timedelta(seconds=1)
    config = _config({"diffuser": {"driver": "lcus_relay", "url": relay}})
    runtime = start_room(config, data_dir, clock=clock, staff_gate=False)
    run_sessions(runtime.room, clock, pause_s=0.01)  # the devices and the engine's tick get their turn


def _last_seq(db) -> int:
    return db.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]


def _run_and_kill(data: Path, relay, after_s: float) -> tuple[list[tuple[int, str]], bytes, str]:
    from tests.core.crash_sessions import ChildDidNotStart, run_and_kill
    relay.clear()
    first = b""

    def first_bytes() -> None:  # what the restarted room sent the relay first
        nonlocal first
        first = relay.wait_for(lambda d: d[:4] if len(d) >= 4 else None, timeout=10) or relay.data()

    try:
        acked = run_and_kill([sys.executable, "-u", __file__, "--child", str(data), relay.path], after_s,
                             start_timeout_s=60, on_started=first_bytes)
    except ChildDidNotStart as exc:
        raise SystemExit(f"bench: the child did not start: {exc}") from None
    return acked, first, acked[0][1]


def kills(n: int, seed: int) -> dict:
    from roomcontrol.store import database
    from roomcontrol.store.eventlog import read_events, verify_chain
    from tests.core.test_session_property import LEGAL
    from tests.devices.ptyhelp import PtyDevice

    rng = random.Random(seed)
    data = Path(tempfile.mkdtemp(prefix="rc-bench-faults-"))
    relay = PtyDevice()
    out = {"kills": n, "lost": 0, "corrupt": 0, "wrong_phase": 0, "first_not_off": 0, "acked": 0, "sessions": 0}
    previous: tuple[int, str, bool] | None = None  # last acked (seq, phase), and whether a later command committed
    try:
        for i in range(n):
            acked, first, resumed = _run_and_kill(data, relay, rng.uniform(0.05, 1.5))
            if first != LCUS_OFF:
                out["first_not_off"] += 1
                print(f"  kill {i}: first bytes to the relay {first.hex(' ')}", flush=True)
            if previous is not None:
                seq, phase, moved = previous
                if not (resumed == phase or (moved and resumed in LEGAL[phase])):
                    out["wrong_phase"] += 1
                    print(f"  kill {i}: resumed in {resumed}, the last acknowledged phase was {phase}", flush=True)
            db = database.connect(data / database.DB_NAME, readonly=True)
            try:
                chain = verify_chain(db)
                if database.integrity_check(db) != "ok" or not chain.ok:
                    out["corrupt"] += 1
                    print(f"  kill {i}: database not sound ({chain.reason})", flush=True)
                stored = {e.seq: e for e in read_events(db)}
                missing = [s for s, _ in acked if s not in stored]
                out["lost"] += len(missing)
                out["acked"] += len(acked) - 1  # the first line is the restart, not a command
                last_seq, last_phase = acked[-1]
                moved = any(not e.kind.startswith(NOT_COMMANDS) for s, e in stored.items() if s > last_seq)
                previous = (last_seq, last_phase, moved)
                out["sessions"] = sum(1 for e in stored.values() if e.kind == "session.discharged")
            finally:
                db.conn.close()
            if (i + 1) % 10 == 0:
                print(f"  {i + 1} kills", flush=True)
    finally:
        relay.close()
        shutil.rmtree(data, ignore_errors=True)
    return out


# -- (b) unplug and replug ----------------------------------------------------------------------------------

def replugs(n: int) -> dict:
    from roomcontrol.devices.vitals.encoders import nonin_packet
    from roomcontrol.domain.vitals import MONITOR
    from roomcontrol.engine.runtime import start_room
    from tests.core.helpers import walk_to
    from tests.devices.vitalshelp import Feeder, SymlinkedPty

    data = Path(tempfile.mkdtemp(prefix="rc-bench-faults-"))
    device = SymlinkedPty(data)
    feeder = Feeder(device, lambda: nonin_packet(72, 97))
    seen: list[tuple[float, object]] = []
    cond = threading.Condition()

    def listener(event) -> None:
        with cond:
            seen.append((time.monotonic(), event))
            cond.notify_all()

    def wait(what: str, predicate, since: int, timeout: float = 30.0) -> float:
        with cond:
            if not cond.wait_for(lambda: any(predicate(e) for _, e in seen[since:]), timeout):
                raise SystemExit(f"bench: no {what} within {timeout:.0f} s")
            return next(t for t, e in seen[since:] if predicate(e))

    def connected(e) -> bool:
        return e.kind == "device.connected" and e.payload.get("device") == MONITOR

    config = _config({"vitals": {"driver": "nonin", "url": device.link}})
    recovery: list[float] = []
    alarms: list[int] = []
    with start_room(config, data, staff_gate=False, listeners=[listener]) as runtime:
        wait("monitor", connected, 0)
        walk_to(runtime.room, "infusing")  # a session is open: a lost monitor is a technical alarm
        time.sleep(1.0)
        for i in range(n):
            with cond:
                mark = len(seen)
            device.unplug()
            wait("technical alarm", lambda e: e.kind == "alarm.raised", mark)
            with cond:
                plug_mark = len(seen)
            t_plug = time.monotonic()
            device.plug()
            recovery.append(wait("reconnect", connected, plug_mark) - t_plug)
            wait("alarm cleared", lambda e: e.kind == "alarm.cleared", mark)
            time.sleep(0.3)  # anything the replug would wrongly raise after it is back
            with cond:
                alarms.append(sum(1 for _, e in seen[mark:] if e.kind == "alarm.raised"))
            if (i + 1) % 20 == 0:
                print(f"  {i + 1} replugs", flush=True)
    feeder.stop()
    device.unplug()
    shutil.rmtree(data, ignore_errors=True)
    return {"replugs": n, "recovery": recovery, "alarms": alarms}


# -- (c) a disk that fills ----------------------------------------------------------------------------------

def disk_full() -> dict | str:
    if os.geteuid() != 0:
        return "skipped: not root, so no tmpfs can be mounted for the data directory"
    mount = Path(tempfile.mkdtemp(prefix="rc-bench-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          text=True, timeout=30)
    if done.returncode != 0:
        return f"skipped: mount -t tmpfs failed ({done.stderr.strip() or done.returncode})"
    try:
        return _disk_full(mount)
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=30)
        shutil.rmtree(mount, ignore_errors=True)


def _disk_full(data: Path) -> dict:
    from roomcontrol.engine.runtime import start_room
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    from roomcontrol.store.eventlog import read_events, verify_chain
    from tests.core.helpers import walk_to

    acked: list[int] = []
    refused = 0
    logging.disable(logging.ERROR)  # each refused write logs a line; the table below counts them
    ballast = data / "ballast"
    with start_room(_config({}), data, staff_gate=False) as runtime:
        room = runtime.room
        walk_to(room, "infusing")
        acked += range(1, room.log.last_seq + 1)  # committed before the disk filled
        fd = os.open(ballast, os.O_WRONLY | os.O_CREAT)
        try:  # fill the disk to the last byte
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        shown = None
        for i in range(200):
            try:
                acked.append(room.command("add_note", NURSE, text=f"note {i} on a full disk")[-1].seq)
            except StoreError:
                refused += 1
                shown = room.call(lambda: room.snapshot().storage_error).result(10)
                if refused >= 5:
                    break
        phase_during = room.call(lambda: room.state.phase).result(10)  # the engine answers: the room goes on
        ballast.unlink()
        time.sleep(1.5)  # a tick
        recovered = room.command("add_note", NURSE, text="space is back")[-1].seq
        acked.append(recovered)
        cleared = room.call(lambda: room.snapshot().storage_error).result(10)
    db = database.connect(data / database.DB_NAME, readonly=True)
    try:
        stored = {e.seq for e in read_events(db)}
        sound = database.integrity_check(db) == "ok" and verify_chain(db).ok
    finally:
        db.conn.close()
    return {"acked": len(acked), "refused": refused, "shown": shown, "phase": phase_during,
            "lost": sum(1 for s in acked if s not in stored), "sound": sound, "cleared": cleared is None}


# -- the table ----------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description="faults, counted: kill -9, unplug/replug, a full disk")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--replugs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--skip-disk", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("DATA_DIR", "RELAY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_session(*args.child)
        return 0
    failed = False

    def line(name: str, value: str, target: str, ok: bool | None) -> None:
        nonlocal failed
        failed |= ok is False
        print(f"  {name:<46} {value:<34} {target:<10} {'' if ok is None else 'PASS' if ok else 'FAIL'}",
              flush=True)

    print(f"(a) {args.kills} SIGKILLs at random moments of a session", flush=True)
    k = kills(args.kills, args.seed)
    line("acknowledged events lost", f"{k['lost']} of {k['acked']} acknowledged", "0", k["lost"] == 0)
    line("corrupt databases (integrity, chain)", str(k["corrupt"]), "0", k["corrupt"] == 0)
    line("restarts resumed in another phase", f"{k['wrong_phase']} of {args.kills - 1}", "0",
         k["wrong_phase"] == 0)
    line("restarts whose first relay byte was not OFF", f"{k['first_not_off']} of {args.kills}", "0",
         k["first_not_off"] == 0)
    line("sessions discharged across the kills", str(k["sessions"]), "", None)

    print(f"(b) {args.replugs} unplug/replug of the vitals monitor (Nonin on a pty)", flush=True)
    r = replugs(args.replugs)
    rec = sorted(r["recovery"])
    line("recovery after replug: median / max", f"{statistics.median(rec):.2f} s / {rec[-1]:.2f} s", "≤ 5 s",
         rec[-1] <= 5.0)
    line("replugs with exactly one technical alarm", f"{sum(1 for a in r['alarms'] if a == 1)} of {args.replugs}",
         f"{args.replugs}", all(a == 1 for a in r["alarms"]))

    print("(c) a disk that fills (2 MB tmpfs)", flush=True)
    d = "skipped: --skip-disk" if args.skip_disk else disk_full()
    if isinstance(d, str):
        print(f"  {d}", flush=True)
    else:
        line("commands refused on the full disk (not acked)", str(d["refused"]), "", None)
        line("storage_error shown while full", repr((d["shown"] or "")[:30]), "shown", bool(d["shown"]))
        line("room went on (engine answered, phase)", d["phase"], "infusing", d["phase"] == "infusing")
        line("acknowledged events lost", f"{d['lost']} of {d['acked']}", "0", d["lost"] == 0)
        line("database sound after (integrity, chain)", str(d["sound"]), "True", d["sound"])
        line("recovered when space returned (error cleared)", str(d["cleared"]), "True", d["cleared"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
