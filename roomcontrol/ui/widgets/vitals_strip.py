"""The vitals strip: HR, SpO₂ and NIBP (with its age) in one row of live numerics, in monitor colours, over every
full-page form, so the nurse never loses sight of the patient. It renders `snapshot.tiles` as they are; a cell
takes its tile's alarm colour (flashing with the alarm, steady once acknowledged)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from roomcontrol.domain.vitals.tiles import TileState
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.alarm_cell import AlarmCell
from roomcontrol.ui.widgets.blink import Blinker

COLOURS = {"hr": theme.HR, "spo2": theme.SPO2, "nibp": theme.NIBP}


class StripCell(AlarmCell):
    """One numeric: label, value and unit on one line, the note or the NIBP's age after it, in its alarm's colour."""
    RADIUS, EDGE = 10, 2

    def __init__(self, key: str, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__(blinker)
        self.key, self.ui_scale = key, scale
        self.colour = COLOURS[key]
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
        self.restyle(False)

    def restyle(self, inverted: bool) -> None:
        s = self.ui_scale
        main, dim = self.tones(inverted)
        self.title.setStyleSheet(f"color: {main}; font-size: {theme.px(16, s)}px;")
        self.value.setStyleSheet(f"color: {main}; font-size: {theme.px(38, s)}px; font-weight: 600;")
        self.unit.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px;")
        self.note.setStyleSheet(f"color: {dim}; font-size: {theme.px(15, s)}px;")

    def show_state(self, state: TileState) -> None:
        self.show_texts(state)
        self.set_alarm(state.priority, state.acknowledged)


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
