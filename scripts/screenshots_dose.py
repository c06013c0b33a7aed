#!/usr/bin/env python3
"""Screenshots of issue 11's check-in and dose pages for docs/screenshots/, at 1280×800 and 1920×1080:
a second patient's check-in, the high-dose confirmation, the correction of the dose plan from the timeline.

    .venv/bin/python scripts/screenshots_dose.py [--out docs/screenshots]

A simulated room in a temporary data directory (see scripts/screenshots.py); the first patient is opened and
aborted through the same commands the buttons send, the second typed into the real form.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import NURSE, ROOT, pump, shot, wait  # noqa: E402  (sets the offscreen platform)

from PySide6.QtWidgets import QApplication  # noqa: E402

from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.clock import OffsetClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.ui.app import start_screen  # noqa: E402
from roomcontrol.ui.window import RoomWindow  # noqa: E402

SIZES = ((1.0, 1280, 800), (1.25, 1920, 1080))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="roomcontrol-shots-"))
    add_staff(data, NURSE, "Ada Lovelace", "nurse", "2468")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = RoomConfig(room_name="Room 3 · Willow", clinic_name="Harbour Ketamine Clinic")
    screen = start_screen(config, data, clock=OffsetClock(), audio=False)
    room, controller = screen.runtime.room, screen.controller
    windows = []
    for scale, w, h in SIZES:
        window = RoomWindow(controller, scale=scale)
        window.resize(w, h)
        window.show()
        windows.append((window, f"{w}x{h}"))
    wait(app, lambda: controller.last is not None)
    c = room.command
    c("unlock", NURSE, staff_id=NURSE, pin="2468")
    # The first patient, with everything the old form kept: weight, dose, course, a baseline; then aborted.
    c("open_session", NURSE, patient_ref="PT-2001", weight_kg=82, course_no=4, dose_mg_per_kg=0.75)
    c("record_baseline", NURSE, heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78)
    c("abort_session", NURSE, reason="Patient declined")
    wait(app, lambda: controller.last.phase == "aborted" and all(w.current == "main" for w, _ in windows))

    for window, size in windows:  # the second patient's check-in: empty but for the defaults, a new reference typed
        window.go("checkin")
        window.pages["checkin"].patient_ref.setText("PT-2002")
    pump(app, 1.5)
    for window, size in windows:
        shot(app, window, args.out / f"checkin-second-patient-{size}.png")

    for window, size in windows:  # a high dose: refused by the room core, answered by the confirmation page
        checkin = window.pages["checkin"]
        checkin.dose.setValue(2.0)
        checkin.open_button.click()
        wait(app, lambda window=window: window.current == "dose_confirm")
    pump(app, 1.0)
    for window, size in windows:
        shot(app, window, args.out / f"high-dose-confirm-{size}.png")

    windows[0][0].pages["dose_confirm"]._confirm()  # as the hold does
    wait(app, lambda: controller.last.phase == "pre_infusion")
    c("note_symptom", NURSE, symptom="anxiety", severity="mild")
    pump(app, 1.0)
    for window, size in windows:  # the dose plan tapped in the timeline: its page, a value changed, a reason
        timeline = window.main.timeline
        window.go("main")
        opened = next(e for e in timeline.events if e.kind == "session.opened")
        timeline.correct.emit(opened, dict(opened.payload))
        page = window.pages["correction"]
        page.inputs["weight_kg"].setValue(72)
        page.reasons.buttons["Re-measured"].click()
    pump(app, 1.0)
    for window, size in windows:
        shot(app, window, args.out / f"correction-{size}.png")

    windows[0][0].pages["correction"]._save()
    wait(app, lambda: any(e.kind == "event.corrected" for e in controller.history))
    for window, size in windows:
        window.go("main")
    pump(app, 1.0)
    for window, size in windows:
        shot(app, window, args.out / f"corrected-timeline-{size}.png")

    for window, _ in windows:
        window.close()
    screen.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
