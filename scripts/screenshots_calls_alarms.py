#!/usr/bin/env python3
"""Screenshots of calls and alarms (issue #11) for docs/screenshots/, at 1280×800 and 1920×1080, from the real
app on the offscreen platform: the lock screen with a call and with an alarm, the call banner, an acknowledged
alarm still on the banner with its live value next to one not yet acknowledged.

    .venv/bin/python scripts/screenshots_calls_alarms.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("screenshots", HERE / "screenshots.py")
shots = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shots)  # sets the offscreen platform and the import path

from PySide6.QtWidgets import QApplication  # noqa: E402

from roomcontrol.clock import OffsetClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.domain.vitals import Reading  # noqa: E402
from roomcontrol.ui.app import start_screen  # noqa: E402
from roomcontrol.ui.window import RoomWindow  # noqa: E402

NURSE = shots.NURSE
SIZES = ((1280, 800, 1.0), (1920, 1080, 1.25))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=shots.ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="roomcontrol-shots-"))
    add_staff(data, NURSE, "Ada Lovelace", "nurse", "2468")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = RoomConfig(room_name="Room 3 · Willow", clinic_name="Harbour Ketamine Clinic")
    clock = OffsetClock()
    screen = start_screen(config, data, clock=clock, audio=False)
    room, devices, controller = screen.runtime.room, screen.runtime.devices, screen.controller
    windows = []
    for width, height, scale in SIZES:
        w = RoomWindow(controller, scale=scale)
        w.resize(width, height)
        w.show()
        windows.append((w, f"{width}x{height}"))
    shots.wait(app, lambda: controller.last is not None)

    def snap(name: str, settle: float = 1.2) -> None:
        shots.pump(app, settle)
        for w, size in windows:
            w.blinker._on = {k: True for k in w.blinker._on}  # a flashing alarm caught lit …
            w.blinker.changed.emit()  # … by every row, tile and band
            shots.shot(app, w, args.out / f"{name}-{size}.png")

    c = room.command
    c("unlock", NURSE, staff_id=NURSE, pin="2468")
    c("open_session", NURSE, patient_ref="PT-1042", weight_kg=72.5, course_no=3, dose_mg_per_kg=0.5)
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})):
        c("confirm_checklist", NURSE, item=item, **extra)
    c("record_baseline", NURSE, heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)
    c("start_infusion", NURSE)
    clock.offset += timedelta(minutes=12)
    c("lock", NURSE)
    shots.wait(app, lambda: all(w.current == "lock" for w, _ in windows))

    c("call_nurse", "patient")
    clock.offset += timedelta(seconds=42)
    snap("lock-call")

    c("unlock", NURSE, staff_id=NURSE, pin="2468")
    shots.wait(app, lambda: all(w.current == "main" for w, _ in windows))
    for w, _ in windows:
        shots.backfill_trends(w, room, devices, 12)
    snap("call-banner")
    c("answer_call", NURSE)
    c("lock", NURSE)

    devices.vitals.add_event("desaturation", 120, magnitude=1.7)
    shots.wait(app, lambda: (controller.last.vitals["spo2"].value or 100) < 88)
    clock.offset += timedelta(seconds=16)
    shots.wait(app, lambda: any(a.condition == "spo2.low" for a in controller.last.alarms))
    snap("lock-alarm")

    c("unlock", NURSE, staff_id=NURSE, pin="2468")
    alarm = next(a for a in controller.last.alarms if a.condition == "spo2.low")
    c("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    room.post_reading(Reading("nibp_systolic", 188, "mmHg", clock.now(), source="screenshots"))
    room.post_reading(Reading("nibp_diastolic", 96, "mmHg", clock.now(), source="screenshots"))
    room.post_reading(Reading("nibp_mean", 127, "mmHg", clock.now(), source="screenshots"))
    shots.wait(app, lambda: len(controller.last.alarms) >= 2)
    snap("alarm-acknowledged", 2.5)

    for w, _ in windows:
        w.close()
    screen.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
