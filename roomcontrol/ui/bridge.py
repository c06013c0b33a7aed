"""Turns engine callbacks (on the engine thread) into Qt signals delivered on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class EngineBridge(QObject):
    event = Signal(object)      # roomcontrol.domain.events.Event
    snapshot = Signal(object)   # roomcontrol.engine.snapshot.RoomSnapshot

    def attach(self, room) -> None:
        # Signals emitted from another thread are queued to this object's (the GUI) thread by Qt.
        room.subscribe(on_event=self.event.emit, on_snapshot=self.snapshot.emit)
