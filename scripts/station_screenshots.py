#!/usr/bin/env python3
"""Screenshots of the clinic station for docs/screenshots/, from a real clinic and a real browser.

    .venv/bin/python scripts/station_screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

It starts `roomcontrol demo clinic`'s Clinic with 6 simulated rooms on loopback (the real hub, the rooms' live
channels), desaturates one room until its SpO2 alarm is raised, raises the blood pressure of a checked-in patient
and measures it (a pre-dose hold: "Pre-dose BP … — decision needed" on that tile, docs/STATION.md `waiting`), signs
the demo nurse in at the station in headless chromium and photographs the page: a 1920×1080 wall monitor (station-wall-1920x1080.png) and a phone
(station-phone-390x844.png). The flashing is frozen at its "on" phase so the picture shows what the eye sees.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from roomcontrol.cli.demo import DEMO_NURSE_ID, Clinic  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = (("station-wall-1920x1080.png", 1920, 1080), ("station-phone-390x844.png", 390, 844))
ALARMING = "room-2"
HELD = "room-4"  # checked in, not started: its BP measured high before the start
# Every tile at the start of its flash (the "on" phase of the 2 Hz / 0.6 Hz animation), for a still picture.
FREEZE = ".tile { animation-delay: 0s !important; animation-play-state: paused !important; }"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="station-shots-") as folder, \
            Clinic(rooms=6, folder=Path(folder), alarms_room=False,
                   room_options={"alarms": {"spo2": {"delay_s": 0}}}) as clinic, sync_playwright() as p:
        clinic.room(ALARMING).runtime.devices.vitals.add_event("desaturation", 600, magnitude=2.0)
        held = clinic.room(HELD).runtime
        held.devices.vitals.add_event("hypertension", 900, magnitude=1.5)
        held.room.submit("start_nibp", DEMO_NURSE_ID).result(timeout=10)  # the cuff: its numbers ~30 s later
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS, timeout=30000)
        for name, width, height in SHOTS:
            context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
            page = context.new_page()
            page.set_default_timeout(30000)
            page.goto(clinic.station_url)
            page.fill("#staff-id", DEMO_NURSE_ID)
            page.fill("#pin", clinic.nurse_pin)
            page.click("#signin button[type=submit]")
            expect(page.locator(f'article.tile[data-room="{ALARMING}"]')).to_have_class(
                re.compile(r"\bsev-high\b"), timeout=60000)
            expect(page.locator("article.tile")).to_have_count(6)
            expect(page.locator(f'article.tile[data-room="{HELD}"] .waiting')).to_contain_text(
                "decision needed", timeout=90000)
            page.wait_for_timeout(1500)  # a couple of heartbeats: every tile filled
            page.add_style_tag(content=FREEZE)
            page.screenshot(path=str(args.out / name))
            print(args.out / name)
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
