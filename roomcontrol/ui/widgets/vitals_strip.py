"""The vitals strip: HR, SpO₂ and NIBP (with its age) in one row of live numerics, in monitor colours, over every
full-page form, so the nurse never loses sight of the patient. It renders `snapshot.tiles` as they are; a cell
takes its tile's alarm colour (flashing with the alarm, steady once acknowledged)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from roomcontrol.domain.vitals.tiles import TileState
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.blink import Blinker

COLOURS = {"hr": theme.HR, "spo2": theme.SPO2, "nibp": theme.NIBP}


class StripCell(QWidget):
    """One numeric: label, value and unit on one line, the note or the NIBP's age after it."""

    def __init__(self, key: str, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__()
        self.key, self.blinker, self.ui_scale = key, blinker, scale
        self.colour = COLOURS[key]
        self.alarm: str | None = None
        self.acknowledged = False
        self.setAccessibleName(f"strip {key}")
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(14, scale), 2, theme.px(14, scale), 2)
        row.setSpacing(theme.px(8, scale))
        self.title = QLabel("")
        self.value = QLabel("--")
        self.unit = QLabel("")
        self.note = QLabel("")
        for label in (self.title, self.value, self.unit, self.note):
            label.setAlignment(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft)
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.note.setMinimumWidth(1)  # a long note is cut, never widens the window
        row.addWidget(self.title)
        row.addWidget(self.value)
        row.addWidget(self.unit)
        row.addWidget(self.note, 1)
        self._style(None, False)
        blinker.changed.connect(self._blink)

    def _style(self, priority: str | None, lit: bool) -> None:
        s = self.ui_scale
        inverted = priority is not None and lit and not self.acknowledged
        main = theme.ALARM_TEXT[priority] if inverted and priority else self.colour
        dim = theme.ALARM_TEXT[priority] if inverted and priority else theme.DIM
        self.title.setStyleSheet(f"color: {main}; font-size: {theme.px(16, s)}px;")
        self.value.setStyleSheet(f"color: {main}; font-size: {theme.px(38, s)}px; font-weight: 600;")
        self.unit.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px;")
        self.note.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px;")
        self._inverted = inverted

    def show_state(self, state: TileState) -> None:
        age = F.ago(state.age_s) if state.age_s is not None else ""
        for label, text in ((self.title, F.screen_text(state.label)), (self.value, state.value),
                            (self.unit, state.unit), (self.note, " · ".join(t for t in (state.note, age) if t))):
            if label.text() != text:
                label.setText(text)
        if (state.priority, state.acknowledged) != (self.alarm, self.acknowledged):
            self.alarm, self.acknowledged = state.priority, state.acknowledged
            self._style(self.alarm, self.blinker.lit(self.alarm) if self.alarm else False)
            self.update()

    def _blink(self) -> None:
        if self.alarm and not self.acknowledged:
            lit = self.blinker.lit(self.alarm)
            if lit != self._inverted:
                self._style(self.alarm, lit)
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill, border = QColor(theme.PANEL), QColor(theme.LINE)
        if self.alarm:
            border = QColor(theme.ALARM[self.alarm])
            if self.acknowledged:
                fill = QColor(theme.ALARM_DIM[self.alarm])
            elif self.blinker.lit(self.alarm):
                fill = QColor(theme.ALARM[self.alarm])
        p.setPen(QPen(border, 2 if self.alarm else 1))
        p.setBrush(fill)
        p.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 10, 10)
        p.end()


class VitalsStrip(QWidget):
    """The row of cells; the window shows it above every page but the main screen and the lock screen."""

    def __init__(self, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__()
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(10, scale), 0, theme.px(10, scale), 0)
        row.setSpacing(theme.px(8, scale))
        self.cells = {key: StripCell(key, blinker, scale) for key in ("hr", "spo2", "nibp")}
        for key, cell in self.cells.items():
            row.addWidget(cell, 4 if key == "nibp" else 3)
        self.setFixedHeight(theme.px(58, scale))

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        for key, state in snap.tiles.items():
            if key in self.cells:
                self.cells[key].show_state(state)
