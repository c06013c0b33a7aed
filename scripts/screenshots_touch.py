#!/usr/bin/env python3
"""Screenshots of the touch room for docs/screenshots/: the on-screen keyboard at check-in, the patient's PHQ-9
on the patient's own page, and the item-9 flag on the nurse's screen; each at 1280×800 and 1920×1080.

    .venv/bin/python scripts/screenshots_touch.py [--out docs/screenshots]

Made from the real windows on the offscreen platform, as scripts/screenshots.py does (whose helpers it uses).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from screenshots import ROOT, pump, shot, wait  # sets the offscreen platform first

from PySide6.QtWidgets import QApplication  # noqa: E402

from roomcontrol.clock import OffsetClock  # noqa: E402
from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.ui.app import start_screen  # noqa: E402
from roomcontrol.ui.window import RoomWindow  # noqa: E402

NURSE = "rn.ada"
SIZES = {"1280x800": (1280, 800, 1.0), "1920x1080": (1920, 1080, 1.25)}


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
    windows = {}
    for size, (w, h, scale) in SIZES.items():
        window = RoomWindow(controller, scale=scale, keyboard=True)
        window.resize(w, h)
        window.show()
        windows[size] = window
    wait(app, lambda: controller.last is not None)
    room.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    wait(app, lambda: all(win.current == "main" for win in windows.values()))

    # -- the keyboard at check-in, typing a patient reference ------------------------------------------
    for size, window in windows.items():
        window.go("checkin")
        window.activateWindow()
        pump(app, 0.5)
        field = window.pages["checkin"].patient_ref
        field.setFocus()
        wait(app, lambda: window.keyboard.isVisible())
        window.keyboard.press("⇧")
        window.keyboard.type_text("PT-2002")
        pump(app, 0.8)
        shot(app, window, args.out / f"keyboard-{size}.png")
        window.keyboard.press("Done")
        window.go("main")

    # -- the patient's PHQ-9 from the lock screen ------------------------------------------------------
    room.command("open_session", NURSE, patient_ref="PT-2002", weight_kg=68, course_no=2, dose_mg_per_kg=0.5)
    room.command("lock", NURSE, reason="locked by hand")
    wait(app, lambda: all(win.current == "lock" for win in windows.values()))
    answers = [1, 2, 1, 1, 0, 1, 0, 0, 1]
    for size, window in windows.items():
        forms = window.pages["patient_forms"]
        window.go("patient_forms")
        forms.start("PHQ-9")
        for value in answers[:8]:
            forms.answer(value)
        pump(app, 0.8)
        shot(app, window, args.out / f"patient-phq9-{size}.png")
    forms = windows["1280x800"].pages["patient_forms"]
    forms.answer(answers[8])
    forms._send()
    wait(app, lambda: forms.finish.isVisible())
    for window in windows.values():
        window.pages["patient_forms"].leave()

    # -- the flag on the nurse's screen after sign-in --------------------------------------------------
    room.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    wait(app, lambda: all(win.current == "main" and win.flag.isVisible() for win in windows.values()))
    pump(app, 1.5)
    for size, window in windows.items():
        shot(app, window, args.out / f"phq9-flag-{size}.png")
    for window in windows.values():
        window.close()
    screen.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
