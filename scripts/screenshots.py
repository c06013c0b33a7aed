#!/usr/bin/env python3
"""Screenshots of the room screen for docs/screenshots/, made from the real app on the offscreen platform.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

A fully simulated room in a temporary data directory, one staff account, a session driven through the same
commands the buttons send. The room clock runs ahead by hand (infusion time, recovery time); the trend plot's
earlier minutes are drawn from the simulated patient's model, since the script does not wait for them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from roomcontrol.clock import OffsetClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.ui.app import start_screen  # noqa: E402
from roomcontrol.ui.window import RoomWindow  # noqa: E402

NURSE = "rn.ada"


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def wait(app, condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("screenshots: timed out waiting for the room")
        pump(app, 0.05)


def shot(app, window, path: Path) -> None:
    window.blinker._on = {k: True for k in window.blinker._on}  # a flashing banner caught lit
    pump(app, 0.3)
    window.blinker._on = {k: True for k in window.blinker._on}
    window.repaint()
    window.grab().save(str(path))
    print("wrote", path)


def backfill_trends(window, room, devices, minutes: float) -> None:
    trends = window.main.vitals.trends
    model = devices.vitals.model
    start = room.state.session.infusion_started_at or room.state.session.opened_at
    opened = room.state.session.opened_at
    lead = (start - opened).total_seconds()
    for second in range(0, int(minutes * 60), 5):
        t_min = max(0.0, (second - lead) / 60) if second >= lead else None
        n = model.numerics(second, t_min)
        ts = opened + timedelta(seconds=second)
        trends.add("heart_rate", n.heart_rate, ts)
        trends.add("spo2", n.spo2, ts)
        if second % 300 == 0:
            sys_, dia, _ = model.nibp(second, t_min)
            trends.add("nibp_systolic", sys_, ts)
            trends.add("nibp_diastolic", dia, ts)
    trends.redraw()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="roomcontrol-shots-"))
    add_staff(data, NURSE, "Ada Lovelace", "nurse", "2468")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = RoomConfig(room_name="Room 3 · Willow", clinic_name="Harbour Ketamine Clinic")
    clock = OffsetClock()
    screen = start_screen(config, data, clock=clock, audio=False)
    room, room_devices, controller = screen.runtime.room, screen.runtime.devices, screen.controller
    window = RoomWindow(controller, scale=1.0)
    window.resize(1280, 800)
    window.show()
    wait(app, lambda: controller.last is not None)
    pump(app, 2.5)
    shot(app, window, args.out / "lock.png")

    c = room.command
    c("unlock", NURSE, staff_id=NURSE, pin="2468")
    c("open_session", NURSE, patient_ref="PT-1042", weight_kg=72.5, course_no=3, dose_mg_per_kg=0.5)
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {})):
        c("confirm_checklist", NURSE, item=item, **extra)
    wait(app, lambda: window.current == "main")
    window.go("checkin")
    pump(app, 1.5)
    shot(app, window, args.out / "checkin.png")

    for item in ("pregnancy_screen", "iv_access"):
        c("confirm_checklist", NURSE, item=item)
    c("record_baseline", NURSE, heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)
    clock.offset += timedelta(minutes=4)
    c("start_infusion", NURSE)
    clock.offset += timedelta(minutes=14)
    c("note_symptom", NURSE, symptom="nausea", severity="mild")
    c("give_medication", NURSE, drug="Ondansetron", dose=4, unit="mg", route="IV")
    window.go("main")
    pump(app, 2.0)
    backfill_trends(window, room, room_devices, 18)
    pump(app, 1.2)
    shot(app, window, args.out / "main-1280x800.png")

    wide = RoomWindow(controller, scale=1.25)
    wide.resize(1920, 1080)
    wide.show()
    pump(app, 1.5)
    backfill_trends(wide, room, room_devices, 18)
    pump(app, 1.2)
    shot(app, wide, args.out / "main-1920x1080.png")
    wide.close()

    # a form page keeps its strip of live numerics (and the alarm banner) above it
    window.go("medication")
    pump(app, 1.5)
    shot(app, window, args.out / "form-with-vitals-strip-1280x800.png")
    wide = RoomWindow(controller, scale=1.25)
    wide.resize(1920, 1080)
    wide.show()
    wide.go("medication")
    pump(app, 1.5)
    shot(app, wide, args.out / "form-with-vitals-strip-1920x1080.png")
    wide.close()
    window.go("main")

    room_devices.vitals.add_event("desaturation", 40, magnitude=1.7)
    wait(app, lambda: (controller.last.vitals["spo2"].value or 100) < 88)
    clock.offset += timedelta(seconds=16)
    wait(app, lambda: any(a.condition == "spo2.low" for a in controller.last.alarms))
    pump(app, 1.2)
    shot(app, window, args.out / "alarm-high.png")

    alarm = next(a for a in controller.last.alarms if a.condition == "spo2.low")
    c("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    # past the planned time: the cue (amber timer and bar, a big Complete) and the overrun counting up
    elapsed = room.snapshot().infusion_elapsed_s
    clock.offset += timedelta(seconds=40 * 60 + 35 - elapsed)
    wait(app, lambda: controller.last.planned_time_reached and window.main.card.due)
    pump(app, 1.2)
    shot(app, window, args.out / "overrun-1280x800.png")
    wide = RoomWindow(controller, scale=1.25)
    wide.resize(1920, 1080)
    wide.show()
    pump(app, 1.5)
    backfill_trends(wide, room, room_devices, 44)
    pump(app, 0.5)
    shot(app, wide, args.out / "overrun-1920x1080.png")
    wide.close()
    clock.offset += timedelta(minutes=3)
    c("complete_infusion", NURSE)
    clock.offset += timedelta(minutes=32)
    c("record_assessment", NURSE, scale="PADSS",
      items={"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2, "bleeding": 2})
    window.go("discharge")
    window.pages["discharge"].padss.set_items({"vital_signs": 2, "activity": 2, "nausea_vomiting": 1, "pain": 2,
                                               "bleeding": 2})
    window.pages["discharge"].escort.setChecked(True)
    pump(app, 1.5)
    shot(app, window, args.out / "discharge.png")

    window.close()
    screen.close()
    return 0

if __name__ == "__main__":
    sys.exit(main())
