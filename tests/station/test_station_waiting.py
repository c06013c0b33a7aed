"""A room's waits on the nurse at the clinic station in a real browser (issue #15 item 4, docs/STATION.md `waiting`):
a real hub and one simulated room on loopback (`roomcontrol demo clinic`'s Clinic, no demo session), Debian's
chromium headless. The nurse checks a patient in with a pre-dose BP above the protocol's limits: the room's tile
says so in the warning colour, "decision needed"; after "delay" the line stays, dim; after "proceed" it goes."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from roomcontrol.cli.demo import DEMO_NURSE_ID, Clinic
from tests.station.test_station_browser import sign_in, tile

SHOTS = os.environ.get("ROOMCONTROL_STATION_SHOTS")  # a folder: the tile as a nurse sees it, saved as PNGs


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    c = Clinic(rooms=1, folder=tmp_path_factory.mktemp("clinic"), alarms_room=False, sessions=False)
    c.start()
    yield c
    c.close()


def test_a_pre_dose_hold_shows_on_the_tile_until_the_nurse_decides(clinic, page):
    room = clinic.room("room-1").runtime.room

    def do(name: str, **args) -> None:
        room.submit(name, DEMO_NURSE_ID, **args).result(timeout=5)

    sign_in(page, clinic.url, clinic.nurse_pin)
    room1 = tile(page, "room-1")
    expect(room1.locator(".session-line")).to_have_text("No session")
    do("open_session", patient_ref="Jane Doe", course_no=2, weight_kg=70, dose_mg_per_kg=0.5,
       planned_infusion_min=40)
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {"result": "negative"}), ("iv_access", {})):
        do("confirm_checklist", item=item, **extra)
    do("record_baseline", heart_rate=74, spo2=98, nibp_systolic=186, nibp_diastolic=112)
    line = room1.locator(".status .waiting")
    expect(line).to_have_text("Pre-dose BP 186/112 > 160/100 — decision needed")
    expect(line).to_have_class(re.compile(r"\bwarn\b"))
    assert line.evaluate("n => getComputedStyle(n).color") == "rgb(255, 210, 31)"  # the theme's warning yellow
    if SHOTS:
        room1.screenshot(path=os.path.join(SHOTS, "station-pre-dose-hold.png"))

    do("decide_pre_dose", decision="delay")
    expect(line).to_have_text("Pre-dose BP 186/112 > 160/100 — delayed, recheck")
    expect(line).not_to_have_class(re.compile(r"\bwarn\b"))
    do("decide_pre_dose", decision="proceed", reason="white-coat; calm on the 2nd reading")
    expect(line).to_have_count(0)
    expect(room1.locator(".phase")).to_have_text(re.compile(r"\S"))  # the tile is still live
