#!/usr/bin/env python3
"""The room screen under load: GUI-thread latency, CPU, and time to the first frame.

    .venv/bin/python bench/ui.py [--seconds 20]

1. Time to first frame: a child process starts, builds its window and reports its first paint; the room window
   (engine, simulated devices, staff, every screen) against a bare PySide6 window, both started by this run,
   median of 3 each. Printed as seconds and as a multiple of the bare window.
2. Under load (offscreen platform, so painting is real raster work): a session infusing with the simulated
   monitor's pleth at 75 Hz drawn as a sweep, trends, a high alarm flashing at 2 Hz with its tone, and music
   (pygame with SDL's "disk" driver: mixing really happens, into a temp file). A 16 ms precise QTimer measures
   its own lateness: p50/p99/max of (interval - 16 ms). Target: p99 below one 60 Hz frame (16.7 ms).
   CPU as a fraction of one core: the whole process (engine, devices, audio, GUI) and the GUI thread alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="rc-bench-ui-")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SDL_AUDIODRIVER"] = "disk"
os.environ["SDL_DISKAUDIOFILE"] = os.path.join(_tmp, "out.raw")
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
FRAME_MS = 1000 / 60
TICK_MS = 16


# -- children: first frame --------------------------------------------------------------------------------

def child(kind: str) -> None:
    """"bare": a QLabel's first paint. "room": the app's own start (roomcontrol run): the starting frame
    (ui/starting.py) painted first ("frame"), then the room assembled and its window's first paint ("ready")."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel
    app = QApplication(sys.argv[:1])
    if kind == "bare":
        window = QLabel("RoomControl")
        cleanup = lambda: None  # noqa: E731
        done = "frame"
    else:
        from roomcontrol.config import RoomConfig
        config = RoomConfig()
        from roomcontrol.ui.starting import close_starting, show_starting
        show_starting(config.room_name)  # painted before it returns
        print("frame", flush=True)
        from roomcontrol.ui.app import start_screen
        from roomcontrol.ui.window import RoomWindow
        screen = start_screen(config, tempfile.mkdtemp(prefix="rc-bench-ui-child-"), audio=False)
        window = RoomWindow(screen.controller, scale=1.0)
        close_starting()
        cleanup = screen.close
        done = "ready"

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print(done, flush=True)
                cleanup()
                os._exit(0)
            return False

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.resize(1280, 800)
    window.show()
    app.exec()


def first_frame(kind: str) -> float:
    """Seconds from starting the process to its first frame on screen."""
    return start_times(kind)[0]


def start_times(kind: str) -> tuple[float, float]:
    """(first frame, room screen ready) in seconds from starting the process; the same twice for "bare"."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    times = {}
    for line in proc.stdout:
        times[line.strip()] = time.perf_counter() - t0
        if line.strip() in ("ready",) or (kind == "bare" and line.strip() == "frame"):
            break
    proc.wait(timeout=30)
    if "frame" not in times:
        raise SystemExit(f"the {kind} child did not report a frame")
    return times["frame"], times.get("ready", times["frame"])


# -- under load -------------------------------------------------------------------------------------------

def under_load(seconds: float) -> dict:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from roomcontrol.clock import OffsetClock
    from roomcontrol.config import RoomConfig
    from roomcontrol.cli.staff import add_staff
    from roomcontrol.ui.app import start_screen
    from roomcontrol.ui.window import RoomWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    data = Path(tempfile.mkdtemp(prefix="rc-bench-ui-"))
    add_staff(data, "rn.ada", "Ada", "nurse", "2468")
    clock = OffsetClock()
    screen = start_screen(RoomConfig(), data, clock=clock, audio=True, idle_lock_s=3600)
    room, devices, controller = screen.runtime.room, screen.runtime.devices, screen.controller
    window = RoomWindow(controller, scale=1.0)
    window.resize(1280, 800)
    window.show()

    def pump(s: float) -> None:
        end = time.monotonic() + s
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.005)

    c = room.command
    c("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    c("open_session", "rn.ada", patient_ref="BENCH-1", weight_kg=70)
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})):
        c("confirm_checklist", "rn.ada", item=item, **extra)
    c("record_baseline", "rn.ada", heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)
    c("start_infusion", "rn.ada")  # the infusion scene: music, dim light, diffuser
    devices.vitals.add_event("desaturation", seconds + 120, magnitude=1.7)
    end = time.monotonic() + 30
    while not any(a.priority == "high" for a in (controller.last.alarms if controller.last else ())):
        pump(0.1)
        if controller.last and controller.last.vitals.get("spo2") and controller.last.vitals["spo2"].value < 88:
            clock.offset = timedelta(seconds=20)
        if time.monotonic() > end:
            raise SystemExit("bench: no alarm was raised")
    pump(2.0)
    audio = devices.audio.status() if devices.audio else None

    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    pleth = window.main.vitals.pleth
    paints = [0]
    original = pleth.paintEvent

    def counting(event):
        paints[0] += 1
        original(event)
    pleth.paintEvent = counting
    timer = QTimer(interval=TICK_MS, timeout=tick)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    cpu0, gui0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    last[0] = time.perf_counter()
    timer.start()
    stop = QTimer(singleShot=True, interval=int(seconds * 1000), timeout=app.quit)
    stop.start()
    app.exec()
    timer.stop()
    wall = time.perf_counter() - wall0
    result = {
        "p50": statistics.median(lateness), "p99": sorted(lateness)[int(len(lateness) * 0.99) - 1],
        "max": max(lateness), "ticks": len(lateness), "wall": wall,
        "cpu": (time.process_time() - cpu0) / wall, "gui_cpu": (time.thread_time() - gui0) / wall,
        "pleth_fps": paints[0] / wall, "alarms": [a.condition for a in controller.last.alarms],
        "music": bool(audio and audio.playing), "alarm_tone": audio.alarm if audio else None,
        "trend_points": sum(len(xs) for xs, _ in window.main.vitals.trends.series.values()),
    }
    screen.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description="GUI latency, CPU and first frame of the room screen")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--child", choices=("bare", "room"))
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    bare = statistics.median(first_frame("bare") for _ in range(3))
    runs = [start_times("room") for _ in range(3)]
    roomw, ready = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"first frame: bare PySide6 window {bare:.2f} s, room app {roomw:.2f} s = {roomw / bare:.1f}× the bare "
          f"window; room screen ready {ready:.2f} s = {ready / bare:.1f}×")
    r = under_load(args.seconds)
    print(f"under load ({r['wall']:.0f} s: pleth 75 Hz drawn at {r['pleth_fps']:.0f} fps, trends "
          f"{r['trend_points']} points, alarms {', '.join(r['alarms'])}, alarm tone {r['alarm_tone']}, "
          f"music {'playing' if r['music'] else 'off'}):")
    print(f"  GUI-thread lateness of a {TICK_MS} ms timer over {r['ticks']} ticks: p50 {r['p50']:.2f} ms, "
          f"p99 {r['p99']:.2f} ms, max {r['max']:.2f} ms (one 60 Hz frame = {FRAME_MS:.1f} ms: "
          f"p99 {'below' if r['p99'] < FRAME_MS else 'ABOVE'} it)")
    print(f"  CPU: whole process {r['cpu']:.2f} of one core, GUI thread {r['gui_cpu']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
