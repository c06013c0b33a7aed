"""The room window: the top bar and alarm banner over a stack of screens, with the lock screen whenever nobody
is signed in. Every window of the room (nurse's monitor, touchscreen) is one of these on the same controller."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QRegion
from PySide6.QtWidgets import (QMainWindow, QStackedWidget, QVBoxLayout,
                               QWidget)

from roomcontrol.domain.catalogue import PATIENT_SCALES
from roomcontrol.domain.scales import SCALES
from roomcontrol.ui import theme
from roomcontrol.ui.screens.checkin import CheckInScreen
from roomcontrol.ui.screens.lock import LockScreen
from roomcontrol.ui.screens.main import MainScreen
from roomcontrol.ui.screens.patient_forms import PatientForms
from roomcontrol.ui.widgets.alarm_banner import AlarmBanner
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.scrolling import scrolling
from roomcontrol.ui.widgets.call_banner import CallBanner
from roomcontrol.ui.widgets.advisory_bar import AdvisoryBar
from roomcontrol.ui.widgets.flag_bar import FlagBar
from roomcontrol.ui.widgets.keyboard import OnScreenKeyboard, ScreensAboveKeyboard
from roomcontrol.ui.widgets.topbar import TopBar
from roomcontrol.ui.widgets.vitals_strip import VitalsStrip

DIM_BELOW_LIGHT = 25   # a scene with less light than this (the infusion scene) dims the screen too
DIM_ALPHA = 70         # of 255
DIM_PHASES = ("infusing", "paused")
PATIENT_PAGES = ("lock", "patient_forms", "comfort")  # the patient's own pages: no top bar, banner or staff controls


NO_STRIP = ("main", "lock", "patient_forms", "comfort")  # pages with their own vitals (main) or none (the patient's)
# Pages seldom on show, imported and built on their first visit (module:class), so the window's first frame does
# not wait for them. Each takes (controller, scale) and draws itself from controller.last when built late.
LAZY_PAGES = {
    "discharge": "discharge:DischargeScreen",
    "scale": "forms:ScaleScreen",
    "medication": "forms:MedicationScreen",
    "note": "forms:NoteScreen",
    "settings": "settings:SettingsScreen",
    "dose_confirm": "dose_confirm:DoseConfirmScreen",
    "pre_dose": "pre_dose:PreDoseScreen",
    "correction": "correction:CorrectionScreen",
    "controlled": "controlled:ControlledScreen",
    "comfort": "comfort:ComfortScreen",
}
PAGE_ORDER = ("main", "checkin", "discharge", "scale", "medication", "note", "settings", "lock", "dose_confirm",
              "correction", "patient_forms", "controlled", "pre_dose", "comfort")


NURSE_SCALES = frozenset(SCALES) - PATIENT_SCALES


class Pages(Mapping[str, Any]):
    """The window's pages by name; a lazy one is built (and put into its place in the stack) on first lookup."""

    def __init__(self, built: dict[str, QWidget], build) -> None:
        self._built, self._build = built, build

    def __getitem__(self, name: str) -> Any:  # each page its own type, called by its own API
        if name not in self._built:
            if name not in LAZY_PAGES:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def get(self, name, default=None):
        return self[name] if name in self._built or name in LAZY_PAGES else default

    def __iter__(self) -> Iterator[str]:
        return iter(PAGE_ORDER)

    def __len__(self) -> int:
        return len(PAGE_ORDER)

    def built(self, name: str) -> bool:
        return name in self._built


class Dimmer(QWidget):
    """A see-through dark veil over the screens while the room is dim. The alarm banner and the vitals strip
    sit outside it, and it leaves holes over the widgets `bright()` names (the numerics): those stay at full
    brightness."""

    def __init__(self, parent, bright=lambda: ()):
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.alpha = 0
        self.bright = bright
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

    def veil(self) -> QRegion:
        """Where the veil darkens: everything but the bright widgets that are on screen."""
        region = QRegion(self.rect())
        for widget in self.bright():
            if widget.isVisible():
                region -= QRegion(QRect(widget.mapTo(self.parentWidget(), QPoint(0, 0)), widget.size()))
        return region

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setClipRegion(self.veil())
        p.fillRect(self.rect(), QColor(0, 0, 0, self.alpha))
        p.end()


