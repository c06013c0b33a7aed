"""Issue 15 items 7 and 8 by the real buttons: an esketamine discharge. The screen shows the protocol's unmet rules
in plain words; the Discharge button names the REMS form's missing fields until the nurse has entered them (yes/no
buttons, texts, the minutes stepper; the BPs come filled from the readings); a nurse's PIN does not sign an
override; an administrator signs with their own PIN on the same screen; the room logs the overrides under the
administrator and the REMS form and discharge under the nurse."""

from __future__ import annotations

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.ui.widgets.buttons import HoldButton
from tests.core.discharge_help import CADSS_0, vitals
from tests.core.helpers import PADSS_10, dose_esketamine, protocols_config
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, room_window, sign_in, wait_phase

ADMIN, ADMIN_PIN = "adm.kim", "3579"


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    add_staff(tmp_path, ADMIN, "Kim Park", "admin", ADMIN_PIN)
    with room_window(tmp_path, qtbot, protocols_config(["esketamine-nasal"])) as ui:
        yield ui


def _to_recovery(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    room = ui.room
    dose_esketamine(room, 5, patient_ref="PT-5150", weight_kg=80, dose_mg=56)
    ui.clock.advance(125 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    room.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    vitals(room, hr=70, sys_=122, dia=80)   # MOAA/S left unscored: its rule stays unmet
    wait_phase(qtbot, ui, "recovery")
    main = ui.window.main
    qtbot.waitUntil(lambda: main.card.b["discharge"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["discharge"])
    return ui.window.pages["discharge"]


def _yes_no(qtbot, rems, key, yes):
    click(qtbot, rems.choices[key].buttons[yes])


def test_an_esketamine_discharge_with_the_rems_form_and_an_administrators_override(ui, qtbot):
    d = _to_recovery(ui, qtbot)
    rems, rules = d.rems, d.rules
    qtbot.waitUntil(lambda: d.pages.isVisible(), timeout=WAIT_MS)
    # the unmet rules in plain words; the button says what the REMS form still needs
    click(qtbot, d.pages.buttons["rules"])
    qtbot.waitUntil(lambda: rules.rows["moaas"].isVisible(), timeout=WAIT_MS)
    assert rules.says["moaas"].text() == "No MOAA/S scored since the last dose; 5 is required"
    assert rules.rows["escort"].isVisible() and not rules.rows["monitoring"].isVisible()
    assert not d.discharge.isEnabled() and d.discharge.text() == "REMS form: 13 answers missing"
    assert d.missing.text().startswith("REMS form missing: Lot number, Benzodiazepines, ")
    assert d.missing.text().endswith(" and 10 more")  # the first three named: Discharge stays on the screen
    assert ui.window.minimumSizeHint().height() <= 800 and ui.window.height() <= 800
    d.grab().save("/tmp/discharge-rules.png")
    click(qtbot, d.pages.buttons["rems"])
    # filled from the session and the readings: monitoring staff, BP before dosing and at the end
    assert rems.texts["monitored_by"].text() == "Ada Lovelace"
    assert rems.texts["bp_pre"].text() == "120/80"
    d.grab().save("/tmp/discharge-rems-empty.png")

    for key in ("benzodiazepines", "sedative_hypnotics", "psychostimulants", "maois", "dissociation",
                "respiratory_depression", "serious_adverse_events"):
        _yes_no(qtbot, rems, key, False)
    _yes_no(qtbot, rems, "sedation", True)
    assert "Sedation resolved?" in rems.missing()
    _yes_no(qtbot, rems, "sedation_resolved", True)
    _yes_no(qtbot, rems, "vitals_ok_before", True)
    _yes_no(qtbot, rems, "vitals_ok_end", True)
    d.grab().save("/tmp/discharge-rems-half.png")
    qtbot.keyClicks(rems.texts["lot"], "EK2291")
    if not rems.texts["bp_end"].text():
        qtbot.keyClicks(rems.texts["bp_end"], "122/80")
    rems.texts["bp_40"].clear()
    qtbot.keyClicks(rems.texts["bp_40"], "138/86")           # the nurse confirms or corrects the ~40 min BP
    for _ in range(18):                                       # ready to leave 90 min after the first device
        click(qtbot, rems.ready.plus)
    assert rems.missing() == [] and d.discharge.isEnabled() and d.discharge.text() == "Hold to discharge"

    # the escort, with a phone number
    qtbot.keyClicks(d.escort_name, "Grace Hopper")
    qtbot.keyClicks(d.escort_phone, "+1 555 010 2030")
    qtbot.waitUntil(lambda: not rules.rows["escort"].isVisible(), timeout=WAIT_MS)

    # held by MOAA/S: the room refuses, in the same words
    hold(qtbot, d.discharge)
    qtbot.waitUntil(lambda: "No MOAA/S scored" in d.message.text(), timeout=WAIT_MS)
    assert ui.room.state.phase == "recovery"

    # the nurse's own PIN does not sign an override
    click(qtbot, d.pages.buttons["rules"])
    unmet = [r for r, row in rules.rows.items() if row.isVisible()]
    for rule in unmet:
        qtbot.keyClicks(rules.reasons[rule], "baseline MOAA/S is 4: hearing loss" if rule == "moaas" else "seen")
    qtbot.keyClicks(rules.admin, NURSE)
    qtbot.keyClicks(rules.pin, PIN)
    click(qtbot, rules.sign)
    qtbot.waitUntil(lambda: "not an administrator" in rules.signed.text(), timeout=WAIT_MS)
    assert rules.signed_by is None

    # the administrator signs with their PIN on the same screen; the nurse stays signed in
    rules.admin.clear()
    qtbot.keyClicks(rules.admin, ADMIN)
    qtbot.keyClicks(rules.pin, ADMIN_PIN)
    click(qtbot, rules.sign)
    qtbot.waitUntil(lambda: rules.signed_by == ADMIN, timeout=WAIT_MS)
    assert rules.signed.text().startswith("Signed by Kim Park (administrator)")
    assert ui.controller.staff["staff_id"] == NURSE
    d.grab().save("/tmp/discharge-rems-filled.png")
    ui.window.resize(1920, 1080)
    click(qtbot, d.pages.buttons["rems"])
    qtbot.wait(50)
    d.grab().save("/tmp/discharge-rems-1920.png")  # looked at in review: both sizes readable
    hold(qtbot, d.discharge)
    wait_phase(qtbot, ui, "discharged")

    log = [e for e in ui.room.log.events() if e.kind in ("discharge.rule_overridden", "rems.form_completed",
                                                         "session.discharged")]
    assert [e.kind for e in log][-2:] == ["rems.form_completed", "session.discharged"]
    overrides = [e for e in log if e.kind == "discharge.rule_overridden"]
    assert {e.payload["rule"] for e in overrides} == set(unmet) and all(e.actor == ADMIN for e in overrides)
    moaas = next(e for e in overrides if e.payload["rule"] == "moaas")
    assert moaas.payload == {"rule": "moaas", "says": "No MOAA/S scored since the last dose; 5 is required",
                             "reason": "baseline MOAA/S is 4: hearing loss"}
    form = log[-2].payload
    assert log[-2].actor == NURSE and form["lot"] == "EK2291" and form["ready_min"] == 90
    assert form["blood_pressure"]["bp_pre"] == [120, 80] and form["blood_pressure"]["bp_40"] == [138, 86]
    assert form["sedation"] == {"observed": True, "resolved": True} and form["dose_mg"] == 56.0
    assert form["total_monitoring_min"] >= 130
    assert log[-1].payload["escort"] == {"name": "Grace Hopper", "phone": "+1 555 010 2030"}


def test_the_bp_at_about_40_minutes_is_the_stored_reading_nearest_to_it():
    from datetime import datetime, timedelta, timezone

    from roomcontrol.ui.screens.discharge import near_bp
    t0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)
    target = (t0 + timedelta(minutes=40)).timestamp()

    def row(kind, value, minute):
        return {"kind": kind, "value": value, "ts": (t0 + timedelta(minutes=minute)).isoformat()}
    rows = [row("nibp_systolic", 150, 30), row("nibp_diastolic", 95, 30), row("nibp_systolic", 142, 41),
            row("nibp_diastolic", 88, 41), row("nibp_systolic", 130, 60), row("nibp_diastolic", 82, 60)]
    assert near_bp(rows, target) == "142/88"
    assert near_bp(rows[4:], target) == ""          # 20 min away: not "about 40 min"
    assert near_bp(rows[2:3], target) == ""         # a systolic without its diastolic
