"""The main room screen: vitals and trends on the left; the session card, quick events, the timeline and the
ambient panel on the right."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from roomcontrol.ui import theme
from roomcontrol.ui.screens.session_card import SessionCard
from roomcontrol.ui.screens.vitals_panel import VitalsPanel
from roomcontrol.ui.widgets.ambient import AmbientPanel
from roomcontrol.ui.widgets.buttons import button
from roomcontrol.ui.widgets.timeline import Timeline

SYMPTOMS = ("nausea", "anxiety", "headache", "dizziness")


class QuickEvents(QWidget):
    navigate = Signal(str)

    def __init__(self, controller, feedback: QLabel, scale: float = 1.0):
        super().__init__()
        self.controller = controller
        self.feedback = feedback  # where "Noted: nausea" or a refusal shows for a few seconds
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        row = QGridLayout()
        row.setSpacing(theme.px(8, scale))
        self.buttons = {}
        for i, symptom in enumerate(SYMPTOMS):
            b = button(symptom.capitalize(), lambda s=symptom: self._symptom(s), name=symptom)
            row.addWidget(b, 0, i)
            self.buttons[symptom] = b
        self.buttons["medication"] = button("Medication", lambda: self.navigate.emit("medication"))
        self.buttons["note"] = button("Note", lambda: self.navigate.emit("note"))
        row.addWidget(self.buttons["medication"], 0, 4)
        row.addWidget(self.buttons["note"], 0, 5)
        for b in self.buttons.values():
            b.setStyleSheet("padding: 0 8px;")
            b.setMinimumWidth(theme.TOUCH)
        box.addLayout(row)
        self._clear = QTimer(self, singleShot=True, interval=4000, timeout=lambda: self.feedback.setText(""))

    def _symptom(self, symptom: str) -> None:
        self.controller.ops.note_symptom(symptom, on_ok=lambda _: self.say(f"Noted: {symptom}"),
                                         on_error=lambda reason: self.say(reason, ok=False))

    def say(self, text: str, ok: bool = True) -> None:
        self.feedback.setStyleSheet(f"color: {theme.OK_TEXT if ok else theme.WARN};")
        self.feedback.setText(text)
        self._clear.start()

    def show_phase(self, phase: str) -> None:
        open_ = phase in ("pre_infusion", "infusing", "paused", "recovery")
        for key, b in self.buttons.items():
            b.setEnabled(open_ or key == "note")


class MainScreen(QWidget):
    navigate = Signal(str)

    def __init__(self, controller, blinker, scale: float = 1.0):
        super().__init__()
        self.controller = controller
        outer = QHBoxLayout(self)
        outer.setContentsMargins(theme.px(10, scale), 0, theme.px(10, scale), theme.px(10, scale))
        outer.setSpacing(theme.px(10, scale))
        self.vitals = VitalsPanel(controller, blinker, scale)
        outer.addWidget(self.vitals, 34)
        right = QVBoxLayout()
        right.setSpacing(theme.px(10, scale))
        self.card = SessionCard(controller, scale)
        self.timeline = Timeline(controller)
        self.quick = QuickEvents(controller, self.timeline.status, scale)
        right.addWidget(self.card)
        right.addWidget(self.quick)
        bottom = QHBoxLayout()
        bottom.setSpacing(theme.px(10, scale))
        self.ambient = AmbientPanel(controller, scale=scale)
        bottom.addWidget(self.timeline, 5)
        bottom.addWidget(self.ambient, 4)
        right.addLayout(bottom, 1)
        outer.addLayout(right, 66)
        self.card.navigate.connect(self.navigate)
        self.quick.navigate.connect(self.navigate)
        controller.snapshot.connect(self.show_snapshot)

    def show_snapshot(self, snap) -> None:
        self.vitals.show_snapshot(snap)
        self.card.show_snapshot(snap)
        self.quick.show_phase(snap.phase)
