"""A real room for the screen: a started engine, simulated devices (no sound card), one staff account, and the
window on the offscreen platform. The clock is the system clock plus an offset the test can move forward,
so a 40-minute infusion takes no time while device threads keep running in real time."""

from __future__ import annotations

import dataclasses

import pytest

from roomcontrol.clock import OffsetClock
from roomcontrol.config import RoomConfig
from roomcontrol.cli.staff import add_staff
from roomcontrol.ui.app import start_screen
from roomcontrol.ui.widgets.buttons import HoldButton
from roomcontrol.ui.window import RoomWindow

NURSE, PIN = "rn.ada", "2468"


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    add_staff(tmp_path, "admin.grace", "Grace Hopper", "admin", "9753")
    clock = OffsetClock()
    screen = start_screen(RoomConfig(), tmp_path, clock=clock, audio=False, idle_lock_s=600)
    room, devices, controller = screen.runtime.room, screen.runtime.devices, screen.controller
    window = RoomWindow(controller, scale=1.0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: controller.last is not None, timeout=5000)
    yield dataclasses.make_dataclass("UI", ["room", "devices", "controller", "window", "clock"])(
        room, devices, controller, window, clock)
    window.close()
    screen.close()
