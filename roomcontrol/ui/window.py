"""The room window: the top bar and alarm banner over a stack of screens, with the lock screen whenever nobody
is signed in. Every window of the room (nurse's monitor, touchscreen) is one of these on the same controller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from roomcontrol.ui import theme
from roomcontrol.ui.screens.checkin import CheckInScreen
from roomcontrol.ui.screens.discharge import DischargeScreen
from roomcontrol.ui.screens.forms import MedicationScreen, NoteScreen, ScaleScreen
from roomcontrol.ui.screens.lock import LockScreen
from roomcontrol.ui.screens.main import MainScreen
from roomcontrol.ui.screens.settings import SettingsScreen
from roomcontrol.ui.widgets.alarm_banner import AlarmBanner
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.call_banner import CallBanner
from roomcontrol.ui.widgets.topbar import TopBar

DIM_BELOW_LIGHT = 25   # a scene with less light than this (the infusion scene) dims the screen too
DIM_ALPHA = 70         # of 255
DIM_PHASES = ("infusing", "paused")


class Dimmer(QWidget):
    """A see-through dark veil over the screens (not the alarm banner) while the room is dim."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.alpha = 0
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.Resize:
            self.setGeometry(obj.rect())
        return False

    def set_alpha(self, alpha: int) -> None:
        if alpha != self.alpha:
            self.alpha = alpha
            self.setVisible(alpha > 0)
            self.raise_()
            self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(0, 0, 0, self.alpha))
        p.end()


class RoomWindow(QMainWindow):
    def __init__(self, controller, scale: float | None = None, title: str = ""):
        super().__init__()
        self.controller = controller
        if scale is None:
            screen = self.screen().availableGeometry() if self.screen() else None
            scale = theme.scale_for(screen.width() if screen else 1280)
        self.scale = scale
        self.setWindowTitle(title or f"RoomControl — {controller.config.room_name}")
        self.setStyleSheet(theme.stylesheet(scale))
        self.blinker = Blinker(self)
        body = QWidget()
        box = QVBoxLayout(body)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(8, scale))
        self.topbar = TopBar(controller, scale)
        self.banner = AlarmBanner(controller, self.blinker, scale)
        self.call_banner = CallBanner(controller, scale)
        self.stack = QStackedWidget()
        # The top bar stays (Lock and Settings always where they are); every active alarm, then a waiting call,
        # below it, where the eye goes first.
        self.header = QWidget()
        head = QVBoxLayout(self.header)
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(theme.px(4, scale))
        for part in (self.topbar, self.banner, self.call_banner):
            head.addWidget(part)
        box.addWidget(self.header)
        box.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.pages = {
            "main": MainScreen(controller, self.blinker, scale),
            "checkin": CheckInScreen(controller, scale),
            "discharge": DischargeScreen(controller, scale),
            "scale": ScaleScreen(controller, scale),
            "medication": MedicationScreen(controller, scale),
            "note": NoteScreen(controller, scale),
            "settings": SettingsScreen(controller, scale),
            "lock": LockScreen(controller, scale, self.blinker),
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
            if hasattr(page, "navigate"):
                page.navigate.connect(self.go)
        self.pages["scale"].flagged.connect(self.pages["checkin"].show_prompt)
        self.topbar.settings.connect(lambda: self.go("settings"))
        self.banner.history.connect(self._alarm_history)
        self.dimmer = Dimmer(self.stack)
        controller.snapshot.connect(self._snapshot)
        controller.staff_changed.connect(self._staff)
        controller.ambient.connect(self._ambient)
        controller.notice.connect(self._notice)
        self._staff(controller.staff)
        if controller.last is not None:
            self._snapshot(controller.last)

    @property
    def main(self) -> MainScreen:
        return self.pages["main"]

    def go(self, name: str) -> None:
        if self.controller.staff is None and name != "lock":
            name = "lock"
        if name in ("PHQ-9", "GAD-7", "CADSS-6"):
            self.pages["scale"].open(name)
            name = "scale"
        if name == "settings" and not self.controller.is_admin:
            name = "main"
        self.stack.setCurrentWidget(self.pages[name])
        self._header()

    @property
    def current(self) -> str:
        return next(k for k, v in self.pages.items() if v is self.stack.currentWidget())

    def _staff(self, staff) -> None:
        self.go("main" if staff else "lock")

    def _alarm_history(self) -> None:
        self.go("main")
        self.main.timeline.show_alarms()

    def _snapshot(self, snap) -> None:
        self.blinker.want({a.priority for a in snap.alarms if a.acknowledged_by is None}
                          | ({"high"} if snap.storage_error else set()))
        self.banner.show_snapshot(snap)
        self.call_banner.show_snapshot(snap)
        self._header()

    def _header(self) -> None:
        self.header.setVisible(self.current != "lock")
        self.banner.setVisible(self.banner.active)
        self.call_banner.setVisible(self.call_banner.pending)

    def _ambient(self, status: dict) -> None:
        scene = self.controller.config.scenes.get(status.get("scene") or "")
        phase = self.controller.last.phase if self.controller.last else "idle"
        dim = phase in DIM_PHASES and scene is not None and scene.light_percent < DIM_BELOW_LIGHT and \
            status.get("light_percent", 100) < DIM_BELOW_LIGHT
        self.dimmer.set_alpha(DIM_ALPHA if dim else 0)

    def _notice(self, text: str) -> None:
        page = self.pages.get(self.current)
        if hasattr(page, "message"):
            page.message.setText(text)
        elif self.current == "main":
            self.main.quick.say(text, ok=False)
