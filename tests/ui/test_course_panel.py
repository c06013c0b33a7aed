"""Check-in's course panel, pressing the real buttons: with the hub up (the course of another room's session, the
last dose offered and taken by the nurse, the comfort plan loaded into the session) and with the hub down or
silent (the notice, this room's own sessions, and a check-in that never waits)."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.clock import OffsetClock
from roomcontrol.sync.course_client import OFFLINE
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.store import add_room
from roomcontrol.ui.app import start_screen
from roomcontrol.ui.widgets.buttons import HoldButton
from roomcontrol.ui.window import RoomWindow
from tests.sync.comfort_rooms import PATIENT, PLAN, earlier_session, push, room_config
from tests.sync.helpers import free_port
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, logged, sign_in, wait_phase


@pytest.fixture
def screen(tmp_path, qtbot, monkeypatch):
    """A started room-2 with its window, on the hub URL the test gives (`open(hub_url, token)`)."""
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    made = []

    def open_room(hub_url: str, token: str = "rct_none", data=tmp_path / "r2"):
        add_staff(data, NURSE, "Ada Lovelace", "nurse", PIN)
        config = room_config("room-2", hub_url=hub_url, token=token)
        s = start_screen(config, data, clock=OffsetClock(), audio=False, idle_lock_s=600)
        window = RoomWindow(s.controller, scale=1.0)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitUntil(lambda: s.controller.last is not None, timeout=5000)
        made.append((window, s))
        ui = dataclasses.make_dataclass("UI", ["room", "devices", "controller", "window"])(
            s.runtime.room, s.runtime.devices, s.controller, window)
        sign_in(qtbot, ui, NURSE, PIN)
        qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
        click(qtbot, window.main.card.b["checkin"])
        return ui
    yield open_room
    for window, s in made:
        window.close()
        s.close()


def test_check_in_with_the_hub_up_shows_the_course_offers_the_dose_and_loads_the_plan(screen, qtbot, tmp_path):
    earlier_session(tmp_path / "r1", "room-1")
    hubdb = HubDB(str(tmp_path / "hub.db"))
    with ThreadedHub(hubdb) as hub:
        push(tmp_path / "r1", "room-1", hub.url, add_room(hubdb, "room-1"))
        ui = screen(hub.url, add_room(hubdb, "room-2"))
        checkin = ui.window.pages["checkin"]
        panel = checkin.course_panel
        qtbot.keyClicks(checkin.patient_ref, PATIENT)
        qtbot.waitUntil(lambda: panel.answer is not None, timeout=WAIT_MS)
    hubdb.close()
    assert checkin.right.currentIndex() == 1 and panel.isVisible()  # the course in the checklist's place
    assert not panel.notice.isVisible() and panel.status.text() == "From the clinic hub."
    assert panel.count.text() == "1 infusion so far"
    assert panel.last.text().startswith("Last: ") and "room-1" in panel.last.text()
    assert "0.6 mg/kg" in panel.dose.text() and "48 mg planned" in panel.dose.text()
    assert "Ondansetron" in panel.notable.text()
    assert all(line[2:3].isupper() for line in panel.notable.text().splitlines() if line.startswith("• "))
    assert panel.phq.text() == "PHQ-9 18"  # one score: no change to speak of
    assert panel.phq.text().startswith("PHQ-9 18") and panel.flag.isVisible()
    assert panel.comfort.text().startswith("Comfort: very warm light at 10 % · Ocean (Nature) at 20 %")
    assert "likes to hold a stone" in panel.comfort.text()
    assert "2200" not in panel.comfort.text() and ".ogg" not in panel.comfort.text()  # words, not kelvin or files
    # the dose is offered, not applied: the form keeps the room's default until the nurse takes it
    assert checkin.dose.value() == 0.5
    click(qtbot, panel.use_dose)
    assert (checkin.dose.value(), checkin.course.value()) == (0.6, 2)
    assert panel.load_comfort.isChecked()
    assert panel.load_comfort.text() == "✓ Comfort plan will be loaded when the session opens"
    click(qtbot, panel.load_comfort)  # the nurse may leave it out: the button says so, then she puts it back
    assert panel.load_comfort.text() == "Load the comfort plan when the session opens"
    click(qtbot, panel.load_comfort)
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    room = ui.room
    qtbot.waitUntil(lambda: bool(logged(room, "comfort.plan_set")), timeout=WAIT_MS)
    loaded = logged(room, "comfort.plan_set")[-1]
    assert (loaded.actor, loaded.payload["source"], loaded.payload["plan"]) == (NURSE, "course", PLAN.to_dict())
    opened = logged(room, "session.opened")[-1].payload
    assert (opened["dose_mg_per_kg"], opened["course_no"]) == (0.6, 2)
    assert checkin.right.currentIndex() == 0  # opened: the checklist is next
    # the plan's scene comes after comfort.plan_set (deferred by the engine): wait for it, not for the state
    def welcomed() -> list:
        return [e.payload for e in logged(room, "ambient.scene_applied") if e.payload.get("comfort")]
    qtbot.waitUntil(lambda: bool(welcomed()), timeout=WAIT_MS)
    assert ui.room.state.session.comfort is not None
    qtbot.waitUntil(lambda: panel.load_comfort.text() == "✓ Comfort plan loaded into this session", timeout=WAIT_MS)
    welcome = welcomed()[-1]
    assert (welcome["scene"], welcome["light_percent"], welcome["comfort"]) == ("welcome", 10.0, True)


def test_check_in_with_the_hub_down_says_so_and_never_waits(screen, qtbot, tmp_path):
    earlier_session(tmp_path / "r2", "room-2")  # this room's own earlier session of the patient
    with socket.socket() as silent:  # a hub that accepts and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        ui = screen(f"http://127.0.0.1:{silent.getsockname()[1]}")
        checkin = ui.window.pages["checkin"]
        panel = checkin.course_panel
        qtbot.keyClicks(checkin.patient_ref, PATIENT)
        qtbot.waitUntil(lambda: panel.status.text() == "Asking the hub for the course…", timeout=WAIT_MS)
        qtbot.wait(700)  # asked: the lookup waits for the hub on its own thread
        assert panel.answer is None
        click(qtbot, checkin.open_button)  # check-in goes on meanwhile
        wait_phase(qtbot, ui, "pre_infusion")
        qtbot.waitUntil(lambda: panel.answer is not None, timeout=WAIT_MS)
    assert not panel.notice.isHidden() and panel.notice.text() == OFFLINE  # (the panel is behind the checklist)
    assert panel.count.text() == "1 infusion so far" and "room-2" in panel.last.text()
    assert panel.use_dose.isHidden()  # the session is already open: no dose to offer
    assert checkin.right.currentIndex() == 0  # the session opened first: the checklist stays


def test_a_hub_that_is_not_there_is_a_notice_then_the_first_infusion(screen, qtbot, tmp_path):
    ui = screen(f"http://127.0.0.1:{free_port()}")
    checkin = ui.window.pages["checkin"]
    panel = checkin.course_panel
    qtbot.keyClicks(checkin.patient_ref, "PT-9")
    qtbot.waitUntil(lambda: panel.answer is not None, timeout=WAIT_MS)
    assert panel.notice.text() == OFFLINE and panel.count.text() == "First infusion"
    assert not panel.use_dose.isVisible() and not panel.load_comfort.isVisible()
    checkin.patient_ref.clear()  # a new reference: the panel starts again
    assert panel.answer is None and not panel.count.isVisible()
