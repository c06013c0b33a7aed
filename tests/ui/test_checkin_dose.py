"""Issue 11, item 2, by the real buttons: the total mg and mg/h live before the session opens; a dose outside the
clinic's bounds said plainly (not clamped); a dose above the soft maximum refused, then confirmed on its own page
(the total in mg large) and logged; the dose plan corrected from a timeline tap, the timeline showing it marked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, sign_in, wait_phase


def _to_checkin(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    click(qtbot, ui.window.main.card.b["checkin"])
    return ui.window.pages["checkin"]


def type_number(qtbot, stepper, text: str) -> None:
    """Select what the box holds and type over it, as a nurse with a keyboard would."""
    stepper.box.setFocus()
    qtbot.keyClick(stepper.box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(stepper.box, text)


def test_the_total_shows_live_and_an_out_of_bounds_dose_is_said(ui, qtbot):
    checkin = _to_checkin(ui, qtbot)
    assert checkin.total.text() == "35 mg · 52.5 mg/h"             # the room's defaults: 70 kg, 0.5 mg/kg, 40 min
    for _ in range(4):
        click(qtbot, checkin.weight.plus)                          # 72 kg
    click(qtbot, checkin.dose.plus)                                # 0.55 mg/kg
    assert checkin.total.text() == "39.6 mg · 59.4 mg/h"
    assert "0.55 mg/kg × 72 kg over 40 min" in checkin.plan.text()

    type_number(qtbot, checkin.dose, "5")
    assert checkin.dose.value() == 5                               # taken as typed, not clamped or dropped
    assert checkin.plan.text() == "Dose 5 mg/kg is outside the allowed 0.1–2 mg/kg."
    assert checkin.plan.isVisible() and checkin.plan.objectName() == "error"
    assert checkin.total.text() == "" and not checkin.open_button.isEnabled()
    type_number(qtbot, checkin.dose, "0.5")
    assert checkin.open_button.isEnabled() and checkin.total.text() == "36 mg · 54 mg/h"


def test_a_high_dose_needs_the_confirmation(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    checkin = _to_checkin(ui, qtbot)
    qtbot.keyClicks(checkin.patient_ref, "PT-3001")
    type_number(qtbot, checkin.dose, "2")
    assert checkin.total.text() == "140 mg · 210 mg/h"
    assert "Above the usual maximum of 1 mg/kg" in checkin.plan.text()

    click(qtbot, checkin.open_button)                              # refused by the room core …
    confirm = window.pages["dose_confirm"]
    qtbot.waitUntil(lambda: window.current == "dose_confirm", timeout=WAIT_MS)   # … answered by the page
    assert c.last.phase == "idle" and "session.opened" not in [e.kind for e in room.log.events()]
    assert confirm.total.text() == "140 mg" and confirm.total.isVisible()
    assert confirm.total.font().pixelSize() >= 100 or "112px" in confirm.total.styleSheet()
    assert "2 mg/kg × 70 kg · 210 mg/h over 40 min" == confirm.detail.text()
    assert "usual maximum of 1 mg/kg" in confirm.limit.text() and "PT-3001" in confirm.patient.text()

    click(qtbot, confirm.confirm)                                  # a tap is not a confirmation
    assert c.last.phase == "idle" and window.current == "dose_confirm"
    hold(qtbot, confirm.confirm)
    wait_phase(qtbot, ui, "pre_infusion")
    qtbot.waitUntil(lambda: window.current == "checkin", timeout=WAIT_MS)
    events = [e for e in room.log.events() if e.kind in ("session.opened", "dose.high_confirmed")]
    assert [e.kind for e in events] == ["session.opened", "dose.high_confirmed"]
    assert all(e.actor == NURSE for e in events)
    assert events[1].payload == {"dose_mg_per_kg": 2.0, "total_dose_mg": 140.0, "rate_mg_per_h": 210.0,
                                 "soft_max_mg_per_kg": 1.0}
    assert checkin.total.text() == "140 mg · 210 mg/h"


def test_a_correction_from_the_timeline(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    checkin = _to_checkin(ui, qtbot)
    qtbot.keyClicks(checkin.patient_ref, "PT-4001")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    click(qtbot, checkin.back)
    timeline = window.main.timeline

    def row(prefix: str):
        return next(timeline.list.item(i) for i in range(timeline.list.count())
                    if prefix in timeline.list.item(i).text())

    qtbot.waitUntil(lambda: any("Session opened" in timeline.list.item(i).text()
                                for i in range(timeline.list.count())), timeout=WAIT_MS)
    item = row("Session opened")
    assert "35 mg over 40 min" in item.text()
    timeline.list.scrollToItem(item)
    qtbot.mouseClick(timeline.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=timeline.list.visualItemRect(item).center())
    page = window.pages["correction"]
    assert window.current == "correction" and page.heading.text() == "Correct: dose plan"
    assert page.inputs["weight_kg"].value() == 70 and page.inputs["dose_mg_per_kg"].value() == 0.5
    assert "patient_ref" not in page.inputs and "total_dose_mg" not in page.inputs   # computed or fixed

    assert page.plan.isVisible() and page.plan.text().startswith("35 mg · 52.5 mg/h")
    for _ in range(10):
        click(qtbot, page.inputs["weight_kg"].plus)               # 75 kg
    # the new total and rate, live, from the domain's arithmetic
    assert page.plan.text() == "37.5 mg · 56.25 mg/h   (was 35 mg · 52.5 mg/h)"
    click(qtbot, page.save)                                        # no reason yet: refused, said
    qtbot.waitUntil(lambda: "a reason for the correction is required" in page.message.text(), timeout=WAIT_MS)
    click(qtbot, page.reasons.buttons["Re-measured"])
    click(qtbot, page.save)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)

    [fix] = [e for e in room.log.events() if e.kind == "event.corrected"]
    assert fix.actor == NURSE and fix.payload["reason"] == "Re-measured"
    assert fix.payload["changes"] == {"weight_kg": 75.0, "total_dose_mg": 37.5, "rate_mg_per_h": 56.25}
    qtbot.waitUntil(lambda: any("Corrected #" in timeline.list.item(i).text()
                                for i in range(timeline.list.count())), timeout=WAIT_MS)
    assert "37.5 mg over 40 min" in row("Session opened").text()
    # the correction line reads as a nurse says it
    assert "weight 70 → 75 kg, total dose 35 → 37.5 mg, rate 52.5 → 56.25 mg/h" in row("Corrected #").text()
    assert row("Session opened").text().endswith("✎ corrected")
    assert c.last.session.plan["total_dose_mg"] == 37.5
