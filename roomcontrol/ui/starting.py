"""The first frame: "Room 1 — starting…" on the room's dark background, shown before the room is assembled.

Opening the log, replaying it, the devices and the screens take most of a second on a room PC; a blank or absent
window for that long looks like a hang to a nurse (and a restart after a crash must show at once that the room is
coming back). This module imports only Qt and the theme, so the frame is up within a bare Qt window's time; the
room window replaces it as soon as it is shown.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel

from roomcontrol.ui import theme

FRAME_NAME = "starting"


def show_starting(room_name: str, kiosk: bool = False) -> QLabel:
    """Show the starting frame now (painted before returning); `close()` it once the room's windows are up."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("RoomControl")
    frame = QLabel(f"{room_name}\n\nstarting…")
    frame.setObjectName(FRAME_NAME)
    frame.setWindowTitle(f"RoomControl — {room_name}")
    frame.setAlignment(Qt.AlignmentFlag.AlignCenter)
    frame.setStyleSheet(f"background: {theme.BG}; color: {theme.DIM}; font-size: 28px;")
    if kiosk:
        frame.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        frame.showFullScreen()
    else:
        screen = QGuiApplication.primaryScreen()
        frame.resize(screen.availableGeometry().size() if screen else QSize(1280, 800))  # where the room window opens
        frame.showMaximized()
    frame.repaint()  # painted now, not when the event loop first runs (after the room is assembled)
    app.processEvents()
    return frame


def close_starting() -> None:
    """Close the starting frame, if one is shown (the room's windows are up)."""
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == FRAME_NAME:
            widget.close()
