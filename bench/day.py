#!/usr/bin/env python3
"""A whole clinic day on the room app with its real window: 8 sessions back to back, measured.

    .venv/bin/python bench/day.py [--sessions 8] [--window 20] [--alarm 15]

The room app (offscreen platform, so painting is real raster work; pygame mixing music into a file with SDL's
"disk" driver) runs each session through check-in, an infusion with the simulated monitor's pleth and music, a
desaturation alarm (acknowledged by the nurse), recovery with PADSS and discharge. The room's wall clock is an
OffsetClock (what the tests and bench/ui.py use): the day's long stretches (40 min of infusion, recovery) are
jumped over, while the window renders in real time during sampled windows (an infusion window per session, and
the alarm while it lasts). Figures, each with its target:
- RSS growth over the day (VmRSS after the first session, when every lazily built page and pyqtgraph are in,
  to the end; growth from start-up is printed too);
- CPU as a fraction of one core during an infusion window (time.process_time over a real-time window: engine,
  devices, audio and GUI together), the worst session's;
- database growth per session (room.db after a passive checkpoint of its WAL), with the events and the vitals
  rows stored (vitals only come in the real-time windows: the jumped stretches store none);
- time to the first frame of the room window as a multiple of a bare PySide6 window, both started by this run
  (bench/ui.py's children), median of 3 each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import ui as ui_bench  # noqa: E402  (sets the offscreen platform and SDL's disk audio; its first-frame children)

NURSE, PIN = "rn.ada", "2468"
CHECKLIST = (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}), ("escort", {}),
             ("pregnancy_screen", {}), ("iv_access", {}))
PADSS_10 = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 2, "pain": 2, "bleeding": 2}
SESSION_S = 80 * 60  # open to discharge, as session() steps it
TARGETS = {"rss_mb": 10.0, "cpu": 0.05, "first_frame": 2.0}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("bench: no VmRSS in /proc/self/status (Linux only)")


def db_bytes(data: Path) -> int:
    """The database's size with what its WAL holds folded in: a passive checkpoint (it never waits for the
    engine, the only writer of rows) and then the main file's pages. The WAL file alone is reused, not grown."""
    import sqlite3
    conn = sqlite3.connect(data / "room.db")
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


class Day:
    def __init__(self, app, window_s: float, alarm_s: float):
        from roomcontrol.cli.staff import add_staff
        from roomcontrol.clock import OffsetClock
        from roomcontrol.config import RoomConfig
        from roomcontrol.ui.app import start_screen
        from roomcontrol.ui.window import RoomWindow

        self.app, self.window_s, self.alarm_s = app, window_s, alarm_s
        self.data = Path(tempfile.mkdtemp(prefix="rc-bench-day-"))
        add_staff(self.data, NURSE, "Ada", "nurse", PIN)
        self.clock = OffsetClock()
        self.screen = start_screen(RoomConfig(), self.data, clock=self.clock, audio=True, idle_lock_s=24 * 3600)
        self.room, self.devices = self.screen.runtime.room, self.screen.runtime.devices
        self.controller = self.screen.controller
        self.window = RoomWindow(self.controller, scale=1.0)
        self.window.resize(1280, 800)
        self.window.show()
        self.c("unlock", staff_id=NURSE, pin=PIN)
        self.pump(1.0)
        self.cpu: list[float] = []
        self.music: list[bool] = []

    def c(self, name: str, **args):
        return self.room.command(name, NURSE, **args)

    def pump(self, seconds: float) -> None:
        """Render in real time: the Qt event loop runs for `seconds`."""
        from PySide6.QtCore import QTimer
        QTimer.singleShot(int(seconds * 1000), self.app.quit)
        self.app.exec()

    def wait(self, what: str, done, timeout: float = 60.0, step=None) -> None:
        end = time.monotonic() + timeout
        while not done():
            if time.monotonic() > end:
                raise SystemExit(f"bench: {what} did not happen within {timeout:.0f} s")
            if step:
                step()
            self.pump(0.1)

    def alarms(self):
        return self.controller.last.alarms if self.controller.last else ()

    def session(self, n: int) -> None:
        win = self.window
        self.c("open_session", patient_ref=f"DAY-{n:02d}", weight_kg=70 + n, dose_mg_per_kg=0.5,
               planned_infusion_min=40)
        win.go("checkin")
        for item, extra in CHECKLIST:
            self.c("confirm_checklist", item=item, **extra)
            self.clock.advance(60)
        self.c("record_baseline", heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)
        self.c("start_infusion")  # the infusion scene: music, dim light, diffuser
        win.go("main")
        self.pump(1.0)  # the scene's music starts and the window settles before the measured window
        cpu0, wall0 = time.process_time(), time.perf_counter()
        self.pump(self.window_s)
        self.cpu.append((time.process_time() - cpu0) / (time.perf_counter() - wall0))
        status = self.devices.audio.status() if self.devices.audio else None
        self.music.append(bool(status and status.playing))
        self.clock.advance(15 * 60)
        self.alarm()
        self.clock.advance(25 * 60)
        self.c("complete_infusion")
        win.go("scale")
        self.clock.advance(20 * 60)
        self.c("record_assessment", scale="PADSS", items=PADSS_10)
        self.clock.advance(15 * 60)
        win.go("discharge")
        self.pump(0.5)
        self.c("discharge", escort_confirmed=True)
        win.go("main")
        self.clock.advance(10 * 60)  # the room is made ready for the next patient
        self.pump(0.5)

    def alarm(self) -> None:
        """A desaturation the simulated monitor plays in real time: raised (its condition delay jumped over),
        acknowledged by the nurse, cleared when the saturation is back."""
        self.devices.vitals.add_event("desaturation", self.alarm_s, magnitude=1.7)

        def jump() -> None:
            spo2 = self.controller.last.vitals.get("spo2") if self.controller.last else None
            if spo2 is not None and spo2.value is not None and spo2.value < 88:
                self.clock.advance(5)  # the condition delay is wall time: let it pass at once
        self.wait("a high-priority alarm", lambda: any(a.priority == "high" for a in self.alarms()), step=jump)
        from roomcontrol.domain.errors import Refused
        for a in self.alarms():
            if a.acknowledged_by is None:
                try:
                    self.c("acknowledge_alarm", alarm_id=a.alarm_id)
                except Refused:
                    pass  # it cleared since the snapshot the screen shows (a short desaturation)
        self.wait("the alarm to clear", lambda: not any(a.priority == "high" for a in self.alarms()),
                  timeout=self.alarm_s + 60)

    def close(self) -> None:
        self.window.close()
        self.screen.close()


