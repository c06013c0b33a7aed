"""A PIN pad: large digit keys, the PIN shown as dots, Clear and Enter. Emits `entered(pin)`."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from roomcontrol.domain.staff import PIN_MAX
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import button


class PinPad(QWidget):
    entered = Signal(str)

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.pin = ""
        box = QVBoxLayout(self)
        box.setSpacing(theme.px(10, scale))
        self.dots = QLabel("")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots.setStyleSheet(f"font-size: {theme.px(34, scale)}px; letter-spacing: 8px; min-height: 48px;")
        box.addWidget(self.dots)
        grid = QGridLayout()
        grid.setSpacing(theme.px(10, scale))
        self.keys = {}
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "Enter"]):
            action = {"Clear": self.clear, "Enter": self._enter}.get(key, lambda k=key: self._digit(k))
            b = button(key, action, kind="primary" if key == "Enter" else "", name=f"pin {key}")
            b.setMinimumSize(theme.px(96, scale), theme.px(72, scale))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            b.setStyleSheet(f"font-size: {theme.px(28 if key.isdigit() else 20, scale)}px;")
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        box.addLayout(grid)

    def _digit(self, d: str) -> None:
        if len(self.pin) < PIN_MAX:
            self.pin += d
            self.dots.setText("●" * len(self.pin))

    def clear(self) -> None:
        self.pin = ""
        self.dots.setText("")

    def _enter(self) -> None:
        if self.pin:
            pin, self.pin = self.pin, ""
            self.dots.setText("")
            self.entered.emit(pin)
