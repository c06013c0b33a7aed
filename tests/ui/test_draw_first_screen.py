"""draw_before_dose on the session card by its real buttons: before the draw, Start (and the first nasal device)
says it waits for the draw and opens the controlled-substance page in one tap; the page says why; after the draw
recorded there, Start starts the infusion (the first device starts the dosing)."""

from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QPushButton

from roomcontrol.cli.staff import add_staff
from tests.core.helpers import OPEN_ARGS, confirm_checks, draw_first_config, open_esketamine, protocols_config
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, room_window, sign_in, wait_phase
from tests.ui.test_controlled_screen import _set, _type

SHOT = os.environ.get("ROOMCONTROL_SHOT")  # a folder: save the card and the page while the draw is awaited


def _shot(widget, name: str) -> None:
    if SHOT:
        widget.grab().save(os.path.join(SHOT, f"draw-first-{name}.png"))


def _record_draw(qtbot, ui, conc: str, ml: str, lot: str) -> None:
    page = ui.window.pages["controlled"]
    _set(qtbot, page.conc, conc)
    _set(qtbot, page.volume, ml)
    _type(qtbot, page.lot, lot)
    _type(qtbot, page.expiry, "2030-06")
    click(qtbot, page.record)
    qtbot.waitUntil(lambda: f"lot {lot}" in page.draws.text(), timeout=WAIT_MS)
    back = next(b for b in page.findChildren(QPushButton) if b.text() == "Back to the room")
    click(qtbot, back)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)


@pytest.fixture
def iv(tmp_path, qtbot):
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    with room_window(tmp_path, qtbot, draw_first_config()) as ui:
        yield ui


def test_start_waits_for_the_draw_and_opens_its_page(iv, qtbot):
    ui = iv
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    ui.room.command("open_session", NURSE, **OPEN_ARGS)
    wait_phase(qtbot, ui, "pre_infusion")
    card = ui.window.main.card
    start = card.b["start"]
    qtbot.waitUntil(lambda: "the ketamine drawn (lot, expiry)" in card.timer_note.text(), timeout=WAIT_MS)
    assert not start.isEnabled()  # the checks first: both are on the to-do line
    confirm_checks(ui.room)
    qtbot.waitUntil(lambda: start.isEnabled(), timeout=WAIT_MS)
    assert start.text() == "Record the draw first…"
    rule = "Record the ketamine drawn (lot, expiry) before the first dose: this protocol requires it"
    assert card.timer_note.text() == f"planned · {rule}" and start.toolTip() == rule
    _shot(ui.window, "start-1280x800")
    click(qtbot, start)  # one tap: the controlled-substance page, not a refusal
    qtbot.waitUntil(lambda: ui.window.current == "controlled", timeout=WAIT_MS)
    page = ui.window.pages["controlled"]
    assert page.draws.text().startswith("Record the ketamine drawn (lot, expiry) before the first dose")
    assert ui.room.state.phase == "pre_infusion"
    _shot(ui.window, "page-1280x800")
    _record_draw(qtbot, ui, "50", "1", "KT24118")
    qtbot.waitUntil(lambda: start.text() == "Start infusion", timeout=WAIT_MS)
    assert card.timer_note.text() == "planned · ready to start" and start.toolTip() == ""
    click(qtbot, start)
    wait_phase(qtbot, ui, "infusing")
    started = [e for e in ui.room.log.events() if e.kind in ("cs.drawn", "infusion.started")]
    assert [(e.kind, e.actor) for e in started] == [("cs.drawn", NURSE), ("infusion.started", NURSE)]


@pytest.fixture
def nasal(tmp_path, qtbot):
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    with room_window(tmp_path, qtbot, protocols_config(["esketamine-nasal"])) as ui:
        yield ui


def test_the_first_nasal_device_waits_for_the_draw(nasal, qtbot):
    ui = nasal
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    open_esketamine(ui.room, draw=False, patient_ref="PT-6002", weight_kg=70, dose_mg=56)
    wait_phase(qtbot, ui, "pre_infusion")
    card = ui.window.main.card
    device = card.b["device"]
    qtbot.waitUntil(lambda: device.isVisible() and device.text() == "Record the draw first…", timeout=WAIT_MS)
    assert device.isEnabled() and "esketamine drawn" in device.toolTip()
    _shot(ui.window, "device-1280x800")
    if SHOT:
        ui.window.resize(1920, 1080)
        qtbot.wait(100)
        _shot(ui.window, "device-1920x1080")
        ui.window.resize(1280, 800)
    click(qtbot, device)
    qtbot.waitUntil(lambda: ui.window.current == "controlled", timeout=WAIT_MS)
    assert ui.window.pages["controlled"].drug.text() == "Esketamine"
    _record_draw(qtbot, ui, "140", "0.4", "EK2291")  # 2 devices of 28 mg in 0.2 mL
    qtbot.waitUntil(lambda: device.text() == "Device 1 of 2 given", timeout=WAIT_MS)
    click(qtbot, device)
    wait_phase(qtbot, ui, "infusing")
    assert ui.room.state.session.controlled.drawn_mg == 56.0 and ui.room.state.session.device_n == 1
