"""The event timeline of the session, newest first, with an Alarms filter (the alarm history).

A corrected entry shows its corrected values, marked "✎ corrected"; tapping a charted entry (the dose plan, a
symptom, a medication, an assessment, the baseline, a checklist detail, a note) asks for its correction."""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QScroller, QSizePolicy, QVBoxLayout,
                               QWidget)

from roomcontrol.domain.corrections import CORRECTABLE
from roomcontrol.domain.events import Event
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.buttons import Choice
from roomcontrol.ui.widgets.feedback import say
from roomcontrol.ui.widgets.named import named

MAX_ROWS = 400
CORRECTED_MARK = "  ✎ corrected"
EVENT_ROLE = Qt.ItemDataRole.UserRole


class Timeline(QWidget):
    correct = Signal(object, dict)  # a charted entry tapped: (the entry as logged, its current payload)

    def __init__(self, controller: RoomController) -> None:
        super().__init__()
        self.setObjectName("panel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.events: list[Event] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(12, 8, 12, 8)
        head = QHBoxLayout()
        title = named(QLabel("TIMELINE"), "title")
        self.filter = Choice(("all", "alarms"), {"all": "All", "alarms": "Alarms"})
        self.filter.set_value("all")
        self.filter.changed.connect(lambda _: self._rebuild())
        self.status = QLabel("")
        # A long message wraps inside the timeline's own width; it must never widen the column (which squeezed
        # the vitals tiles).
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head.addWidget(title)
        head.addWidget(self.status, 1)
        head.addWidget(self.filter)
        box.addLayout(head)
        self.list = QListWidget()
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.list.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.list.itemClicked.connect(self._tapped)
        box.addWidget(self.list, 1)
        controller.history_loaded.connect(self.set_events)
        controller.logged.connect(self.add)
        self.set_events(controller.history)  # a window opened later starts with what is known

    def show_alarms(self) -> None:
        self.filter.set_value("alarms")

    def set_events(self, events: Iterable[Event]) -> None:
        self.events = list(events)[-MAX_ROWS:]
        self._rebuild()

    def add(self, event: Event) -> None:
        if event.kind == "session.opened":
            self.events = []
            self.list.clear()
        self.events.append(event)
        del self.events[:-MAX_ROWS]
        if event.kind == "event.corrected":  # the corrected entry changes where it stands
            self._rebuild()
            return
        item = self._item(event)
        if item is not None:
            self.list.insertItem(0, item)
            if self.list.count() > MAX_ROWS:
                self.list.takeItem(self.list.count() - 1)

    def corrected(self, event: Event) -> dict[str, Any] | None:
        """The latest corrected payload of an entry, or None if it was never corrected."""
        latest = None
        for e in self.events:
            if e.kind == "event.corrected" and e.payload.get("corrects_seq") == event.seq:
                latest = e.payload.get("corrected")
        return latest

    def _tapped(self, item: QListWidgetItem) -> None:
        event = item.data(EVENT_ROLE)
        if event is None:
            return
        if event.kind == "event.corrected":  # a correction's line corrects the entry it points at
            event = next((e for e in self.events if e.seq == event.payload.get("corrects_seq")), None)
        if event is None or event.kind not in CORRECTABLE:
            say(self.status, "This entry cannot be corrected; add a note to explain")
            return
        self.status.setText("")
        self.correct.emit(event, dict(self.corrected(event) or event.payload))

    def _rebuild(self) -> None:
        self.list.clear()
        for event in reversed(self.events):
            item = self._item(event)
            if item is not None:
                self.list.addItem(item)

    def _item(self, e: Event) -> QListWidgetItem | None:
        if self.filter.value == "alarms" and not F.is_alarm(e):
            return None
        fixed = self.corrected(e) if e.kind in CORRECTABLE else None
        text = F.event_line(dataclasses.replace(e, payload=fixed) if fixed else e)
        if text is None:
            return None
        item = QListWidgetItem(f"{e.ts.astimezone().strftime('%H:%M')}   {text}" + (CORRECTED_MARK if fixed else ""))
        item.setData(EVENT_ROLE, e)
        if e.kind == "alarm.raised":
            item.setForeground(QColor(theme.ALARM.get(e.payload.get("priority", ""), theme.TEXT)))
        elif e.kind.startswith(("ambient.", "device.", "staff.")):
            item.setForeground(QColor(theme.DIM))
        return item
