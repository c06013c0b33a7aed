"""The patient's "tap if you're OK" check on the locked screen (domain.responsiveness): a large, calm page (no alarm
colour, no clock ticking down) that a tap anywhere answers. The room plays its soft chime when the check is asked;
a missed check is the nurse's alarm, never shown to the patient."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from roomcontrol.ui import theme

ASK_TEXT = "If you're OK,\ntap anywhere"
THANKS_TEXT = "Thank you"


class CheckPrompt(QWidget):
    tapped = Signal()

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.setAccessibleName("check prompt")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"background: {theme.PANEL};")
        box = QVBoxLayout(self)
        box.addStretch(2)
        self.ask = QLabel(ASK_TEXT)
        self.ask.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.ask.setStyleSheet(f"font-size: {theme.px(84, scale)}px; color: {theme.TEXT}; font-weight: 300;")
        self.ask.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)  # the whole page answers
        box.addWidget(self.ask)
        self.note = QLabel("A quick check that you are comfortable. Your nurse is close by.")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"font-size: {theme.px(24, scale)}px; color: {theme.DIM};")
        self.note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        box.addWidget(self.note)
        box.addStretch(3)

    def asking(self) -> None:
        self.ask.setText(ASK_TEXT)

    def thanked(self) -> None:
        self.ask.setText(THANKS_TEXT)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # a touch arrives as a mouse press too
        if self.ask.text() == ASK_TEXT:
            self.tapped.emit()
        event.accept()
