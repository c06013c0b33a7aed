"""The GUI side of one room: the engine bridge, commands without blocking, who is signed in, idle auto-lock.

One controller serves every window (the nurse's monitor and the touchscreen), so both show the same room
and the same sign-in. Nothing here waits on the engine: reads and commands go through futures whose
outcome comes back as a signal.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from roomcontrol.domain import staff as S
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui.bridge import Commands, EngineBridge
from roomcontrol.ui.operations import Operations

ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress, QEvent.Type.Wheel}
HISTORY_ROOM_EVENTS = 60


class RoomController(QObject):
    snapshot = Signal(object)
    logged = Signal(object)          # an Event the engine logged (not `event`: that is QObject's handler)
    pleth = Signal(object)
    staff_changed = Signal(object)   # {"staff_id", "name", "role"} or None (locked)
    history_loaded = Signal(object)  # list of events: the open session's, or the room's last few
    ambient = Signal(object)         # RoomDevices.status()
    notice = Signal(str)             # a refusal or failure to show, in plain words

    def __init__(self, room, devices=None, gate=None, *, sync_status: Callable | None = None,
                 backup_failure: Callable[[], str | None] | None = None,
                 station_status: Callable[[], str] | None = None, idle_lock_s: float = 180.0, controlled=None):
        super().__init__()
        self.room, self.devices, self.gate = room, devices, gate
        self.controlled = controlled  # engine/controlled.ControlledRecord: the witnessed waste's PIN checks
        self.config = room.config
        self.sync_status = sync_status  # a cheap, non-blocking callable giving an object with headline()
        self.backup_failure = backup_failure  # why the last nightly backup failed (None: it did not, or none set)
        self.station_status = station_status  # the live channel's status string (sync/live_client), cheap too
        self.idle_lock_s = idle_lock_s
        self.staff: dict | None = None
        self.last: RoomSnapshot | None = None  # the latest snapshot
        self.history: list = []
        self.vitals_history: list = []
        self.commands = Commands(self)
        self.ops = Operations(self)  # what the screens send: one operation per command
        self.bridge = EngineBridge(self)
        self.bridge.snapshot.connect(self._on_snapshot)
        self.bridge.logged.connect(self._on_event)
        self.bridge.pleth.connect(self.pleth)
        self._last_activity = time.monotonic()
        self._idle = QTimer(self)
        self._idle.setInterval(int(min(2000, max(50, idle_lock_s * 500))))
        self._idle.timeout.connect(self._check_idle)
        self._ambient = QTimer(self)
        self._ambient.setInterval(2000)
        self._ambient.timeout.connect(self.refresh_ambient)

    def start(self) -> "RoomController":
        self.bridge.attach(self.room, self.devices)
        self.refresh()
        self.load_history()
        self.refresh_ambient()
        self._idle.start()
        self._ambient.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        return self

    # -- who is signed in ----------------------------------------------------------------------------
    @property
    def actor(self) -> str:
        return self.staff["staff_id"] if self.staff else "system"

    @property
    def is_admin(self) -> bool:
        return bool(self.staff and self.staff.get("role") == "admin")

    def unlock(self, staff_id: str, pin: str, on_ok=None, on_error=None) -> None:
        if self.gate is None:
            self.ops.unlock(staff_id, pin, on_ok=on_ok, on_error=on_error)
            return
        # The gate checks the PIN's slow hash off the engine thread; the outcome comes back like a command's.
        self.commands.run(self.gate.unlock(staff_id, pin), lambda result: self._done(result, on_ok),
                          on_error or self.notice.emit)

    def record_waste(self, command, on_ok=None, on_error=None) -> None:
        """The witnessed waste: both PINs hashed off the GUI and engine threads; the outcome comes back like a
        command's (the signed-in nurse is the actor)."""
        if self.controlled is None:
            (on_error or self.notice.emit)("this room keeps no controlled-substance record")
            return
        self.commands.run(self.controlled.record_waste(command, self.actor),
                          lambda result: self._done(result, on_ok), on_error or self.notice.emit)
    def countersign(self, staff_id: str, pin: str, on_ok: Callable, on_error: Callable) -> None:
        """A second person signs with their PIN on this screen (an administrator's override): on_ok gets
        {"staff_id", "name", "role"}; the PIN is checked off the engine thread, as at sign-in."""
        if self.gate is None:
            on_error("this room has no staff accounts to sign with")
            return
        self.commands.run(self.gate.countersign.sign(staff_id, pin), on_ok, on_error)

    def lock(self, reason: str = "locked by hand") -> None:
        if self.staff is not None:
            self.ops.lock(reason)

    def staff_list(self, on_ok: Callable) -> None:
        if self.gate is None:
            on_ok([])
            return
        self.commands.run(self.gate.staff_list(), on_ok, self.notice.emit)

    # -- commands and reads, never waiting -----------------------------------------------------------
    def run(self, command, *, actor: str | None = None, on_ok: Callable | None = None,
            on_error: Callable | None = None) -> None:
        """Send a typed command (see `ops`); `on_ok(events)` or `on_error(reason)` run later on the GUI thread.
        Without on_error, a refusal is shown as a notice."""
        future = self.room.send(command, actor or self.actor)
        self.commands.run(future, lambda result: self._done(result, on_ok), on_error or self.notice.emit)

    def call(self, fn: Callable, on_ok: Callable | None = None, on_error: Callable | None = None) -> None:
        """Run `fn` on the engine thread (reads of the store, device status) and get its result later."""
        self.commands.run(self.room.call(fn), on_ok, on_error or self.notice.emit)

    def refresh(self) -> None:
        self.call(self.room.snapshot, self._on_snapshot)

    def refresh_ambient(self) -> None:
        if self.devices is not None:
            self.call(self.devices.status, self.ambient.emit, lambda _: None)

    def load_history(self) -> None:
        self.call(lambda: self.room.history(HISTORY_ROOM_EVENTS), self._on_history)

    def _on_history(self, result) -> None:
        events, self.vitals_history = result
        seen = {e.seq for e in self.history}
        self.history = sorted([e for e in events if e.seq not in seen] + self.history, key=lambda e: e.seq)
        self.history_loaded.emit(self.history)

    def _done(self, result, on_ok) -> None:
        self._on_snapshot(result.snapshot)  # the room right after the command: no second trip to the engine
        if on_ok:
            on_ok(result.events)

    # -- engine signals ------------------------------------------------------------------------------
    def _on_snapshot(self, snap) -> None:
        if self.last is not None and snap.last_seq < self.last.last_seq:
            return  # an older picture overtaken by a newer one
        self.last = snap
        self.snapshot.emit(snap)

    def _on_event(self, event) -> None:
        if event.kind == "session.opened":
            self.history = []
        self.history.append(event)
        if event.kind == S.STAFF_UNLOCKED:
            self.staff = {k: event.payload.get(k) for k in ("staff_id", "name", "role")}
            self._last_activity = time.monotonic()
            self.staff_changed.emit(self.staff)
        elif event.kind == S.STAFF_LOCKED and self.staff and event.payload.get("staff_id") == self.staff["staff_id"]:
            self.staff = None
            self.staff_changed.emit(None)
        self.logged.emit(event)

    # -- idle auto-lock ------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if event.type() in ACTIVITY:
            self._last_activity = time.monotonic()
        return False

    def idle_s(self) -> float:
        return time.monotonic() - self._last_activity

    def _check_idle(self) -> None:
        if self.staff is not None and self.idle_s() >= self.idle_lock_s:
            self.lock("idle")

    def stop(self) -> None:
        self._idle.stop()
        self._ambient.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
