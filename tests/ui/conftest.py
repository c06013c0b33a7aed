"""A real room for the screen: a started engine, simulated devices (no sound card), one staff account, and the
window on the offscreen platform. The clock is the system clock plus an offset the test can move forward,
so a 40-minute infusion takes no time while device threads keep running in real time."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from roomcontrol.clock import SystemClock
from roomcontrol.config import RoomConfig
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.room import Room
from roomcontrol.staff_cli import add_staff
from roomcontrol.ui.app import build
from roomcontrol.ui.widgets.buttons import HoldButton
from roomcontrol.ui.window import RoomWindow

NURSE, PIN = "rn.ada", "2468"


class OffsetClock(SystemClock):
    """Wall time = real time + an offset (session timers, alarm delays); monotonic stays real (device loops)."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self):
        return super().now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    add_staff(tmp_path, "admin.grace", "Grace Hopper", "admin", "9753")
    config = RoomConfig()
    clock = OffsetClock()
    room = Room(config, tmp_path, clock)
    devices = RoomDevices(room, config, audio=False)
    controller = build(room, devices, idle_lock_s=600)
    room.start()
    devices.start()
    controller.start()
    window = RoomWindow(controller, scale=1.0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(lambda: controller.last is not None, timeout=5000)
    yield dataclasses.make_dataclass("UI", ["room", "devices", "controller", "window", "clock"])(
        room, devices, controller, window, clock)
    controller.stop()
    window.close()
    devices.close()
    room.close()
