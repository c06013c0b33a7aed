"""The controlled-substance page by its real buttons: the draw before the start, then in recovery the waste with
its arithmetic, signed on one PIN pad by the nurse and then a second nurse (a wrong witness PIN refused and
counted, then both PINs again), and discharge refused in plain words until the drug is reconciled."""

from __future__ import annotations

from PySide6.QtCore import Qt

from roomcontrol.cli.staff import add_staff
from tests.core.helpers import OPEN_ARGS, PADSS_10, confirm_checks
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase

WITNESS, WITNESS_PIN = "rn.bo", "1357"


def _type(qtbot, line, text: str) -> None:
    line.clear()
    qtbot.keyClicks(line, text)


def _set(qtbot, stepper, value: str) -> None:
    stepper.box.selectAll()
    qtbot.keyClicks(stepper.box, value)
    qtbot.keyClick(stepper.box, Qt.Key.Key_Tab)


def _pin(qtbot, pad, pin: str) -> None:
    for digit in pin:
        click(qtbot, pad.keys[digit])
    click(qtbot, pad.keys["Enter"])


def test_a_witnessed_waste_with_two_pins_by_the_real_buttons(ui, qtbot, tmp_path):
    room, window, card = ui.room, ui.window, ui.window.main.card
    add_staff(room.db_path.parent, WITNESS, "Bo Chen", "nurse", WITNESS_PIN)
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    c = room.command
    c("open_session", NURSE, **OPEN_ARGS)
    wait_phase(qtbot, ui, "pre_infusion")

    click(qtbot, card.b["drawn"])  # Drawn… on the card, before the start
    qtbot.waitUntil(lambda: window.current == "controlled", timeout=WAIT_MS)
    page = window.pages["controlled"]
    assert page.drug.text() == "Ketamine"
    _set(qtbot, page.conc, "10")
    _set(qtbot, page.volume, "5")
    assert page.holds.text() == "= 50 mg"
    _type(qtbot, page.lot, "KT2291A")
    _type(qtbot, page.expiry, "2020-01")
    click(qtbot, page.record)  # an expired vial: refused, said on the page, nothing logged
    qtbot.waitUntil(lambda: "expired on 2020-01-31: do not use it" in page.draw_message.text(), timeout=WAIT_MS)
    _type(qtbot, page.expiry, "2030-06")
    click(qtbot, page.record)
    qtbot.waitUntil(lambda: "lot KT2291A · exp 2030-06-30 · by Ada Lovelace" in page.draws.text(), timeout=WAIT_MS)
    assert NURSE not in page.draws.text()  # the nurse's name, as the sign-in screen shows it, not her staff id
    assert [e.payload["mg"] for e in room.log.events() if e.kind == "cs.drawn"] == [50.0]
    assert not page.pad.isEnabled()  # no waste before the infusion has ended

    confirm_checks(ui.room)
    c("start_infusion", NURSE)
    ui.clock.advance(40 * 60)
    c("complete_infusion", NURSE)
    ui.clock.advance(30 * 60)
    c("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    wait_phase(qtbot, ui, "recovery")
    refused = []
    ui.controller.ops.discharge(True, on_error=refused.append)
    qtbot.waitUntil(lambda: bool(refused), timeout=WAIT_MS)
    assert refused[0] == ("cannot discharge: the ketamine drawn (50 mg, lot KT2291A) is not reconciled: record "
                          "the waste with a witness before discharge")

    window.go("main")
    click(qtbot, card.b["waste"])
    qtbot.waitUntil(lambda: window.current == "controlled" and page.witness is not None
                    and WITNESS in page.witness.buttons, timeout=WAIT_MS)
    assert NURSE not in page.witness.buttons  # she cannot pick herself
    qtbot.waitUntil(lambda: "− given 40 mg = 10 mg to waste (1 mL at 10 mg/mL)" in page.sums.text(),
                    timeout=WAIT_MS)
    assert page.wasted.value() == 1.0 and "discrepancy 0 mg (within 0.5 mg)" in page.balance.text()
    window.grab().save(str(tmp_path / "controlled-1280.png"))
    assert window.minimumSizeHint().height() <= 800 and window.height() <= 800  # the pad fits at 1280×800

    _pin(qtbot, page.pad, PIN)  # the nurse signs…
    assert page.step.text().startswith("2 · Witness")
    click(qtbot, page.witness.buttons[WITNESS])
    _pin(qtbot, page.pad, "9999")  # …the witness mistypes: refused, counted, both sign again
    qtbot.waitUntil(lambda: "witness: wrong PIN; 4 tries left" in page.waste_message.text(), timeout=WAIT_MS)
    assert page.step.text().startswith("1 · Nurse")
    assert [e.payload["staff_id"] for e in room.log.events() if e.kind == "staff.pin_rejected"] == [WITNESS]
    assert not [e for e in room.log.events() if e.kind == "cs.wasted"]

    _pin(qtbot, page.pad, PIN)
    _pin(qtbot, page.pad, WITNESS_PIN)
    qtbot.waitUntil(lambda: "Waste recorded and witnessed." in page.waste_message.text(), timeout=WAIT_MS)
    wasted = [e for e in room.log.events() if e.kind == "cs.wasted"]
    assert len(wasted) == 1 and wasted[0].actor == NURSE
    assert wasted[0].payload | {} == {"mg": 10.0, "ml": 1.0, "witness": WITNESS, "given_mg": 40.0, "drawn_mg": 50.0,
                                      "discrepancy_mg": 0.0, "tolerance_mg": 0.5, "explanation": None}
    qtbot.waitUntil(lambda: "witnessed by Bo Chen" in page.sums.text(), timeout=WAIT_MS)
    assert WITNESS not in page.sums.text()
    assert not page.pad.isEnabled()  # no second waste, no later co-signature

    window.go("discharge")
    discharge = window.pages["discharge"]
    discharge.escort.setChecked(True)
    ui.controller.ops.discharge(True)
    wait_phase(qtbot, ui, "discharged")
