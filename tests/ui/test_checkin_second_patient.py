"""Issue 11, item 1: every check-in starts empty but for the room's defaults. A first patient checked in (weight,
dose, course, a baseline, its "Baseline recorded" message) and aborted from the room; the second check-in by the
buttons shows empty fields, and the reference typed is exactly the new one."""

from __future__ import annotations

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, sign_in, wait_phase


def test_a_second_check_in_starts_empty(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    policy = c.config.session
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    main, checkin = window.main, window.pages["checkin"]

    # -- the first patient: everything the form holds is changed from its defaults -----------------------
    click(qtbot, main.card.b["checkin"])
    qtbot.keyClicks(checkin.patient_ref, "PT-2001")
    for _ in range(4):
        click(qtbot, checkin.weight.plus)      # 70 → 72 kg
    click(qtbot, checkin.dose.plus)            # 0.5 → 0.55 mg/kg
    click(qtbot, checkin.course.plus)          # course 2
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    click(qtbot, checkin.items["consent"])
    click(qtbot, checkin.record)
    qtbot.waitUntil(lambda: checkin.message.text() == "Baseline recorded", timeout=WAIT_MS)
    assert checkin.baseline.text().startswith("✓ HR")

    # -- aborted from the room ----------------------------------------------------------------------
    click(qtbot, checkin.back)
    click(qtbot, main.card.b["abort"])
    click(qtbot, main.card.reasons.choice.buttons["Patient declined"])
    hold(qtbot, main.card.reasons.hold)
    wait_phase(qtbot, ui, "aborted")

    # -- the second check-in: empty but for the room's defaults ----------------------------------------
    qtbot.waitUntil(lambda: main.card.b["checkin"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["checkin"])
    assert window.current == "checkin"
    assert checkin.patient_ref.text() == "" and checkin.patient_ref.isEnabled()
    assert checkin.weight.value() == 70 and checkin.dose.value() == policy.default_dose_mg_per_kg
    assert checkin.course.value() == 1 and checkin.minutes.value() == policy.planned_infusion_min
    assert checkin.message.text() == "" and checkin.baseline.text() == "" and not checkin.prompt.isVisible()
    assert checkin.open_button.isVisible() and checkin.open_button.isEnabled()
    assert all(b.text() == "Confirm" for b in checkin.items.values())
    assert checkin.total.text() == "35 mg · 52.5 mg/h"      # 70 kg × 0.5 mg/kg over 40 min, live

    qtbot.keyClicks(checkin.patient_ref, "PT-2002")
    click(qtbot, checkin.open_button)
    qtbot.waitUntil(lambda: c.last.phase == "pre_infusion" and c.last.session.patient_ref == "PT-2002",
                    timeout=WAIT_MS)
    opened = [e for e in room.log.events() if e.kind == "session.opened"]
    assert [e.payload["patient_ref"] for e in opened] == ["PT-2001", "PT-2002"]
    assert opened[1].payload["course_no"] == 1 and opened[1].payload["weight_kg"] == 70
    assert opened[1].actor == NURSE
    assert checkin.message.text() == "Session opened: now the checklist"
