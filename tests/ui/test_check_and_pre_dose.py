"""Issue 15 items 3 and 4 by the real screen: the patient's "If you're OK, tap anywhere" on the locked screen, a
missed check raising the medium alarm (the staff band), a tap anywhere answering it and clearing the alarm; the
pre-dose decision panel opened by Start infusion when the readings are above the protocol's limits, proceed
refused without a reason, then logged under the nurse and the infusion started."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from roomcontrol.cli.staff import add_staff
from roomcontrol.ui.screens.check_prompt import ASK_TEXT
from roomcontrol.ui.screens.lock import LockScreen
from roomcontrol.ui.widgets.buttons import HoldButton
from tests.core.helpers import BASELINE, protocols_config
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, ready, room_window, wait_phase


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    monkeypatch.setattr(LockScreen, "QUIET_MS", 0)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    with room_window(tmp_path, qtbot, protocols_config(("ketamine-depression",))) as ui:
        yield ui


def kinds(room, prefix):
    return [e.kind for e in room.log.events() if e.kind.startswith(prefix)]


def test_a_missed_tap_raises_the_alarm_and_a_tap_anywhere_clears_it(ui, qtbot):
    ready(ui, qtbot)
    ui.room.command("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")
    ui.controller.lock("the nurse steps out")
    lock: LockScreen = ui.window.pages["lock"]
    qtbot.waitUntil(lambda: ui.window.current == "lock", timeout=WAIT_MS)
    ui.clock.advance(10 * 60)
    qtbot.waitUntil(lambda: lock.stack.currentWidget() is lock.check, timeout=WAIT_MS)
    assert lock.check.ask.text() == ASK_TEXT  # calm: no alarm for the check yet
    assert not any(a.condition == "responsiveness" for a in ui.controller.last.alarms)
    ui.clock.advance(121)
    qtbot.waitUntil(lambda: lock.band.priority is not None, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: any(a.condition == "responsiveness" for a in ui.controller.last.alarms), timeout=WAIT_MS)
    [missed] = [a for a in ui.controller.last.alarms if a.condition == "responsiveness"]
    assert (missed.priority, missed.text) == ("medium", "No response to the check (2 min)")
    assert lock.stack.currentWidget() is lock.check  # still asking: a late tap is welcome
    qtbot.mouseClick(lock.check, Qt.MouseButton.LeftButton, pos=QPoint(40, 300))  # anywhere
    qtbot.waitUntil(lambda: lock.stack.currentWidget() is lock.patient, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not any(a.condition == "responsiveness" for a in ui.controller.last.alarms),
                    timeout=WAIT_MS)
    answered = [e for e in ui.room.log.events() if e.kind == "responsiveness.answered"]
    assert [(e.actor, e.payload["late"]) for e in answered] == [("patient", True)]
    assert kinds(ui.room, "responsiveness.") == ["responsiveness.asked", "responsiveness.missed",
                                                 "responsiveness.answered"]


def test_a_tap_in_time_answers_with_no_alarm(ui, qtbot):
    ready(ui, qtbot)
    ui.room.command("start_infusion", NURSE)
    ui.controller.lock("the nurse steps out")
    lock: LockScreen = ui.window.pages["lock"]
    ui.clock.advance(10 * 60)
    qtbot.waitUntil(lambda: lock.stack.currentWidget() is lock.check, timeout=WAIT_MS)
    qtbot.mouseClick(lock.check, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lock.stack.currentWidget() is lock.patient, timeout=WAIT_MS)
    assert kinds(ui.room, "responsiveness.") == ["responsiveness.asked", "responsiveness.answered"]
    assert not any(e.payload.get("condition") == "responsiveness" for e in ui.room.log.events())


def test_the_pre_dose_panel_decides_before_the_start(ui, qtbot):
    ready(ui, qtbot, baseline=dict(BASELINE, nibp_systolic=172, nibp_diastolic=104))
    card = ui.window.main.card
    qtbot.waitUntil(lambda: bool(ui.controller.last.pre_dose) and card.b["start"].isVisible(), timeout=WAIT_MS)
    click(qtbot, card.b["start"])
    qtbot.waitUntil(lambda: ui.window.current == "pre_dose", timeout=WAIT_MS)
    panel = ui.window.pages["pre_dose"]
    assert panel.readings.text() == "BP 172/104"
    assert panel.rules.text().startswith("Blood pressure above 160/100 before dosing")
    click(qtbot, panel.proceed)  # no reason yet
    assert panel.message.text() == "Type the reason to proceed first." and kinds(ui.room, "advisory.") == []
    qtbot.keyClicks(panel.reason, "white-coat; repeat 150/94 by hand")
    click(qtbot, panel.proceed)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    [decided] = [e for e in ui.room.log.events() if e.kind == "advisory.pre_dose_decided"]
    assert (decided.actor, decided.payload["decision"], decided.payload["reason"]) == (
        NURSE, "proceed", "white-coat; repeat 150/94 by hand")
    qtbot.waitUntil(lambda: not ui.controller.last.pre_dose, timeout=WAIT_MS)
    click(qtbot, card.b["start"])
    wait_phase(qtbot, ui, "infusing")


def test_cancel_on_the_pre_dose_panel_ends_the_session(ui, qtbot):
    ready(ui, qtbot, baseline=dict(BASELINE, nibp_systolic=172, nibp_diastolic=104))
    ui.window.go("pre_dose")
    panel = ui.window.pages["pre_dose"]
    qtbot.waitUntil(lambda: panel.cancel.isEnabled(), timeout=WAIT_MS)
    qtbot.keyClicks(panel.reason, "BP stays high")
    hold(qtbot, panel.cancel)
    wait_phase(qtbot, ui, "aborted")
    assert kinds(ui.room, "advisory.") == ["advisory.pre_dose_decided"]


def high_bp_twice(ui, qtbot):
    from roomcontrol.domain.vitals import UNITS, Reading
    for _ in range(2):
        for kind, value in (("nibp_systolic", 186), ("nibp_diastolic", 112)):
            ui.room.post_reading(Reading(kind, value, UNITS[kind], ui.clock.now(), source="test"))
        ui.clock.advance(120)
    bar = ui.window.advisory
    qtbot.waitUntil(lambda: bar.isVisible(), timeout=WAIT_MS)
    return bar


def test_an_advisory_during_the_infusion_is_answered_continue_with_a_reason(ui, qtbot):
    ready(ui, qtbot)
    ui.room.command("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")
    bar = high_bp_twice(ui, qtbot)
    assert ui.window.minimumSizeHint().height() <= 800  # three alarm rows and the bar: still inside 1280×800
    assert bar.text.text().startswith("Two readings above 180/110 within 5 min: consider pausing the infusion — BP "
                                      "186/112, 186/112 (2 min apart)")
    click(qtbot, bar.go_on)  # no reason: refused, said on the bar
    qtbot.waitUntil(lambda: "needs a reason" in bar.advice.text(), timeout=WAIT_MS)
    qtbot.keyClicks(bar.reason, "anxious, rechecking in 5 min")
    click(qtbot, bar.go_on)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=WAIT_MS)
    [responded] = [e for e in ui.room.log.events() if e.kind == "advisory.responded"]
    assert (responded.actor, responded.payload["response"], responded.payload["reason"]) == (
        NURSE, "continued", "anxious, rechecking in 5 min")
    assert ui.controller.last.phase == "infusing"


def test_an_advisory_answered_by_pausing(ui, qtbot):
    ready(ui, qtbot)
    ui.room.command("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")
    bar = high_bp_twice(ui, qtbot)
    click(qtbot, bar.pause)
    wait_phase(qtbot, ui, "paused")
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=WAIT_MS)
    [paused] = [e for e in ui.room.log.events() if e.kind == "infusion.paused"]
    [responded] = [e for e in ui.room.log.events() if e.kind == "advisory.responded"]
    assert (paused.actor, paused.payload["reason"]) == (NURSE, "advisory bp-high-twice")
    assert (responded.actor, responded.payload["response"]) == (NURSE, "paused")