def per_session_bytes(sizes: list[int]) -> float:
    return statistics.mean(b - a for a, b in zip(sizes, sizes[1:]))


def count(data: Path, sql: str) -> int:
    import sqlite3
    conn = sqlite3.connect(f"file:{data / 'room.db'}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="a whole clinic day on the room app, measured")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--window", type=float, default=20.0, help="real seconds rendered per infusion window")
    parser.add_argument("--alarm", type=float, default=15.0, help="real seconds of each desaturation")
    parser.add_argument("--frames", type=int, default=3, help="first-frame runs per window kind (median)")
    args = parser.parse_args()
    bare = statistics.median(ui_bench.first_frame("bare") for _ in range(args.frames))
    runs = [ui_bench.start_times("room") for _ in range(args.frames)]
    roomw, ready = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rss_start = rss_mb()
    day = Day(app, args.window, args.alarm)
    sizes, rss = [db_bytes(day.data)], []
    t0 = time.perf_counter()
    try:
        for n in range(1, args.sessions + 1):
            day.session(n)
            sizes.append(db_bytes(day.data))
            rss.append(rss_mb())
            print(f"session {n}: {sizes[-1] - sizes[-2]:,} bytes of database, RSS {rss[-1]:.1f} MB, "
                  f"CPU {day.cpu[-1]:.3f} of a core, music {'playing' if day.music[-1] else 'OFF'}", flush=True)
    finally:
        day.close()
    wall = time.perf_counter() - t0
    rows = count(day.data, "SELECT count(*) FROM vitals")
    events = count(day.data, "SELECT count(*) FROM events")
    vitals_bytes = count(day.data, "SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN "
                                   "(SELECT name FROM sqlite_schema WHERE tbl_name = 'vitals')")
    # A real session stores the monitor's numerics through all of its SESSION_S; this day stored them only in
    # real time. Projected: the measured growth plus the vitals a real session adds at the rate measured here.
    projected = per_session_bytes(sizes) + vitals_bytes / max(rows, 1) * rows / wall * SESSION_S
    discharged = count(day.data, "SELECT count(*) FROM events WHERE kind = 'session.discharged'")
    growth = rss[-1] - rss[0]
    per_session = per_session_bytes(sizes)
    cpu = max(day.cpu)
    ratio = roomw / bare
    real_s = args.sessions * (args.window + 1.0)
    print(f"\n{args.sessions} sessions in {wall:.0f} s of real time ({discharged} discharged); "
          f"music played in {sum(day.music)} of {args.sessions} infusion windows")
    rows_fmt = [
        ("RSS growth over the day (after session 1 → end)", f"{growth:+.1f} MB", f"≤ {TARGETS['rss_mb']:.0f} MB",
         growth <= TARGETS["rss_mb"]),
        ("RSS growth from start-up (for reference)", f"{rss[-1] - rss_start:+.1f} MB", "", None),
        ("CPU during an infusion window (worst session)", f"{100 * cpu:.1f} % of a core "
         f"(median {100 * statistics.median(day.cpu):.1f} %)", f"≤ {100 * TARGETS['cpu']:.0f} %",
         cpu <= TARGETS["cpu"]),
        ("database growth per session", f"{per_session / 1024:.0f} KiB ({events} events, {rows} vitals rows "
         f"in ~{real_s:.0f} real s)", "", None),
        ("  projected for a real 80-minute session", f"{projected / 1024:.0f} KiB "
         f"({vitals_bytes / max(rows, 1):.0f} B a vitals row, {rows / wall:.1f} rows/s)", "", None),
        ("first frame, room app ÷ bare PySide6 window", f"{ratio:.1f}× ({roomw:.2f} s ÷ {bare:.2f} s)",
         f"≤ {TARGETS['first_frame']:.0f}×", ratio <= TARGETS["first_frame"]),
        ("  room screen ready ÷ bare PySide6 window", f"{ready / bare:.1f}× ({ready:.2f} s ÷ {bare:.2f} s)",
         "", None),
    ]
    width = max(len(r[0]) for r in rows_fmt)
    print(f"{'figure':<{width}}  {'measured':<44} {'target':<8} result")
    for name, value, target, ok in rows_fmt:
        print(f"{name:<{width}}  {value:<44} {target:<8} {'' if ok is None else 'PASS' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
