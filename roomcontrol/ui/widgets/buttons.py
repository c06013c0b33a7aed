"""Touch controls: a plain button, a hold-to-confirm button, and a row of choices (segmented control)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from PySide6.QtCore import QElapsedTimer, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (QButtonGroup, QDoubleSpinBox, QGridLayout, QHBoxLayout, QPushButton,
                               QSizePolicy, QWidget)

from roomcontrol.ui import theme


def button(text: str, on_click: Callable[[], object] | None = None, *, kind: str = "", name: str = "",
           checkable: bool = False) -> QPushButton:
    b = QPushButton(text)
    if kind:
        b.setObjectName(kind)
    if name:
        b.setAccessibleName(name)
    b.setCheckable(checkable)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # touch panel: no focus rings, no accidental Enter
    if on_click:
        b.clicked.connect(lambda *_: on_click())
    return b


class HoldButton(QPushButton):
    """Must be held for `hold_ms` to confirm; the fill shows how far. Releasing early does nothing."""
    confirmed = Signal()
    hold_ms = theme.HOLD_MS  # tests may shorten it on the class

    def __init__(self, text: str, kind: str = "danger") -> None:
        super().__init__(text)
        self.setObjectName(kind)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self._step)
        self._progress = 0.0
        self.setToolTip("Hold to confirm")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        super().mousePressEvent(event)
        if self.isEnabled():
            self._clock.start()
            self._timer.start()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._step()
        self._reset()
        super().mouseReleaseEvent(event)

    def _step(self) -> None:
        if not self._clock.isValid():
            return
        self._progress = min(1.0, self._clock.elapsed() / self.hold_ms)
        self.update()
        if self._progress >= 1.0:
            self._reset()
            self.confirmed.emit()

    def _reset(self) -> None:
        self._timer.stop()
        self._clock.invalidate()
        self._progress = 0.0
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._progress > 0:
            p = QPainter(self)
            color = QColor(theme.DANGER if self.objectName() == "danger" else theme.ACCENT)
            color.setAlpha(150)
            p.fillRect(0, 0, int(self.width() * self._progress), self.height(), color)
            p.end()


class Choice(QWidget):
    """Exclusive touch choices in a row; `value` is the chosen key or None."""
    changed = Signal(object)

    def __init__(self, options: Iterable[Any], labels: dict[Any, str] | None = None, *, columns: int = 0) -> None:
        super().__init__()
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[Any, QPushButton] = {}
        row: QGridLayout | QHBoxLayout = QGridLayout(self) if columns else QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for i, key in enumerate(options):
            b = button((labels or {}).get(key, str(key)), checkable=True)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            b.setMinimumWidth(theme.TOUCH)
            self.group.addButton(b)
            self.buttons[key] = b
            b.toggled.connect(lambda on, k=key: self._toggled(k, on))
            if isinstance(row, QGridLayout):
                row.addWidget(b, i // columns, i % columns)
            else:
                row.addWidget(b)

    def _toggled(self, key: Any, on: bool) -> None:
        if on:
            self.changed.emit(key)

    @property
    def value(self) -> Any:
        return next((k for k, b in self.buttons.items() if b.isChecked()), None)

    def set_value(self, key: Any) -> None:
        if key is None:
            self.group.setExclusive(False)
            for b in self.buttons.values():
                b.setChecked(False)
            self.group.setExclusive(True)
        elif key in self.buttons:
            self.buttons[key].setChecked(True)


class Stepper(QWidget):
    """A number with large − and + keys (touch) that can also be typed; `value()` is an int or a float."""

    def __init__(self, low: float, high: float, value: float, step: float = 1, decimals: int = 0, suffix: str = "") -> None:
        super().__init__()
        self.decimals = decimals
        self.box = QDoubleSpinBox()
        self.box.setDecimals(decimals)
        self.box.setRange(low, high)
        self.box.setSingleStep(step)
        self.box.setValue(value)
        self.box.setSuffix(suffix)
        self.box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.setMinimumWidth(80)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.minus = button("−", self.box.stepDown, name="less")
        self.plus = button("+", self.box.stepUp, name="more")
        for b in (self.minus, self.plus):
            b.setStyleSheet(f"padding: 0; min-width: {TOUCH_KEY}px; max-width: {TOUCH_KEY}px; font-size: 24px;")
        row.addWidget(self.minus)
        row.addWidget(self.box, 1)
        row.addWidget(self.plus)

    def value(self) -> int | float:
        v = self.box.value()
        return int(round(v)) if self.decimals == 0 else round(v, self.decimals)

    def setValue(self, value: float) -> None:
        self.box.setValue(value)


TOUCH_KEY = theme.TOUCH
