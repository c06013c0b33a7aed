"""The alarm banner: EVERY active alarm, one row each, highest priority first. An unacknowledged row flashes in
its priority's colour (high ~2 Hz, medium ~0.6 Hz, low steady); an acknowledged one whose condition persists
stays, steady and dark, with ✓ and who. Each row gives the subject's LIVE value (not the value at raise time),
its limits and an escalation. Acknowledge (the top unacknowledged alarm) and Pause sound are separate acts, both
logged. What each row says comes decided in the snapshot (`snap.alarm_views`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from roomcontrol.domain.alarms import Alarm, AlarmView
from roomcontrol.domain.wording import ALARM_SEPARATOR, alarm_text, storage_alarm_text
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.buttons import button


def row_text(view: AlarmView) -> str:
    """'SpO₂ low  84 %  · limits ≥ 90  · ▲ escalated  · ✓ rn.ada' from an AlarmView (the alarm's words are the
    domain's, the same at the clinic station)."""
    a = view.alarm
    parts = [alarm_text(view)]
    if view.escalated:
        parts.append("▲ escalated" + (f" ×{a.escalations}" if a.escalations > 1 else ""))
    if a.acknowledged_by:
        parts.append(f"✓ {a.acknowledged_by}")
    return ALARM_SEPARATOR.join(parts)


class ElidedLabel(QLabel):
    """A one-line label that ends a text too long for it with "…" (a clinical alarm's words at 1280×800) rather
    than cutting it mid-word; text() keeps the whole words (the tooltip shows them)."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        p = QPainter(self)
        self.style().drawItemText(p, rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), text, QPalette.ColorRole.WindowText)
        p.end()


class AlarmRow(QWidget):
    """One alarm: flashing in its colour while unacknowledged, steady dark with a coloured edge once acknowledged."""

    def __init__(self, blinker: Blinker, scale: float) -> None:
        super().__init__()
        self.blinker = blinker
        self.priority: str | None = None
        self.acknowledged = False
        self._lit: bool | None = None
        self._size = theme.px(20, scale)
        box = QHBoxLayout(self)
        box.setContentsMargins(theme.px(14, scale), 2, theme.px(10, scale), 2)
        self.label = ElidedLabel("")
        self.label.setMinimumWidth(1)  # a long text (a clinical alarm's) ends in "…"; the buttons keep their size
        box.addWidget(self.label, 1)
        self.setMinimumHeight(theme.px(32, scale))
        blinker.changed.connect(self._blink)

    def set_alarm(self, priority: str, text: str, acknowledged: bool) -> None:
        changed = (priority, acknowledged) != (self.priority, self.acknowledged)
        self.priority, self.acknowledged = priority, acknowledged
        if self.label.text() != text:
            self.label.setText(text)
        if changed:
            self._lit = None
            self._blink()
        self.setVisible(True)

    def lit(self) -> bool:
        return not self.acknowledged and self.priority is not None and self.blinker.lit(self.priority)

    def _blink(self) -> None:
        if self.priority is None:
            return
        lit = self.lit()
        if lit != self._lit:
            self._lit = lit
            colour = theme.ALARM_TEXT[self.priority] if lit else theme.TEXT
            self.label.setStyleSheet(f"font-size: {self._size}px; font-weight: 600; color: {colour};")
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.priority is None:
            return
        p = QPainter(self)
        if self.acknowledged:
            p.fillRect(self.rect(), QColor(theme.PANEL_2))
            p.fillRect(0, 0, 8, self.height(), QColor(theme.ALARM[self.priority]))
        else:
            p.fillRect(self.rect(), QColor(theme.ALARM[self.priority] if self._lit else theme.ALARM_DIM[self.priority]))
        p.end()


class AlarmBanner(QWidget):
    history = Signal()

    def __init__(self, controller: RoomController, blinker: Blinker, scale: float = 1.0) -> None:
        super().__init__()
        self.controller, self.blinker, self.scale = controller, blinker, scale
        self.priority: str | None = None   # of the top row
        self.acknowledged = False          # the top row is acknowledged (so every row is)
        self.top: Alarm | None = None      # the alarm Acknowledge acts on: the top unacknowledged one
        self.active = False                # anything to show
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(theme.px(8, scale))
        self.list = QVBoxLayout()
        self.list.setSpacing(2)
        self.rows: list[AlarmRow] = [AlarmRow(blinker, scale)]
        self.list.addWidget(self.rows[0])
        row.addLayout(self.list, 1)
        self.ack = button("Acknowledge", self._acknowledge, kind="primary", name="acknowledge alarm")
        self.pause = button("Pause sound", self._pause, name="pause alarm sound")
        self.hist = button("History", self.history.emit)
        for b in (self.ack, self.pause, self.hist):
            row.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        self.setMinimumHeight(theme.px(56, scale))

    @property
    def text(self) -> QLabel:
        """The top row's words."""
        return self.rows[0].label

    def texts(self) -> list[str]:
        return [r.label.text() for r in self.rows if r.isVisibleTo(self)]

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        if snap.storage_error:
            lines = [("high", storage_alarm_text(snap.storage_error), False)]
            self.top, loud = None, []
        else:
            views = list(snap.alarm_views)
            lines = [(v.alarm.priority, row_text(v), v.acknowledged) for v in views]
            loud = [v.alarm for v in views if not v.acknowledged]
            self.top = loud[0] if loud else None
            lines.sort(key=lambda line: line[2])  # unacknowledged first, each group highest priority first
        self.active = bool(lines)
        if not lines:
            self.priority, self.acknowledged = None, False
            return
        while len(self.rows) < len(lines):
            self.rows.append(AlarmRow(self.blinker, self.scale))
            self.list.addWidget(self.rows[-1])
        for r, (priority, text, acknowledged) in zip(self.rows, lines):
            r.set_alarm(priority, text, acknowledged)
        for r in self.rows[len(lines):]:
            r.setVisible(False)
        self.priority, _, self.acknowledged = lines[0]
        self.ack.setVisible(self.top is not None)
        self.ack.setText("Acknowledge" if len(loud) < 2 else f"Acknowledge ({len(loud)})")
        self.pause.setVisible(not snap.storage_error)
        until = snap.audio_paused_until
        self.pause.setText(f"Sound paused {F.mmss((until - snap.now).total_seconds())}"
                           if until is not None and until > snap.now else "Pause sound")

    def _acknowledge(self) -> None:
        if self.top is not None:
            self.controller.ops.acknowledge_alarm(self.top.alarm_id)

    def _pause(self) -> None:
        self.controller.ops.pause_alarm_audio()
