"""A room's waits on the nurse at the clinic station in a real browser (issue #15 items 3 and 4, docs/STATION.md
`waiting`): a real hub and two simulated rooms on loopback (`roomcontrol demo clinic`'s Clinic, no demo session),
Debian's chromium headless. In Room 1 the nurse checks a patient in with a pre-dose BP above the protocol's limits:
the tile says so in the warning colour, "decision needed"; after "delay" the line stays, dim; after "proceed" it
goes. Room 2 runs on an OffsetClock (wall time jumps, the devices keep their pace): 10 min into the infusion the
patient's OK-check is asked and the tile counts its age until the patient taps."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from roomcontrol.cli.demo import DEMO_NURSE_ID, Clinic
from roomcontrol.clock import OffsetClock
from roomcontrol.engine.runtime import start_room
from tests.station.test_station_browser import sign_in, tile

SHOTS = os.environ.get("ROOMCONTROL_STATION_SHOTS")  # a folder: the tile as a nurse sees it, saved as PNGs


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    c = Clinic(rooms=2, folder=tmp_path_factory.mktemp("clinic"), alarms_room=False, sessions=False)
    c.start()
    shifted = c.room("room-2")  # again, on a clock the test moves forward
    shifted.close()
    shifted.runtime = start_room(c.config_of(shifted), shifted.data_dir, clock=OffsetClock(), audio=False)
    shifted.runtime.gate.scripted = frozenset({DEMO_NURSE_ID})
    yield c
    c.close()


def check_in(room, baseline: dict[str, Any]):
    """The ketamine-depression protocol's check-in by the demo nurse, at the bedside; returns her `do`."""
    def do(name: str, **args) -> None:
        room.submit(name, DEMO_NURSE_ID, **args).result(timeout=5)

    do("open_session", patient_ref="Jane Doe", course_no=2, weight_kg=70, dose_mg_per_kg=0.5,
       planned_infusion_min=40)
    for item, extra in (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                        ("escort", {}), ("pregnancy_screen", {"result": "negative"}), ("iv_access", {})):
        do("confirm_checklist", item=item, **extra)
    do("record_baseline", heart_rate=74, spo2=98, **baseline)
    return do


def test_a_pre_dose_hold_shows_on_the_tile_until_the_nurse_decides(clinic, page):
    sign_in(page, clinic.url, clinic.nurse_pin)
    room1 = tile(page, "room-1")
    expect(room1.locator(".session-line")).to_have_text("No session")
    do = check_in(clinic.room("room-1").runtime.room, {"nibp_systolic": 186, "nibp_diastolic": 112})
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


def test_an_ok_check_asked_counts_its_age_on_the_tile_until_the_patient_taps(clinic, page):
    runtime = clinic.room("room-2").runtime
    sign_in(page, clinic.url, clinic.nurse_pin)
    room2 = tile(page, "room-2")
    do = check_in(runtime.room, {"nibp_systolic": 124, "nibp_diastolic": 78})
    do("start_infusion")
    expect(room2.locator(".phase")).to_have_text("Infusing")
    runtime.room.clock.advance(600)  # the protocol asks every 10 min of the infusion
    line = room2.locator(".status .waiting")
    expect(line).to_have_text(re.compile(r"^OK-check asked 0:0\d ago$"))
    expect(line).not_to_have_class(re.compile(r"\bwarn\b"))  # not missed yet: the patient has 2 min
    runtime.room.clock.advance(45)
    expect(line).to_have_text(re.compile(r"^OK-check asked 0:(4[5-9]|5\d) ago$"))
    runtime.room.submit("answer_check", "patient").result(timeout=5)
    expect(line).to_have_count(0)
