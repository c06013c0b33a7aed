"""The screens Qt sees, for `roomcontrol doctor` (Qt lives in the ui layer only)."""

from __future__ import annotations

import os
import sys


def display_facts() -> dict | None:
    """{"platform", "screens": [{"name", "width", "height", "scale"}]} in logical pixels, the primary first;
    None on Linux without a display to connect to (Qt would abort the process trying)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) \
            and os.environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal"):
        return None
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication
    # A QApplication, not a bare QGuiApplication: in a process that later shows widgets (a test run, the app)
    # the first application object made is the one that stays.
    app = QGuiApplication.instance() or QApplication(sys.argv[:1])
    primary = QGuiApplication.primaryScreen()
    screens = [primary] + [s for s in QGuiApplication.screens() if s is not primary] if primary else []
    return {"platform": QGuiApplication.platformName(),
            "screens": [{"name": s.name() or "screen", "width": s.geometry().width(),
                         "height": s.geometry().height(), "scale": s.devicePixelRatio()} for s in screens],
            "app": type(app).__name__}
