"""Titration on the room screen by its real buttons: "Change rate…" on the session card, the new rate in mg/h with
its mL/h and mg/kg, a reason chosen from the list, the high-dose confirmation for a high rate; the card shows the rate
the pump runs at and the dose given so far."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.core.helpers import OPEN_ARGS, confirm_checks
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase


def _infusing(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    c = ui.room.command
    c("open_session", NURSE, **OPEN_ARGS, concentration_mg_per_ml=2.0)  # 60 mg/h = 30 mL/h
    confirm_checks(ui.room)
    c("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")


def _type_rate(qtbot, panel, rate: str) -> None:
    box = panel.rate.box
    box.selectAll()
    qtbot.keyClicks(box, rate)
    qtbot.keyClick(box, Qt.Key.Key_Tab)


def _given(card) -> float:
    """The dose given so far, as the card shows it ('given 10.0 mg'); -1 before it shows one."""
    text = card.dose.text()
    return float(text.rsplit("given ", 1)[1].split(" ")[0]) if "given " in text else -1.0


def _changes(room):
    return [e for e in room.log.events() if e.kind in ("infusion.rate_changed", "dose.high_confirmed")]


def test_the_rate_is_changed_from_the_card_with_a_reason_and_a_high_rate_is_confirmed(ui, qtbot):
    room, card = ui.room, ui.window.main.card
    _infusing(ui, qtbot)
    qtbot.waitUntil(lambda: "60 mg/h · 30 mL/h" in card.dose.text() and _given(card) < 0.6, timeout=WAIT_MS)
    ui.clock.advance(10 * 60)
    qtbot.waitUntil(lambda: 10.0 <= _given(card) < 10.6, timeout=WAIT_MS)

    click(qtbot, card.b["rate"])
    panel = card.rate_panel
    assert card.stack.currentWidget() is panel and panel.rate.value() == 60
    _type_rate(qtbot, panel, "30")
    assert panel.message.text() == "= 15 mL/h · 0.25 mg/kg over 40 min"
    click(qtbot, panel.set)  # no reason yet: refused by the room, said in the panel, nothing logged
    qtbot.waitUntil(lambda: "a reason for the rate change is required" in panel.message.text(), timeout=WAIT_MS)
    assert _changes(room) == []
    click(qtbot, panel.choice.buttons["Dissociated"])
    click(qtbot, panel.set)
    qtbot.waitUntil(lambda: card.stack.currentWidget() is card.action_row, timeout=WAIT_MS)
    [changed] = _changes(room)
    assert changed.actor == NURSE and changed.payload["from_mg_per_h"] == 60.0
    assert changed.payload["to_mg_per_h"] == 30.0 and changed.payload["reason"] == "Dissociated"
    qtbot.waitUntil(lambda: "30 mg/h · 15 mL/h (planned 60)" in card.dose.text(), timeout=WAIT_MS)

    ui.clock.advance(10 * 60)  # + 5 mg at 30 mg/h
    qtbot.waitUntil(lambda: 15.0 <= _given(card) < 15.6, timeout=WAIT_MS)

    # a rate above the usual maximum over the planned time: refused, then confirmed in the panel
    click(qtbot, card.b["rate"])
    assert panel.rate.value() == 30
    _type_rate(qtbot, panel, "150")
    assert panel.message.text() == "= 75 mL/h · 1.25 mg/kg over 40 min"
    qtbot.keyClicks(panel.other, "pain not controlled")
    click(qtbot, panel.set)
    qtbot.waitUntil(panel.confirm.isVisible, timeout=WAIT_MS)
    assert "above the clinic's usual maximum of 1 mg/kg" in panel.message.text() and not panel.set.isVisible()
    assert len(_changes(room)) == 1
    click(qtbot, panel.confirm)
    qtbot.waitUntil(lambda: card.stack.currentWidget() is card.action_row, timeout=WAIT_MS)
    confirmed, changed = _changes(room)[1:]
    assert confirmed.kind == "dose.high_confirmed" and confirmed.actor == NURSE
    assert changed.payload["to_mg_per_h"] == 150.0 and changed.payload["reason"] == "pain not controlled"
    ui.clock.advance(4 * 60)  # + 10 mg at 150 mg/h
    qtbot.waitUntil(lambda: "150 mg/h · 75 mL/h" in card.dose.text() and 25.0 <= _given(card) < 26.0,
                    timeout=WAIT_MS)  # the clock runs on in real time: a loaded machine's seconds add a little


def test_the_rate_panel_cancels_and_is_there_while_paused(ui, qtbot):
    card = ui.window.main.card
    _infusing(ui, qtbot)
    ui.room.command("pause_infusion", NURSE, reason="bathroom")
    wait_phase(qtbot, ui, "paused")
    qtbot.waitUntil(lambda: card.b["rate"].isVisible(), timeout=WAIT_MS)
    click(qtbot, card.b["rate"])
    _type_rate(qtbot, card.rate_panel, "45")
    click(qtbot, card.rate_panel.cancel)
    assert card.stack.currentWidget() is card.action_row
    assert [e for e in ui.room.log.events() if e.kind == "infusion.rate_changed"] == []
    ui.room.command("stop_infusion", NURSE, reason="done")
    wait_phase(qtbot, ui, "recovery")
    qtbot.waitUntil(lambda: not card.b["rate"].isVisible(), timeout=WAIT_MS)
    given = ui.window.pages["discharge"].given
    qtbot.waitUntil(lambda: given.text().startswith("Ketamine given ") and "of 40 mg planned" in given.text(),
                    timeout=WAIT_MS)
