"""Issue 15, Show (item 6 of the show part): an esketamine dose given device by device with the card's real button.
"Device 1 of 2 given" starts the dosing; the card then counts down to the next ("Device 2 of 2 in 3:12"), the button
waiting with it (the protocol's 5 min between devices is a hard rule); the last device ends the dosing. Each device
is logged as dose.device_given by the nurse who pressed."""

from __future__ import annotations

import os

from roomcontrol.domain import kinds as K
from tests.core.helpers import open_esketamine
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase
from tests.ui.test_checkin_protocol import ui  # noqa: F401  (the fixture: a room offering the shipped protocols)


SHOT = os.environ.get("ROOMCONTROL_SHOT")  # a path: save the window while the next device waits, to look at


def refresh(ui, qtbot):
    ui.room.call(ui.room.tick).result(timeout=5)  # a tick's snapshot now, not at the next second
    qtbot.wait(50)


def test_a_nasal_dose_given_device_by_device_from_the_card(ui, qtbot):  # noqa: F811
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    room = ui.room
    open_esketamine(room, patient_ref="PT-6001", weight_kg=70)
    wait_phase(qtbot, ui, "pre_infusion")
    card = ui.window.main.card
    device = card.b["device"]
    qtbot.waitUntil(lambda: device.isVisible() and device.isEnabled(), timeout=WAIT_MS)
    assert device.text() == "Device 1 of 2 given" and not card.b["start"].isVisible()

    click(qtbot, device)                                   # the first device: dosing starts
    wait_phase(qtbot, ui, "infusing")
    ui.clock.advance(108)                                  # 1:48 later
    refresh(ui, qtbot)
    qtbot.waitUntil(lambda: device.text() == "Device 2 of 2 in 3:12", timeout=WAIT_MS)
    assert not device.isEnabled() and "Device 2 of 2 in 3:12" in card.dose.text()
    assert not card.b["complete"].isVisible() and not card.b["rate"].isVisible()
    if SHOT:
        ui.window.grab().save(SHOT)

    ui.clock.advance(192)                                  # 5 min after the first: due
    refresh(ui, qtbot)
    qtbot.waitUntil(lambda: device.isEnabled() and device.text() == "Device 2 of 2 given", timeout=WAIT_MS)
    click(qtbot, device)                                   # the last device: dosing ends
    wait_phase(qtbot, ui, "recovery")
    given = [e for e in room.log.events() if e.kind == K.DOSE_DEVICE_GIVEN]
    assert [(e.payload["n"], e.payload["of"], e.payload["mg"], e.actor) for e in given] == [
        (1, 2, 28.0, NURSE), (2, 2, 28.0, NURSE)]
    assert 300 <= (given[1].ts - given[0].ts).total_seconds() < 330  # the clock's 5 min, and the test's own time
    assert room.state.session.given_mg(ui.clock.now()) == 56.0 and not device.isVisible()