class PageStack(QStackedWidget):
    """Pages on top of each other, asking only for the room the page on show needs (a plain stack asks for the
    largest of all its pages, which pushed the window past a 1280×800 screen)."""

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()


class RoomWindow(QMainWindow):
    """`keyboard`: dock the on-screen keyboard (a touch window); None = as configured for a window not in kiosk."""

    def __init__(self, controller, scale: float | None = None, title: str = "", keyboard: bool | None = None):
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
        self.flag = FlagBar(controller, scale)  # a questionnaire's flag for the nurse
        self.advisory = AdvisoryBar(controller, scale)  # a protocol's advisory waiting for the nurse's response
        self.stack = PageStack()
        self.stack.currentChanged.connect(lambda _: self.stack.updateGeometry())
        # The top bar stays (Lock and Settings always where they are); every active alarm, then a waiting call,
        # then a questionnaire's flag below it, where the eye goes first. The pages scroll, so the window never
        # grows past its screen when these rows appear.
        self.header = QWidget()
        head = QVBoxLayout(self.header)
        head.setContentsMargins(0, 0, 0, 0)
        head.setSpacing(theme.px(4, scale))
        head.addWidget(self.topbar)
        rows = QVBoxLayout()  # the banner rows keep the panels' side margins (MainScreen's), inside the window
        rows.setContentsMargins(theme.px(10, scale), 0, theme.px(10, scale), 0)
        rows.setSpacing(theme.px(4, scale))
        for part in (self.banner, self.call_banner, self.flag, self.advisory):
            rows.addWidget(part)
        head.addLayout(rows)
        self.header.setMinimumWidth(theme.TOUCH)  # a long alarm text is cut at the screen's edge, never widens it
        box.addWidget(self.header)
        self.strip = VitalsStrip(self.blinker, scale)  # live numerics over every form page
        box.addWidget(self.strip)
        self.keyboard: OnScreenKeyboard | None = None
        if keyboard if keyboard is not None else controller.config.screen.keyboard(kiosk=False):
            # The screens scroll above the docked keyboard, so the field being typed into stays in view and the
            # window never grows past its screen.
            self.scroller = ScreensAboveKeyboard(self.stack)
            box.addWidget(self.scroller, 1)
            self.keyboard = OnScreenKeyboard(scale, field_shown=self._keep_in_view)
            box.addWidget(self.keyboard)
        else:
            box.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        # The pages other code talks to by their own API, kept by their type as well.
        self._main = MainScreen(controller, self.blinker, scale)
        self._checkin = CheckInScreen(controller, scale)
        self._patient_forms = PatientForms(controller, scale)
        eager: dict[str, QWidget] = {"main": self._main, "checkin": self._checkin,
                                     "lock": LockScreen(controller, scale, self.blinker),
                                     "patient_forms": self._patient_forms}
        self.pages = Pages(eager, self._build_page)
        self.holders: dict[str, QWidget] = {}
        for name in PAGE_ORDER:
            page = eager.get(name)
            # A lazy page holds its place in the stack with an empty widget until it is built.
            self.holders[name] = QWidget() if page is None else page if name in NO_STRIP else scrolling(page)
            self.stack.addWidget(self.holders[name])
            if page is not None and hasattr(page, "navigate"):
                page.navigate.connect(self.go)
        self._checkin.high_dose.connect(lambda *a: self.pages["dose_confirm"].ask(*a))
        self.main.timeline.correct.connect(self._correct)
        self.topbar.settings.connect(lambda: self.go("settings"))
        self.banner.history.connect(self._alarm_history)
        self.dimmer = Dimmer(self.stack, lambda: (self.main.vitals.tiles.values() if self.current == "main" else ()))
        controller.snapshot.connect(self._snapshot)
        controller.staff_changed.connect(self._staff)
        controller.ambient.connect(self._ambient)
        controller.notice.connect(self._notice)
        self._staff(controller.staff)
        if controller.last is not None:
            self._snapshot(controller.last)

    @property
    def main(self) -> MainScreen:
        return self._main

    def _build_page(self, name: str) -> QWidget:
        module, cls = LAZY_PAGES[name].split(":")
        page = getattr(importlib.import_module(f"roomcontrol.ui.screens.{module}"), cls)(self.controller, self.scale)
        holder = scrolling(page)
        placeholder = self.holders[name]
        self.stack.insertWidget(self.stack.indexOf(placeholder), holder)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.holders[name] = holder
        if hasattr(page, "navigate"):
            page.navigate.connect(self.go)
        if self.controller.last is not None and hasattr(page, "show_snapshot"):
            page.show_snapshot(self.controller.last)  # the snapshots it missed: the latest says all
        return page

    def go(self, name: str) -> None:
        if name in PATIENT_SCALES:
            # The patient's questionnaire on the patient's own page: the nurse's screen locks first.
            self._patient_forms.open(name)
            self.controller.lock("handed to the patient")
            name = "patient_forms"
        elif name == "patient_forms":
            self._patient_forms.open()
        if self.controller.staff is None and name not in PATIENT_PAGES:
            name = "lock"
        if name in NURSE_SCALES:  # CADSS-6, MOAA/S, PADSS: the nurse's scale form
            self.pages["scale"].open(name)
            name = "scale"
        if name == "settings" and not self.controller.is_admin:
            name = "main"
        self.pages[name]  # a lazy page is built on its first visit
        self.stack.setCurrentWidget(self.holders[name])
        self._header()
        self.dimmer.update()

    @property
    def current(self) -> str:
        return next(k for k, v in self.holders.items() if v is self.stack.currentWidget())

    def _staff(self, staff) -> None:
        if staff or self.current != "patient_forms":
            self.go("main" if staff else "lock")

    def _correct(self, event, now) -> None:
        self.pages["correction"].open(event, now)
        self.go("correction")

    def _alarm_history(self) -> None:
        self.go("main")
        self.main.timeline.show_alarms()

    def _snapshot(self, snap) -> None:
        self.blinker.want({a.priority for a in snap.alarms if a.acknowledged_by is None}
                          | ({"high"} if snap.storage_error else set()))
        self.banner.show_snapshot(snap)
        self.strip.show_snapshot(snap)
        self.call_banner.show_snapshot(snap)
        self._header()

    def _keep_in_view(self, field: QWidget) -> None:
        body = self.centralWidget()
        layout = body.layout() if body is not None else None
        if layout is not None:
            layout.activate()  # the keyboard has just taken its place: the screens' new height first
        self.scroller.ensureWidgetVisible(field, 0, theme.px(24, self.scale))

    def _header(self) -> None:
        self.header.setVisible(self.current not in PATIENT_PAGES)
        self.strip.setVisible(self.current not in NO_STRIP)
        self.banner.setVisible(self.banner.active)
        self.call_banner.setVisible(self.call_banner.pending)
        self.flag.setVisible(self.flag.seq is not None)
        self.advisory.setVisible(self.advisory.advisory is not None)

    def _ambient(self, status: dict) -> None:
        scene = self.controller.config.scenes.get(status.get("scene") or "")
        phase = self.controller.last.phase if self.controller.last else "idle"
        dim = phase in DIM_PHASES and scene is not None and scene.light_percent < DIM_BELOW_LIGHT and \
            status.get("light_percent", 100) < DIM_BELOW_LIGHT
        self.dimmer.set_alpha(DIM_ALPHA if dim else 0)

    def _notice(self, text: str) -> None:
        page = self.pages.get(self.current)  # the page on show, so already built
        if page is not None and hasattr(page, "message"):
            page.message.setText(text)
        elif self.current == "main":
            self.main.quick.say(text, ok=False)
