"""Issue 15 item 2 by the real buttons: an overdue BP and MOAA/S prompt on the room screen (warning colour,
readable across the room), answered by "Measure now" (the simulated monitor's cuff), "Chart reading" (the last
reading charted as vitals.validated) and the MOAA/S form."""

from __future__ import annotations

import os

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.config import load_config
from roomcontrol.devices.vitals.simulator import SimulatedVitalsDriver
from roomcontrol.domain import kinds as K
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import HoldButton
from tests.core.helpers import walk_to
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, room_window, sign_in

SHOTS = os.environ.get("ROOMCONTROL_SHOTS")  # a folder: the test saves what it showed, to look at


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    monkeypatch.setattr(SimulatedVitalsDriver, "CUFF_S", 1.0)  # the 30 s cuff in a second of real time
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    with room_window(tmp_path, qtbot, load_config(None), idle_lock_s=3600) as ui:
        yield ui


def prompts(strip) -> list[str]:
    return [r.text.text() for r in strip.rows if r.isVisible()] if strip.isVisible() else []


def row(strip, key: str):
    return next(r for r in strip.rows if r.isVisible() and r.item_key == key)


def test_an_overdue_bp_prompt_is_answered_by_measure_now_and_chart_reading_and_moaas_by_its_form(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    strip = ui.window.main.due
    walk_to(ui.room, "infusing")                      # ketamine-depression; the baseline answered the pre-dose BP
    qtbot.waitUntil(lambda: ui.controller.last.phase == "infusing", timeout=WAIT_MS)
    assert not strip.isVisible()
    ui.clock.advance(21 * 60)
    qtbot.waitUntil(lambda: len(prompts(strip)) == 2, timeout=WAIT_MS)
    assert prompts(strip) == ["MOAA/S overdue 6 min", "BP overdue 6 min"]
    bp = row(strip, "nibp@dose+15")
    assert theme.WARN in bp.text.styleSheet() and "font-size: 24px" in bp.text.styleSheet()
    assert bp.measure.text() == "Measure now" and bp.chart.isVisible() and not bp.form.isVisible()
    assert bp.note.text() == "BP during the infusion"
    for b in (bp.measure, bp.chart):  # the whole word on each button, nothing clipped
        assert b.width() >= b.sizeHint().width()
    assert ui.window.minimumSizeHint().height() <= 800  # two prompts under the card: still inside 1280×800
    if SHOTS:
        ui.window.grab().save(os.path.join(SHOTS, "due-1280x800.png"))
        ui.window.resize(1920, 1080)
        qtbot.wait(200)
        ui.window.grab().save(os.path.join(SHOTS, "due-1920x1080.png"))
        ui.window.resize(1280, 800)

    # "Chart reading" with only the monitor's reading from before the session: refused, in words
    click(qtbot, bp.chart)
    status = ui.window.main.timeline.status
    qtbot.waitUntil(lambda: "measure" in status.text(), timeout=WAIT_MS)

    # "Measure now": the simulated monitor inflates its cuff; its reading answers the prompt
    click(qtbot, bp.measure)
    qtbot.waitUntil(lambda: bp.measure.text() == "Measuring…" or "nibp@dose+15" not in
                    [r.item_key for r in strip.rows if r.isVisible()], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: prompts(strip) == ["MOAA/S overdue 6 min"], timeout=WAIT_MS)
    (asked,) = [e for e in ui.room.log.events(kinds=(K.VITALS_NIBP_REQUESTED,))]
    assert asked.actor == NURSE and asked.payload == {"by": NURSE, "item": "nibp@dose+15"}

    # MOAA/S: its form, 5, saved → the prompt goes
    click(qtbot, row(strip, "MOAA/S@dose+15").form)
    qtbot.waitUntil(lambda: ui.window.current == "scale", timeout=WAIT_MS)
    form = ui.window.pages["scale"].form
    click(qtbot, form.answers["responsiveness"].buttons[5])
    click(qtbot, form.save)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    (moaas,) = [e for e in ui.room.log.events(kinds=(K.ASSESSMENT_RECORDED,)) if e.payload["scale"] == "MOAA/S"]
    assert moaas.payload["score"] == 5 and moaas.actor == NURSE
    qtbot.waitUntil(lambda: prompts(strip) == [], timeout=WAIT_MS)

    # the +30 BP comes due; the reading from +21 (before its window) is charted for it by "Chart reading"
    ui.clock.advance(10 * 60)
    qtbot.waitUntil(lambda: "BP due now" in prompts(strip), timeout=WAIT_MS)
    bp = row(strip, "nibp@dose+30")
    assert theme.WARN not in bp.text.styleSheet()     # due, not yet overdue
    click(qtbot, bp.chart)
    qtbot.waitUntil(lambda: "nibp@dose+30" not in [r.item_key for r in strip.rows if r.isVisible()],
                    timeout=WAIT_MS)
    (charted,) = list(ui.room.log.events(kinds=(K.VITALS_VALIDATED,)))
    assert charted.actor == NURSE and charted.payload["item"]["key"] == "nibp@dose+30"
    assert {"nibp_systolic", "nibp_diastolic", "device_ts", "received_ts"} <= set(charted.payload["reading"])
    assert status.text().startswith("Charted ")


def test_a_monitor_that_cannot_be_started_says_so_on_the_button(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    ui.room.schedule.start_nibp_note = SimulatedVitalsDriver.cannot_start_nibp  # as with an HL7 or Nonin monitor
    walk_to(ui.room, "infusing")
    ui.clock.advance(16 * 60)
    strip = ui.window.main.due
    qtbot.waitUntil(lambda: any(r.isVisible() and r.item_key == "nibp@dose+15" for r in strip.rows),
                    timeout=WAIT_MS)
    bp = row(strip, "nibp@dose+15")
    assert not bp.measure.isEnabled() and bp.measure.text() == "Start on the monitor"
    assert bp.note.text() == "This monitor can't be started from here: start NIBP on the monitor"
    assert bp.measure.toolTip() == bp.note.text() and bp.chart.isEnabled()
    if SHOTS:
        ui.window.grab().save(os.path.join(SHOTS, "due-hl7-1280x800.png"))


def test_in_recovery_the_card_opens_the_moaas_form_the_discharge_reads(ui, qtbot):
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    walk_to(ui.room, "recovery")
    card = ui.window.main.card
    qtbot.waitUntil(lambda: card.b["moaas"].isVisible(), timeout=WAIT_MS)
    click(qtbot, card.b["moaas"])
    qtbot.waitUntil(lambda: ui.window.current == "scale", timeout=WAIT_MS)
    form = ui.window.pages["scale"].form
    assert form.scale.name == "MOAA/S" and list(form.answers) == ["responsiveness"]
    assert form.answers["responsiveness"].buttons[5].text() == "5 readily"
    click(qtbot, form.answers["responsiveness"].buttons[5])
    if SHOTS:
        ui.window.grab().save(os.path.join(SHOTS, "moaas-form-1280x800.png"))
    click(qtbot, form.save)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    assert ui.room.state.session.scores["MOAA/S"] == 5
