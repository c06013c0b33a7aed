"""The alarm banner: the highest-priority alarm in its colour (high flashing ~2 Hz, medium ~0.6 Hz, low
steady), with Acknowledge and Pause sound. Acknowledge and audio pause are separate acts, both logged."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import button


class AlarmBanner(QWidget):
    history = Signal()

    def __init__(self, controller, blinker, scale: float = 1.0):
        super().__init__()
        self.controller, self.blinker = controller, blinker
        self.priority: str | None = None
        self.acknowledged = False
        self.top = None
        row = QHBoxLayout(self)
        row.setContentsMargins(theme.px(18, scale), 6, 8, 6)
        self.text = QLabel("")
        self.text.setStyleSheet(f"font-size: {theme.px(24, scale)}px; font-weight: 600;")
        self.more = QLabel("")
        self.ack = button("Acknowledge", self._acknowledge, kind="primary", name="acknowledge alarm")
        self.pause = button("Pause sound", self._pause, name="pause alarm sound")
        self.hist = button("History", self.history.emit)
        row.addWidget(self.text, 1)
        row.addWidget(self.more)
        for b in (self.ack, self.pause, self.hist):
            row.addWidget(b)
        self.setMinimumHeight(theme.px(64, scale))
        self.active = False
        row.setContentsMargins(theme.px(18, scale), 4, 8, 4)
        blinker.changed.connect(self._blink)

    def show_snapshot(self, snap) -> None:
        alarms = list(snap.alarms)
        if snap.storage_error:
            self._set("high", f"Storage failing — {snap.storage_error}", False, None, "")
            return
        if not alarms:
            self.top = None
            self.active = False
            return
        loud = [a for a in alarms if a.acknowledged_by is None]
        top = loud[0] if loud else alarms[0]
        more = f"+{len(alarms) - 1} more" if len(alarms) > 1 else ""
        text = F.alarm_text(top)
        if top.acknowledged_by:
            text += f"   · acknowledged by {top.acknowledged_by}"
        self._set(top.priority, text, top.acknowledged_by is not None, top, more)
        paused = snap.audio_paused_until is not None and snap.audio_paused_until > snap.now
        self.pause.setText(f"Sound paused {F.mmss((snap.audio_paused_until - snap.now).total_seconds())}"
                           if paused else "Pause sound")

    def _set(self, priority, text, acknowledged, top, more) -> None:
        self.top = top
        self.ack.setVisible(top is not None and not acknowledged)
        self.pause.setVisible(top is not None)
        colour = theme.ALARM_TEXT[priority] if not acknowledged else theme.TEXT
        if (priority, acknowledged) != (self.priority, self.acknowledged) or self.text.text() != text:
            self.text.setStyleSheet(self.text.styleSheet().split("color:")[0] + f"color: {colour};")
        self.priority, self.acknowledged = priority, acknowledged
        self.text.setText(text)
        self.more.setText(more)
        self.more.setStyleSheet(f"color: {colour};")
        self.active = not acknowledged  # acknowledged alarms stay on their tiles and in the history
        self.update()

    def _acknowledge(self) -> None:
        if self.top is not None:
            self.controller.ops.acknowledge_alarm(self.top.alarm_id)

    def _pause(self) -> None:
        self.controller.ops.pause_alarm_audio()

    def _blink(self) -> None:
        if self.active and not self.acknowledged:
            self.update()

    def paintEvent(self, event) -> None:
        if self.priority is None:
            return
        p = QPainter(self)
        if self.acknowledged:
            fill = QColor(theme.ALARM_DIM[self.priority])
        else:
            fill = QColor(theme.ALARM[self.priority] if self.blinker.lit(self.priority)
                          else theme.ALARM_DIM[self.priority])
        p.fillRect(self.rect(), fill)
        p.end()
