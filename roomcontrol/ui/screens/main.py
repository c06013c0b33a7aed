"""The main room screen: vitals and trends on the left; the session card, quick events, the timeline and the
ambient panel on the right."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.screens.due_strip import DueStrip
from roomcontrol.ui.screens.session_card import SessionCard
from roomcontrol.ui.screens.vitals_panel import VitalsPanel
from roomcontrol.ui.widgets.ambient import AmbientPanel
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.scrolling import scrolling
from roomcontrol.ui.widgets.timeline import Timeline

SYMPTOMS = ("nausea", "anxiety", "headache", "dizziness")
SEVERITIES = ("mild", "moderate", "severe")


class QuickEvents(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, feedback: QLabel, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        self.feedback = feedback  # where "Noted: nausea" or a refusal shows for a few seconds
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        # The quick buttons, or (after a symptom is tapped) how bad it is, in the same place: no jump in layout.
        self.stack = QStackedWidget()
        quick = QWidget()
        row = QGridLayout(quick)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(theme.px(8, scale))
        self.buttons: dict[str, QPushButton] = {}
        for i, symptom in enumerate(SYMPTOMS):
            b = button(symptom.capitalize(), partial(self._symptom, symptom), name=symptom)
            row.addWidget(b, 0, i)
            self.buttons[symptom] = b
        self.buttons["medication"] = button("Medication", lambda: self.navigate.emit("medication"))
        self.buttons["note"] = button("Note", lambda: self.navigate.emit("note"))
        row.addWidget(self.buttons["medication"], 0, 4)
        row.addWidget(self.buttons["note"], 0, 5)
        self.buttons["comfort"] = button("Comfort", lambda: self.navigate.emit("comfort"), name="comfort plan")
        row.addWidget(self.buttons["comfort"], 0, 6)
        for b in self.buttons.values():
            b.setStyleSheet("padding: 0 8px;")
            b.setMinimumWidth(theme.TOUCH)
        self.stack.addWidget(quick)
        self.stack.addWidget(self._severity_row(scale))
        box.addWidget(self.stack)
        self.pending: str | None = None  # the symptom whose severity is being chosen
        self._clear = QTimer(self, singleShot=True, interval=4000)
        self._clear.timeout.connect(lambda: self.feedback.setText(""))

    def _severity_row(self, scale: float) -> QWidget:
        choice = QWidget()
        row = QHBoxLayout(choice)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(theme.px(8, scale))
        self.asking = QLabel("")
        self.asking.setStyleSheet(f"font-weight: 600; font-size: {theme.px(18, scale)}px;")
        row.addWidget(self.asking)
        self.severity: dict[str, QPushButton] = {}
        for severity in SEVERITIES:
            b = button(severity.capitalize(), partial(self._noted, severity), name=severity)
            b.setMinimumWidth(theme.px(120, scale))
            row.addWidget(b, 1)
            self.severity[severity] = b
        self.cancel = button("Cancel", self._cancel, kind="quiet", name="cancel symptom")
        row.addWidget(self.cancel)
        for b in (*self.severity.values(), self.cancel):
            b.setMinimumHeight(theme.TOUCH)
        return choice

    def _symptom(self, symptom: str) -> None:
        """A symptom is noted with how bad it is: the buttons make way for mild / moderate / severe."""
        self.pending = symptom
        self.asking.setText(f"{symptom.capitalize()}:")
        self.stack.setCurrentIndex(1)

    def _noted(self, severity: str) -> None:
        symptom, self.pending = self.pending, None
        self.stack.setCurrentIndex(0)
        if symptom is None:
            return
        self.controller.ops.note_symptom(symptom, severity=severity,
                                         on_ok=lambda _: self.say(f"Noted: {symptom} ({severity})"),
                                         on_error=lambda reason: self.say(reason, ok=False))

    def _cancel(self) -> None:
        self.pending = None
        self.stack.setCurrentIndex(0)

    def say(self, text: str, ok: bool = True) -> None:
        say(self.feedback, text, ok)
        self._clear.start()

    def show_phase(self, phase: str) -> None:
        open_ = phase in ("pre_infusion", "infusing", "paused", "recovery")
        for key, b in self.buttons.items():
            b.setEnabled(open_ or key == "note")
        if not open_ and self.pending is not None:
            self._cancel()


class MainScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller: RoomController, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__()
        self.controller = controller
        outer = QHBoxLayout(self)
        outer.setContentsMargins(theme.px(10, scale), 0, theme.px(10, scale), theme.px(10, scale))
        outer.setSpacing(theme.px(10, scale))
        self.vitals = VitalsPanel(controller, blinker, scale)
        self.vitals.setMinimumWidth(theme.px(380, scale))  # the numerics never give way to a long line elsewhere
        outer.addWidget(self.vitals, 34)
        right = QVBoxLayout()
        right.setSpacing(theme.px(10, scale))
        self.card = SessionCard(controller, scale)
        self.timeline = Timeline(controller)
        self.quick = QuickEvents(controller, self.timeline.status, scale)
        self.due = DueStrip(controller, self.timeline.status, scale)
        right.addWidget(self.card)
        right.addWidget(self.due)
        right.addWidget(self.quick)
        bottom = QHBoxLayout()
        bottom.setSpacing(theme.px(10, scale))
        self.ambient = AmbientPanel(controller, scale=scale)
        bottom.addWidget(self.timeline, 5)
        # The ambient panel scrolls in its place when the screen is short (banners up at 1280×800): the main page
        # must fit under every banner without pushing the window past its screen.
        bottom.addWidget(scrolling(self.ambient), 4)
        right.addLayout(bottom, 1)
        outer.addLayout(right, 66)
        self.card.navigate.connect(self.navigate)
        self.quick.navigate.connect(self.navigate)
        self.due.navigate.connect(self.navigate)
        controller.snapshot.connect(self.show_snapshot)

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        self.vitals.show_snapshot(snap)
        self.card.show_snapshot(snap)
        self.due.show_snapshot(snap)
        self.quick.show_phase(snap.phase)
