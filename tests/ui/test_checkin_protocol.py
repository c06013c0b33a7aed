"""Issue 15, item 1 by the real buttons: check-in offers the room's protocols (the first chosen); choosing one fills
the form with its dose rule and time and shows its checks; esketamine offers its doses in mg; the session opens
under the chosen protocol and the room logs its id and version."""

from __future__ import annotations

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.ui.widgets.buttons import HoldButton
from tests.ui.conftest import NURSE, PIN
from tests.core.helpers import dose_esketamine, protocols_config
from tests.ui.helpers import WAIT_MS, click, room_window, sign_in, wait_phase

ALL = ("ketamine-depression", "ketamine-pain", "esketamine-nasal")


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    with room_window(tmp_path, qtbot, protocols_config(ALL)) as ui:
        yield ui


def _to_checkin(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    click(qtbot, ui.window.main.card.b["checkin"])
    return ui.window.pages["checkin"]


def test_the_nurse_chooses_the_protocol_at_check_in(ui, qtbot):
    checkin = _to_checkin(ui, qtbot)
    buttons = checkin.protocol_buttons
    assert list(buttons) == list(ALL)
    assert buttons["ketamine-depression"].isChecked() and not buttons["ketamine-pain"].isChecked()
    assert checkin.total.text() == "35 mg · 52.5 mg/h"             # the depression protocol: 0.5 mg/kg over 40 min
    assert not checkin.items["medications_reviewed"].isVisible() and checkin.items["npo"].isVisible()

    click(qtbot, buttons["ketamine-pain"])                          # 1.0 mg/kg over 240 min, its own checks
    assert buttons["ketamine-pain"].isChecked() and not buttons["ketamine-depression"].isChecked()
    assert (checkin.dose.value(), checkin.minutes.value()) == (1.0, 240)
    assert checkin.total.text() == "70 mg · 17.5 mg/h"
    assert checkin.items["medications_reviewed"].isVisible()

    click(qtbot, buttons["esketamine-nasal"])                       # a fixed dose: 56 or 84 mg, no mg/kg
    assert not checkin.dose.isVisible() and not checkin.minutes.isVisible()
    assert checkin.dose_mg_buttons[56].isChecked() and checkin.total.text() == "56 mg"
    assert not checkin.items["npo"].isVisible() and checkin.items["identity_confirmed"].isVisible()
    click(qtbot, checkin.dose_mg_buttons[84])
    assert checkin.total.text() == "84 mg" and checkin.plan.text() == "3 devices, 5 min apart"

    qtbot.keyClicks(checkin.patient_ref, "PT-5150")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    opened = next(e for e in ui.room.log.events() if e.kind == "session.opened")
    assert (opened.payload["protocol"], opened.payload["protocol_version"], opened.payload["dose_mg"],
            opened.actor) == ("esketamine-nasal", 2, 84.0, NURSE)
    qtbot.waitUntil(lambda: not buttons["ketamine-pain"].isEnabled(), timeout=WAIT_MS)  # chosen for this session
    assert buttons["esketamine-nasal"].isChecked() and "PT-5150, session 1: 3 devices" in checkin.plan.text()


def test_an_infusion_protocol_opens_with_its_plan(ui, qtbot):
    checkin = _to_checkin(ui, qtbot)
    click(qtbot, checkin.protocol_buttons["ketamine-pain"])
    qtbot.keyClicks(checkin.patient_ref, "PT-5151")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    opened = next(e for e in ui.room.log.events() if e.kind == "session.opened")
    assert (opened.payload["protocol"], opened.payload["total_dose_mg"], opened.payload["planned_infusion_min"]) == \
        ("ketamine-pain", 70.0, 240)


def test_the_discharge_page_says_the_protocols_minimum_monitoring(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    room = ui.room
    dose_esketamine(room, 5, patient_ref="PT-5152", weight_kg=70)
    ui.clock.advance(31 * 60)
    wait_phase(qtbot, ui, "recovery")
    main = ui.window.main
    qtbot.waitUntil(lambda: main.card.b["discharge"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["discharge"])
    page = ui.window.pages["discharge"]
    qtbot.waitUntil(lambda: page.minimum.text().startswith("Minimum recovery 120 min: 88:"), timeout=WAIT_MS)
    assert page.escort_name.isVisible() and page.escort_phone.isVisible()  # the protocol requires an escort


def test_an_esketamine_dose_is_corrected_in_mg_from_the_timeline(ui, qtbot):
    from PySide6.QtCore import Qt
    checkin = _to_checkin(ui, qtbot)
    click(qtbot, checkin.protocol_buttons["esketamine-nasal"])
    qtbot.keyClicks(checkin.patient_ref, "PT-5153")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    click(qtbot, checkin.back)
    timeline = ui.window.main.timeline

    def opened_row():
        return next((timeline.list.item(i) for i in range(timeline.list.count())
                     if "Session opened" in timeline.list.item(i).text()), None)

    qtbot.waitUntil(lambda: opened_row() is not None, timeout=WAIT_MS)
    item = opened_row()
    assert "(esketamine-nasal v2)" in item.text() and "56 mg over 5 min" in item.text()
    timeline.list.scrollToItem(item)
    qtbot.mouseClick(timeline.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=timeline.list.visualItemRect(item).center())
    page = ui.window.pages["correction"]
    qtbot.waitUntil(lambda: ui.window.current == "correction", timeout=WAIT_MS)
    assert page.inputs["dose_mg"].value() == 56                     # the dose in mg; mg/kg and time follow from it
    assert "dose_mg_per_kg" not in page.inputs and "planned_infusion_min" not in page.inputs
    assert page.plan.text() == "56 mg · 2 devices   (was 56 mg)"
    click(qtbot, page.inputs["dose_mg"].plus)                       # one device more: 84 mg
    assert page.plan.text() == "84 mg · 3 devices   (was 56 mg)"
    click(qtbot, page.reasons.buttons["Wrong value chosen"])
    click(qtbot, page.save)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    [fix] = [e for e in ui.room.log.events() if e.kind == "event.corrected"]
    assert fix.payload["changes"]["dose_mg"] == 84 and fix.payload["corrected"]["devices"] == 3
