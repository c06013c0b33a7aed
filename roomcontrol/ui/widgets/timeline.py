"""The event timeline of the session, newest first, with an Alarms filter (the alarm history)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QScroller, QVBoxLayout, QWidget, QHBoxLayout, QLabel

from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.buttons import Choice

MAX_ROWS = 400


class Timeline(QWidget):
    def __init__(self, controller):
        super().__init__()
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.events: list = []
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        title = QLabel("TIMELINE", objectName="title")
        self.filter = Choice(("all", "alarms"), {"all": "All", "alarms": "Alarms"})
        self.filter.set_value("all")
        self.filter.changed.connect(lambda _: self._rebuild())
        self.status = QLabel("")
        head.addWidget(title)
        head.addWidget(self.status, 1)
        head.addWidget(self.filter)
        box.addLayout(head)
        self.list = QListWidget()
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.list.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        box.addWidget(self.list, 1)
        controller.history_loaded.connect(self.set_events)
        controller.logged.connect(self.add)
        self.set_events(controller.history)  # a window opened later starts with what is known

    def show_alarms(self) -> None:
        self.filter.set_value("alarms")

    def set_events(self, events) -> None:
        self.events = list(events)[-MAX_ROWS:]
        self._rebuild()

    def add(self, event) -> None:
        if event.kind == "session.opened":
            self.events = []
            self.list.clear()
        self.events.append(event)
        del self.events[:-MAX_ROWS]
        item = self._item(event)
        if item is not None:
            self.list.insertItem(0, item)
            if self.list.count() > MAX_ROWS:
                self.list.takeItem(self.list.count() - 1)

    def _rebuild(self) -> None:
        self.list.clear()
        for event in reversed(self.events):
            item = self._item(event)
            if item is not None:
                self.list.addItem(item)

    def _item(self, e) -> QListWidgetItem | None:
        if self.filter.value == "alarms" and not F.is_alarm(e):
            return None
        text = F.event_line(e)
        if text is None:
            return None
        item = QListWidgetItem(f"{e.ts.astimezone().strftime('%H:%M')}   {text}")
        if e.kind == "alarm.raised":
            item.setForeground(QColor(theme.ALARM.get(e.payload.get("priority"), theme.TEXT)))
        elif e.kind.startswith(("ambient.", "device.", "staff.")):
            item.setForeground(QColor(theme.DIM))
        return item
