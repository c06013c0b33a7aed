"""A whole session run from the screen by pressing its buttons, with simulated devices: sign in, check in,
start, an alarm raised and acknowledged, pause and resume, complete, recovery, PADSS, discharge; then lock,
the patient's controls and Call nurse; and the event log that all of it left."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, sign_in, type_pin, wait_phase


def test_a_whole_session_from_the_screen(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    lock = window.pages["lock"]
    assert window.current == "lock" and not window.topbar.isVisible()

    # -- sign in: a wrong PIN first -------------------------------------------------------------------
    sign_in(qtbot, ui, NURSE, "1357")
    qtbot.waitUntil(lambda: "wrong PIN" in lock.message.text(), timeout=WAIT_MS)
    assert window.current == "lock"
    type_pin(qtbot, lock, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    assert "Ada Lovelace" in window.topbar.who.text()

    # -- check in ---------------------------------------------------------------------------------------
    main = window.main
    click(qtbot, main.card.b["checkin"])
    checkin = window.pages["checkin"]
    assert window.current == "checkin"
    qtbot.keyClicks(checkin.patient_ref, "PT-1042")
    for _ in range(5):
        click(qtbot, checkin.weight.plus)  # 70 → 72.5 kg
    click(qtbot, checkin.course.plus)
    click(qtbot, checkin.course.plus)
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    assert room.state.session.plan["weight_kg"] == 72.5 and room.state.session.course_no == 3

    click(qtbot, checkin.start)  # refused by the room core: the reason is shown as is
    qtbot.waitUntil(lambda: "not yet confirmed" in checkin.message.text(), timeout=WAIT_MS)

    for item, b in checkin.items.items():
        click(qtbot, b)
        qtbot.waitUntil(lambda item=item: item in room.state.session.checklist, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "npo" in c.last.session.checklist, timeout=WAIT_MS)

    qtbot.waitUntil(lambda: c.last.vitals.get("nibp_systolic") is not None, timeout=WAIT_MS)
    click(qtbot, checkin.capture)
    qtbot.waitUntil(lambda: room.state.session.baseline is not None or "monitor" in checkin.message.text(),
                    timeout=WAIT_MS)
    if room.state.session.baseline is None:  # the monitor had too little yet: typed in instead
        click(qtbot, checkin.record)
        qtbot.waitUntil(lambda: room.state.session.baseline is not None, timeout=WAIT_MS)

    # -- the patient fills in PHQ-9 on the patient's page (the screen locks); item 9 flags the nurse ------
    click(qtbot, checkin.phq)
    forms = window.pages["patient_forms"]
    qtbot.waitUntil(lambda: c.staff is None, timeout=WAIT_MS)
    assert window.current == "patient_forms" and not window.topbar.isVisible()
    for _ in forms.items:
        click(qtbot, forms.answer_buttons[1])
    click(qtbot, forms.send)
    qtbot.waitUntil(forms.finish.isVisible, timeout=WAIT_MS)
    click(qtbot, forms.finish)
    assert window.current == "lock"
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main" and window.flag.isVisible(), timeout=WAIT_MS)
    assert "item 9" in window.flag.text.text()
    click(qtbot, window.flag.ack)
    qtbot.waitUntil(lambda: not window.flag.isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["continue"])
    scale = window.pages["scale"]

    qtbot.waitUntil(lambda: checkin.start.isVisible() and c.last.session.baseline is not None, timeout=WAIT_MS)
    click(qtbot, checkin.start)
    wait_phase(qtbot, ui, "infusing")
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)

    # -- an alarm: the simulated patient desaturates; held past the delay; acknowledged ------------------
    ui.devices.vitals.add_event("desaturation", 120, magnitude=1.6)  # outlasts the checks below
    qtbot.waitUntil(lambda: (c.last.vitals["spo2"].value or 100) < 88, timeout=15000)
    ui.clock.advance(16)  # past the 15 s condition delay
    qtbot.waitUntil(lambda: any(a.condition == "spo2.low" for a in c.last.alarms), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.banner.isVisible() and window.banner.priority == "high", timeout=WAIT_MS)
    assert "SpO₂ low" in window.banner.text.text()
    assert main.vitals.spo2.alarm == "high" and window.topbar.lock_button.isVisible()  # Lock stays reachable
    click(qtbot, window.banner.pause)
    qtbot.waitUntil(lambda: c.last.audio_paused_until is not None, timeout=WAIT_MS)
    click(qtbot, window.banner.ack)
    qtbot.waitUntil(lambda: all(a.acknowledged_by == NURSE for a in c.last.alarms
                                if a.condition == "spo2.low"), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "✓ " + NURSE in window.banner.text.text(), timeout=WAIT_MS)  # still active: stays

    # -- quick events --------------------------------------------------------------------------------
    click(qtbot, main.quick.buttons["nausea"])
    click(qtbot, main.quick.severity["moderate"])
    qtbot.waitUntil(lambda: "Noted: nausea (moderate)" in main.timeline.status.text(), timeout=WAIT_MS)
    click(qtbot, main.quick.buttons["medication"])
    med = window.pages["medication"]
    click(qtbot, med.presets.buttons["Ondansetron"])
    click(qtbot, med.save)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)

    # -- pause (reason chosen by touch) and resume ---------------------------------------------------
    click(qtbot, main.card.b["pause"])
    click(qtbot, main.card.reasons.choice.buttons["Bathroom"])
    click(qtbot, main.card.reasons.tap)
    wait_phase(qtbot, ui, "paused")
    qtbot.waitUntil(lambda: main.card.b["resume"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["resume"])
    wait_phase(qtbot, ui, "infusing")

    # -- CADSS-6 by the nurse during the infusion ----------------------------------------------------
    qtbot.waitUntil(lambda: main.card.b["cadss"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["cadss"])
    for choice in scale.form.answers.values():
        click(qtbot, choice.buttons[0])
    click(qtbot, scale.form.save)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)

    # -- complete after the planned time; recovery ---------------------------------------------------
    assert not main.card.b["complete"].isEnabled()
    ui.clock.advance(40 * 60)
    qtbot.waitUntil(lambda: main.card.b["complete"].isEnabled(), timeout=WAIT_MS)
    click(qtbot, main.card.b["complete"])
    wait_phase(qtbot, ui, "recovery")

    # -- discharge: PADSS, escort, minimum recovery time ----------------------------------------------
    qtbot.waitUntil(lambda: main.card.b["discharge"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["discharge"])
    discharge = window.pages["discharge"]
    for choice in discharge.padss.answers.values():
        click(qtbot, choice.buttons[2])
    assert discharge.padss.total() == 10
    click(qtbot, discharge.padss.save)
    qtbot.waitUntil(lambda: c.last.session.scores.get("PADSS") == 10, timeout=WAIT_MS)
    click(qtbot, discharge.escort)
    hold(qtbot, discharge.discharge)
    qtbot.waitUntil(lambda: "discharge needs at least 30 min" in discharge.message.text(), timeout=WAIT_MS)
    ui.clock.advance(31 * 60)
    ui.devices.vitals.model.events = []  # the patient's SpO2 recovers: an active high alarm would hold discharge
    qtbot.waitUntil(lambda: not any(a.priority == "high" for a in c.last.alarms), timeout=15000)
    hold(qtbot, discharge.discharge)
    wait_phase(qtbot, ui, "discharged")
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)

    # -- lock; the patient's controls within limits; call the nurse -----------------------------------
    click(qtbot, window.topbar.lock_button)
    qtbot.waitUntil(lambda: window.current == "lock", timeout=WAIT_MS)
    assert not window.topbar.isVisible() and not window.banner.isVisible()
    light = lock.ambient.light.slider
    # the patient's limits in the discharge scene (the room's; the infusion scene's were 5–30)
    qtbot.waitUntil(lambda: (light.minimum(), light.maximum()) == (5, 70), timeout=WAIT_MS)
    qtbot.mouseClick(light, Qt.MouseButton.LeftButton, pos=QPoint(light.width() - 5, light.height() // 2))
    assert not lock.ambient.next.isEnabled()  # no sound device in this room: nothing to skip
    volume = lock.ambient.volume.slider
    qtbot.mouseClick(volume, Qt.MouseButton.LeftButton, pos=QPoint(5, volume.height() // 2))
    click(qtbot, lock.call)
    qtbot.waitUntil(lambda: "called" in lock.called.text(), timeout=WAIT_MS)

    # -- the event log ---------------------------------------------------------------------------------
    events = list(room.log.events())
    by = lambda kind: [e for e in events if e.kind == kind]  # noqa: E731
    sequence = [e.kind for e in events if e.kind in CLINICAL]
    assert sequence == EXPECTED, sequence
    assert by("staff.pin_rejected")[0].payload == {"staff_id": NURSE, "failures": 1}
    assert by("staff.unlocked")[0].actor == NURSE
    assert {e.actor for e in events if e.kind in CLINICAL and e.kind not in ("alarm.raised",)} - {"patient"} == \
        {NURSE}
    phq = [e for e in by("assessment.recorded") if e.payload["scale"] == "PHQ-9"][0]
    assert phq.actor == "patient" and phq.payload["items"]["q9"] == 1
    assert by("infusion.paused")[0].payload["reason"] == "Bathroom"
    assert by("medication.given")[0].payload == {"drug": "Ondansetron", "dose": 4.0, "unit": "mg", "route": "IV",
                                                 "indication": "nausea"}
    assert by("symptom.noted")[0].payload == {"symptom": "nausea", "severity": "moderate"}
    assert by("session.discharged")[0].payload["escort_confirmed"] is True
    assert by("alarm.acknowledged")[0].payload["condition"] == "spo2.low"
    patient = [e for e in events if e.actor == "patient"]
    assert [e.kind for e in patient][-3:] == ["ambient.changed", "ambient.changed", "nurse.called"]
    assert patient[-3].payload == {"target": "light", "value": 15.0} or patient[-3].payload["value"] <= 70
    assert by("staff.locked")[-1].payload["staff_id"] == NURSE


CLINICAL = ("session.opened", "checklist.confirmed", "vitals.baseline", "infusion.started", "alarm.raised",
            "alarm.audio_paused", "alarm.acknowledged", "symptom.noted", "medication.given", "infusion.paused", "infusion.resumed",
            "infusion.completed", "recovery.started", "session.discharged", "nurse.called")
EXPECTED = ["session.opened"] + ["checklist.confirmed"] * 5 + [
    "vitals.baseline", "infusion.started", "alarm.raised", "alarm.audio_paused", "alarm.acknowledged",
    "symptom.noted",
    "medication.given", "infusion.paused", "infusion.resumed", "infusion.completed", "recovery.started",
    "session.discharged", "nurse.called"]
