"""Rules of the screen: the patient's locked page shows no clinical data, idle auto-lock, settings for admins
only, two windows on one engine, and a busy engine never freezes the GUI."""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QLabel, QPushButton

from roomcontrol.ui.window import RoomWindow
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase


def visible_texts(widget) -> str:
    widgets = widget.findChildren(QLabel) + widget.findChildren(QPushButton)
    return " ".join(w.text() for w in widgets if w.isVisible())


def test_locked_screen_hides_clinical_data_and_idle_locks(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    second = RoomWindow(c, scale=1.0)  # the touchscreen's window on the same engine
    qtbot.addWidget(second)
    second.resize(1280, 800)
    second.show()
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main" and second.current == "main", timeout=WAIT_MS)
    assert not window.topbar.settings_button.isVisible()  # a nurse: no settings
    window.go("settings")
    assert window.current == "main"
    c.ops.open_session("PT-SECRET-7", 80, course_no=1, dose_mg_per_kg=0.5, planned_infusion_min=40)
    wait_phase(qtbot, ui, "pre_infusion")
    qtbot.waitUntil(lambda: "PT-SECRET-7" in visible_texts(second), timeout=WAIT_MS)

    c.idle_lock_s = 0.3  # nobody touches the screen: it locks itself, on both windows
    c._idle.setInterval(100)
    qtbot.waitUntil(lambda: window.current == "lock" and second.current == "lock", timeout=WAIT_MS)
    locked = [e for e in room.log.events() if e.kind == "staff.locked"]
    assert locked[-1].payload == {"staff_id": NURSE, "reason": "idle"}
    ui.devices.vitals.add_event("desaturation", 60, magnitude=1.7)
    qtbot.waitUntil(lambda: (c.last.vitals["spo2"].value or 100) < 88, timeout=15000)
    ui.clock.advance(16)
    qtbot.waitUntil(lambda: bool(c.last.alarms), timeout=WAIT_MS)
    qtbot.wait(300)
    text = visible_texts(window)
    for secret in ("PT-SECRET-7", "SpO", "alarm", "Alarm", "mg", "Check-in", "Pre-infusion"):
        assert secret not in text, secret
    assert "Call nurse" in text and not window.header.isVisible()


def test_admin_sees_settings_and_the_gui_stays_live_while_the_engine_is_busy(ui, qtbot):
    window, c = ui.window, ui.controller
    sign_in(qtbot, ui, "admin.grace", "9753")
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    click(qtbot, window.topbar.settings_button)
    settings = window.pages["settings"]
    assert window.current == "settings"
    qtbot.waitUntil(lambda: settings.health["vitals"].text() == "OK", timeout=WAIT_MS)
    click(qtbot, settings.tests["lighting"])
    qtbot.waitUntil(lambda: "Light at full" in settings.message.text(), timeout=WAIT_MS)
    click(qtbot, settings.tests["diffuser"])
    qtbot.waitUntil(lambda: "Diffuser on" in settings.message.text(), timeout=WAIT_MS)
    tested = [(e.actor, e.payload["device"]) for e in ui.room.log.events() if e.kind == "device.tested"]
    assert tested == [("admin.grace", "lighting"), ("admin.grace", "diffuser")]  # each test is in the log
    window.go("main")
    # The engine is stuck for a second (a slow disk): pressing a button returns at once, the refusal or
    # result arrives later by signal, and the GUI keeps painting meanwhile.
    room = ui.room
    asleep = threading.Event()
    room.call(lambda: (asleep.set(), time.sleep(2.0)))
    asleep.wait(5)
    click(qtbot, window.main.card.b["checkin"])
    checkin = window.pages["checkin"]
    qtbot.keyClicks(checkin.patient_ref, "PT-9")
    click(qtbot, checkin.open_button)
    # The clicks came back while the engine still sleeps: the command waits in flight, nothing blocked.
    assert c.commands.busy >= 1
    assert room.state.phase == "idle"
    wait_phase(qtbot, ui, "pre_infusion")
    qtbot.waitUntil(lambda: c.commands.busy == 0 and "Session opened" in checkin.message.text(), timeout=WAIT_MS)
