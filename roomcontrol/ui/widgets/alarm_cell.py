"""A numeric's frame in its alarm's colour, as a monitor draws it: while the alarm is active and unacknowledged the
cell inverts (filled with the alarm colour, text per theme.ALARM_TEXT), flashing with the priority's pattern;
acknowledged, it keeps a coloured edge on a dim fill. The vitals tiles and the vitals strip's cells are both this."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QWidget

from roomcontrol.domain.vitals.tiles import TileState
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.blink import Blinker


class AlarmCell(QWidget):
    RADIUS = 14   # the frame's corner radius and the alarm edge's width, px
    EDGE = 3

    def __init__(self, blinker: Blinker) -> None:
        super().__init__()
        self.blinker = blinker
        self.alarm: str | None = None
        self.acknowledged = False
        self.inverted = False  # painted inverted right now
        blinker.changed.connect(self._blink)

    # the subclass's numeric colour and its labels, laid out its own way
    colour: str
    title: QLabel
    value: QLabel
    unit: QLabel
    note: QLabel

    def restyle(self, inverted: bool) -> None:
        """Colour the cell's labels for the normal or the inverted look (the subclass's labels)."""

    def tones(self, inverted: bool) -> tuple[str, str]:
        """(main, dim): the numeric's colour and the dim parts' (unit, note); inverted, both the alarm's text colour."""
        main = theme.ALARM_TEXT[self.alarm] if inverted and self.alarm else self.colour
        return main, main if inverted else theme.DIM

    def show_texts(self, state: TileState, *more: tuple[QLabel, str]) -> None:
        """The state's label, value, unit and note (with the reading's age) on the cell, and `more` of the
        subclass's; a label is set only when its text changed (no relayout at every reading)."""
        age = F.ago(state.age_s) if state.age_s is not None else ""
        for label, text in ((self.title, F.screen_text(state.label)), (self.unit, state.unit),
                            (self.value, state.value), (self.note, " · ".join(t for t in (state.note, age) if t)),
                            *more):
            if label.text() != text:
                label.setText(text)

    def set_alarm(self, priority: str | None, acknowledged: bool) -> None:
        if (priority, acknowledged) != (self.alarm, self.acknowledged):
            self.alarm, self.acknowledged = priority, acknowledged
            self._blink(force=True)

    def lit(self) -> bool:
        return self.alarm is not None and not self.acknowledged and self.blinker.lit(self.alarm)

    def _blink(self, force: bool = False) -> None:
        if not force and not self.inverted and not (self.alarm and not self.acknowledged):
            return
        if self.lit() != self.inverted:
            self.inverted = self.lit()
            self.restyle(self.inverted)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill, border = QColor(theme.PANEL), QColor(theme.LINE)
        if self.alarm:
            border = QColor(theme.ALARM[self.alarm])
            if self.inverted:
                fill = QColor(theme.ALARM[self.alarm])
            elif self.acknowledged:
                fill = QColor(theme.ALARM_DIM[self.alarm])
        p.setPen(QPen(border, self.EDGE if self.alarm else 1))
        p.setBrush(fill)
        p.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), self.RADIUS, self.RADIUS)
        p.end()
