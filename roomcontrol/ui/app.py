"""Starting the room app: the room (assembled by engine/runtime.py), its screen, and one window per display.

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
from roomcontrol.engine.runtime import RoomRuntime, start_room
from roomcontrol.host.inhibit import hold_awake
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.starting import close_starting
from roomcontrol.ui.window import RoomWindow


@dataclass
class RoomScreen:
    """A started room with its GUI side (no window yet): the controller every window of the room shares."""
    runtime: RoomRuntime
    controller: RoomController

    def close(self) -> None:
        self.controller.stop()
        self.runtime.close()


def start_screen(config: RoomConfig, data_dir: Path, *, clock=None, audio: bool = True,
                 idle_lock_s: float = 180.0) -> RoomScreen:
    """Start a room with its screen (used by run_app, the tests, the screenshots and the benchmark)."""
    built: list[RoomController] = []

    def attach(runtime: RoomRuntime) -> None:
        # Before the engine thread starts, as everything tied to the engine. The top bar reads the pusher's
        # status (a cheap, lock-protected snapshot) for its headline, the nightly backup's last failure, and the
        # live channel's to the station.
        nightly, live = runtime.backup, runtime.live
        built.append(RoomController(runtime.room, runtime.devices, runtime.gate,
                                    sync_status=lambda: runtime.pusher.status,
                                    backup_failure=(lambda: nightly.failure) if nightly else None,
                                    station_status=(lambda: live.status) if live is not None else None,
                                    idle_lock_s=idle_lock_s))

    runtime = start_room(config, data_dir, clock=clock, audio=audio, before_start=attach)
    return RoomScreen(runtime, built[0].start())


def open_windows(controller: RoomController, app: QApplication, kiosk: bool = False) -> list[RoomWindow]:
    screens = app.screens()
    windows = []
    for i, screen in enumerate(screens[:2]):
        window = RoomWindow(controller, scale=theme.scale_for(screen.geometry().width()),
                            title=f"RoomControl — {controller.config.room_name}" + (" (touch)" if i == 1 else ""),
                            keyboard=controller.config.screen.keyboard(kiosk=kiosk or i == 1))
        window.setScreen(screen)
        geometry = screen.availableGeometry()
        window.move(geometry.topLeft())
        window.resize(geometry.size()) if not kiosk and i == 0 else None  # also where no window manager maximizes
        if kiosk or i == 1:  # the touchscreen always fullscreen, without a frame
            window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            window.setGeometry(screen.geometry())  # the whole screen, also where fullscreen alone is not honoured
            window.showFullScreen()
        else:  # the nurse's workstation: the whole screen, as the layout was scaled for it
            window.showMaximized()
        windows.append(window)
    return windows


def run_app(config: RoomConfig, data_dir: Path, kiosk: bool = False, *, clock=None,
            on_started: Callable[[RoomScreen], object] | None = None) -> int:
    """`on_started(screen)` runs once the windows are open (the CLI starts a scenario player there)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # the widgets need one, not a bare QCoreApplication
    app.setApplicationName("RoomControl")
    screen = start_screen(config, data_dir, clock=clock)
    windows = open_windows(screen.controller, app, kiosk)
    close_starting()  # the CLI's first frame, if it showed one
    if on_started:
        on_started(screen)
    try:
        with hold_awake():  # the PC and its screen stay awake while the room runs (logged if they cannot)
            return app.exec()
    finally:
        for window in windows:
            window.close()
        screen.close()
