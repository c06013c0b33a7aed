"""Pressing the real buttons of the room window."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import Qt

from roomcontrol.clock import OffsetClock
from roomcontrol.config import RoomConfig
from roomcontrol.ui.app import start_screen
from roomcontrol.ui.widgets.buttons import HoldButton
from roomcontrol.ui.window import RoomWindow
from tests.core.helpers import BASELINE, OPEN_ARGS, confirm_checks

NURSE, PIN = "rn.ada", "2468"  # the account the ui fixtures add
WAIT_MS = 5000


@dataclass
class UI:
    room: object
    devices: object
    controller: object
    window: RoomWindow
    clock: OffsetClock


@contextmanager
def room_window(data_dir, qtbot, config: RoomConfig, idle_lock_s: float = 600) -> Iterator[UI]:
    """A started room (simulated devices, no sound card) and its window at 1280x800 on the offscreen platform,
    once the first snapshot is in; on the system clock plus an offset the test moves forward. Closed after."""
    clock = OffsetClock()
    screen = start_screen(config, data_dir, clock=clock, audio=False, idle_lock_s=idle_lock_s)
    window = RoomWindow(screen.controller, scale=1.0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: screen.controller.last is not None, timeout=WAIT_MS)
    yield UI(screen.runtime.room, screen.runtime.devices, screen.controller, window, clock)
    window.close()
    screen.close()


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


def logged(room, *kinds: str) -> list:
    """The room's events (of `kinds`), read on the engine thread as the screen reads: a test thread stepping a read
    on the engine's connection pins an old WAL snapshot, and the engine's next write then fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT) when the sync pusher wrote in between."""
    return room.call(lambda: list(room.log.events(kinds=list(kinds) or None))).result(timeout=10)


def kinds(room, **match) -> list[str]:
    return [e.kind for e in logged(room) if all(e.payload.get(k) == v for k, v in match.items())]


def ready(ui, qtbot, baseline=BASELINE) -> None:
    """Signed in as the nurse, a session open with its checks and a baseline (the session's own buttons are
    tested elsewhere)."""
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)
    c = ui.room.command
    c("open_session", NURSE, **OPEN_ARGS)
    confirm_checks(ui.room, baseline=baseline)
    wait_phase(qtbot, ui, "pre_infusion")
