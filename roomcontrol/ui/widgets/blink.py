"""One shared flasher: high alarms flash at ~2 Hz, medium at ~0.6 Hz, low stays steady (DESIGN.md, Alarms).
Its timers run only while something flashes, so a quiet room costs nothing."""

from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from roomcontrol.ui import theme


class Blinker(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on = {"high": True, "medium": True, "low": True}
        self._timers: dict[str, QTimer] = {}
        for priority, half in theme.FLASH_HALF_PERIOD_MS.items():
            t = QTimer(self, interval=half)
            t.timeout.connect(lambda p=priority: self._toggle(p))
            self._timers[priority] = t
        self._wanted: set[str] = set()

    def want(self, priorities: Iterable[str]) -> None:
        """Flash these priorities from now on (the set of raised, unacknowledged alarm priorities)."""
        wanted = set(priorities) & set(self._timers)
        for p, t in self._timers.items():
            if p in wanted and not t.isActive():
                self._on[p] = True
                t.start()
            elif p not in wanted and t.isActive():
                t.stop()
                self._on[p] = True
        self._wanted = wanted

    def lit(self, priority: str) -> bool:
        return self._on.get(priority, True)

    def _toggle(self, priority: str) -> None:
        self._on[priority] = not self._on[priority]
        self.changed.emit()
