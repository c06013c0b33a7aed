"""Pressing the real buttons of the room window."""

from __future__ import annotations

from PySide6.QtCore import Qt

from roomcontrol.ui.widgets.buttons import HoldButton

WAIT_MS = 5000


def click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), f"{widget.text() if hasattr(widget, 'text') else widget} " \
                                                        "is not there to press"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def hold(qtbot, widget: HoldButton) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton)
    qtbot.wait(HoldButton.hold_ms + 120)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton)


def type_pin(qtbot, lock, pin: str) -> None:
    for digit in pin:
        click(qtbot, lock.pad.keys[digit])
    click(qtbot, lock.pad.keys["Enter"])


def sign_in(qtbot, ui, staff_id: str, pin: str) -> None:
    lock = ui.window.pages["lock"]
    click(qtbot, lock.sign_in)
    qtbot.waitUntil(lambda: lock.names is not None and lock.names.buttons[staff_id].isVisible(), timeout=WAIT_MS)
    click(qtbot, lock.names.buttons[staff_id])
    type_pin(qtbot, lock, pin)


def wait_phase(qtbot, ui, phase: str) -> None:
    qtbot.waitUntil(lambda: ui.controller.last is not None and ui.controller.last.phase == phase, timeout=WAIT_MS)


def kinds(room, **match) -> list[str]:
    return [e.kind for e in room.log.events() if all(e.payload.get(k) == v for k, v in match.items())]
