"""Starting the room app: the engine, the devices, staff sign-in, and one window per display.

With two screens, the full nurse view opens on the first and the touch view (kiosk, fullscreen) on the second,
both on the same engine and the same sign-in; with one screen, one window serves both.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from roomcontrol.config import RoomConfig
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.room import Room
from roomcontrol.engine.sync_link import start_sync
from roomcontrol.engine.staff import StaffGate
from roomcontrol.sync.pusher import SyncPusher
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.window import RoomWindow


def build(room: Room, devices: RoomDevices | None, *, sync_status: Callable | None = None,
          idle_lock_s: float = 180.0) -> RoomController:
    """The GUI side of a room; call `.start()` on it once a QApplication exists."""
    return RoomController(room, devices, StaffGate(room), sync_status=sync_status, idle_lock_s=idle_lock_s)


@dataclass
class RunningRoom:
    """A room with everything started: engine, devices, sync and the GUI side (no window yet)."""
    room: Room
    devices: RoomDevices
    controller: RoomController
    pusher: SyncPusher

    def close(self) -> None:
        self.controller.stop()
        self.pusher.stop()
        self.room.close()     # before the devices, so their own shutdown is not logged as a lost monitor
        self.devices.close()


def start_room(config: RoomConfig, data_dir: Path, *, clock=None, audio: bool = True,
               idle_lock_s: float = 180.0) -> RunningRoom:
    """Start a room the way the app does (used by run_app, the tests, the screenshots and the benchmark)."""
    room = Room(config, data_dir, clock)
    devices = RoomDevices(room, config, audio=audio)
    pusher = start_sync(room, config)
    # The top bar reads the pusher's status (a cheap, lock-protected snapshot) for its headline.
    controller = build(room, devices, sync_status=lambda: pusher.status, idle_lock_s=idle_lock_s)
    room.start()  # after build: the controller's commands are registered before the engine runs
    devices.start()
    controller.start()
    return RunningRoom(room, devices, controller, pusher)


def open_windows(controller: RoomController, app: QApplication, kiosk: bool = False) -> list[RoomWindow]:
    screens = app.screens()
    windows = []
    for i, screen in enumerate(screens[:2]):
        window = RoomWindow(controller, title=f"RoomControl — {controller.config.room_name}"
                            + (" (touch)" if i == 1 else ""))
        window.setScreen(screen)
        geometry = screen.availableGeometry()
        window.move(geometry.topLeft())
        window.resize(min(1280, geometry.width()), min(800, geometry.height())) if not kiosk and i == 0 else None
        if kiosk or i == 1:  # the touchscreen always fullscreen, without a frame
            window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            window.showFullScreen()
        else:
            window.show()
        windows.append(window)
    return windows


def run_app(config: RoomConfig, data_dir: Path, kiosk: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("RoomControl")
    running = start_room(config, data_dir)
    windows = open_windows(running.controller, app, kiosk)
    try:
        return app.exec()
    finally:
        for window in windows:
            window.close()
        running.close()
