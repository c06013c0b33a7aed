"""Vitals tiles: a big numeric in its monitor colour, coloured by alarm state, and the live pleth wave."""

from __future__ import annotations

import re
from collections import deque
from typing import Iterable

from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from roomcontrol.domain.vitals.tiles import TileState
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.alarm_cell import AlarmCell
from roomcontrol.ui.widgets.blink import Blinker

PLETH_HZ = 75
PLETH_SECONDS = 5


class VitalTile(AlarmCell):
    """Title, value, unit, the alarm limits and a small line, in its alarm's colour (AlarmCell)."""

    def __init__(self, colour: str, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__(blinker)
        self.colour, self.scale = colour, scale
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.outer = outer = QVBoxLayout(self)
        outer.setContentsMargins(theme.px(16, scale), theme.px(8, scale), theme.px(16, scale), theme.px(8, scale))
        outer.setSpacing(0)
        head = QHBoxLayout()
        self.title = QLabel("")
        self.unit = QLabel("")
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.unit)
        outer.addLayout(head)
        self.body = QHBoxLayout()
        self.value = QLabel("--")
        self.value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.value.setMinimumSize(1, 1)  # sized from the tile (fit_numeric), never the tile from the numeric
        self.numeric_px = theme.px(62, scale)
        self.body.addWidget(self.value)
        self.limits = QLabel("")  # the alarm limits beside the numeric, as a monitor shows them
        self.limits.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(self.limits)
        self.body.addStretch(1)
        outer.addLayout(self.body, 1)
        self.note = QLabel("")
        outer.addWidget(self.note)
        self.restyle(False)

    def restyle(self, inverted: bool) -> None:
        s = self.scale
        main, dim = self.tones(inverted)
        self.title.setStyleSheet(f"color: {main}; font-size: {theme.px(16, s)}px; letter-spacing: 1px;")
        self.unit.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px;")
        self.value.setStyleSheet(f"color: {main}; font-size: {self.numeric_px}px; font-weight: 600;")
        self.limits.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px; padding-top: {theme.px(12, s)}px;")
        self.note.setStyleSheet(f"color: {dim}; font-size: {theme.px(14, s)}px;")

    def show_state(self, state: TileState) -> None:
        """Render a TileState from the snapshot as it is."""
        self.show_texts(state, (self.limits, f"limits\n{state.limits}" if state.limits else ""))
        if (len(state.value), state.limits) != getattr(self, "_fitted_for", None):
            self._fitted_for = (len(state.value), state.limits)
            self.fit_numeric()
        self.set_alarm(state.priority, state.acknowledged)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_numeric()

    def fit_numeric(self) -> None:
        """The numeric as large as the tile allows, to be read from 2–3 m: most of the tile's height, as wide as
        its share of the row (the SpO2 tile shares it with the pleth)."""
        margins = self.outer.contentsMargins()
        spare = self.height() - margins.top() - margins.bottom() - self.title.sizeHint().height() \
            - self.note.sizeHint().height()
        # The row holds the value, the limits beside it, a stretch, and on the SpO2 tile the pleth (3/4 of the rest).
        limits = self.limits.sizeHint().width() + self.body.spacing() if self.limits.text() else 0
        room = self.width() - margins.left() - margins.right() - limits
        width = room * (0.4 if self.body.count() > 3 else 0.95)
        font = QFont(self.value.font())
        font.setWeight(QFont.Weight.DemiBold)  # as the stylesheet draws it
        font.setPixelSize(100)
        sample = max(self.value.text(), "000", key=len)
        per_100 = max(1, QFontMetrics(font).horizontalAdvance(sample))
        size = int(max(24, min(spare * 0.92, width * 100 / per_100, 260)))
        if size != self.numeric_px:
            self.numeric_px = size
            self.value.setStyleSheet(re.sub(r"font-size: *\d+px", f"font-size: {size}px", self.value.styleSheet()))


class PlethWave(QWidget):
    """A sweeping pleth trace, like a monitor: batches arrive ~3 times a second; a 30 Hz timer draws them out
    at 75 samples/s, erasing just ahead of the pen."""

    def __init__(self, colour: str = theme.SPO2) -> None:
        super().__init__()
        self.colour = QColor(colour)
        self.size_n = PLETH_HZ * PLETH_SECONDS
        self.samples: list[float | None] = [None] * self.size_n
        self.pen_at = 0  # the next sample's index (not `pos`: that is QWidget's)
        self.queue: deque[float] = deque(maxlen=PLETH_HZ * 2)
        self.clock = QElapsedTimer()
        self.drawn = 0.0
        self.timer = QTimer(self, interval=33)
        self.timer.timeout.connect(self._advance)
        self.setMinimumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def add(self, batch: Iterable[float]) -> None:
        self.queue.extend(batch)
        if not self.timer.isActive():
            self.clock.start()
            self.drawn = 0.0
            self.timer.start()

    def _advance(self) -> None:
        if not self.queue:
            self.timer.stop()
            return
        due = self.clock.elapsed() / 1000.0 * PLETH_HZ - self.drawn
        n = min(len(self.queue), int(due))
        if len(self.queue) > PLETH_HZ:  # fell behind (a busy moment): catch up rather than lag
            n = len(self.queue) - PLETH_HZ // 3
        for _ in range(max(0, n)):
            self.samples[self.pen_at] = self.queue.popleft()
            self.pen_at = (self.pen_at + 1) % self.size_n
            for gap in range(1, 8):  # the erase bar ahead of the pen
                self.samples[(self.pen_at + gap) % self.size_n] = None
        self.drawn += max(0, n)
        if n > 0 and self.isVisible():
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        values = [v for v in self.samples if v is not None]
        if not values:
            return
        lo, hi = min(values), max(values)
        span = (hi - lo) or 1.0
        w, h = self.width(), self.height() - 6
        step = w / (self.size_n - 1)
        path, pen_down = QPainterPath(), False
        for i, v in enumerate(self.samples):
            if v is None:
                pen_down = False
                continue
            pt = QPointF(i * step, 3 + h - (v - lo) / span * h)
            if pen_down:
                path.lineTo(pt)
            else:
                path.moveTo(pt)
                pen_down = True
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.colour, 2))
        p.drawPath(path)
        p.end()
