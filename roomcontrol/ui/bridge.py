"""Engine → GUI: callbacks from the engine and device threads become Qt signals queued to the GUI thread.

`Commands` turns the futures of commands and reads (`room.send(...)`, `room.call(...)`) into signals and never
waits: the future's callback (on the engine thread) emits a signal, and the GUI thread gets the result or the
refusal's plain reason from it.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Future
from typing import Callable

from PySide6.QtCore import QObject, Signal

from roomcontrol.domain.errors import Refused


class EngineBridge(QObject):
    logged = Signal(object)     # roomcontrol.domain.events.Event (not `event`: that is QObject's handler)
    snapshot = Signal(object)   # roomcontrol.engine.snapshot.RoomSnapshot
    pleth = Signal(object)      # list[float], one batch (25 samples at 75 Hz)

    def attach(self, room, devices=None) -> None:
        # Signals emitted from another thread are queued to this object's (the GUI) thread by Qt.
        room.subscribe(on_event=self.logged.emit, on_snapshot=self.snapshot.emit)
        if devices is not None:
            devices.pleth_listeners.append(lambda samples, ts: self.pleth.emit(samples))


class Commands(QObject):
    """Futures → signals. `run(future, on_ok, on_error)` calls one of the two later, on the GUI thread."""
    _finished = Signal(int, object, object)  # token, result, error message (or None)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple] = {}
        self._finished.connect(self._deliver)

    def run(self, future: Future, on_ok: Callable | None = None, on_error: Callable | None = None) -> None:
        token = next(self._ids)
        self._pending[token] = (on_ok, on_error)
        future.add_done_callback(lambda f: self._finished.emit(token, *_outcome(f)))

    @property
    def busy(self) -> int:
        return len(self._pending)

    def _deliver(self, token: int, result, error) -> None:
        on_ok, on_error = self._pending.pop(token, (None, None))
        if error is None:
            if on_ok:
                on_ok(result)
        elif on_error:
            on_error(error)


class Reason(str):
    """A refusal's plain words for on_error; `code` names a refusal a screen answers itself (the domain's
    HighDoseUnconfirmed: the high-dose confirmation page), else None."""
    code: str | None = None


def _outcome(future: Future) -> tuple:
    exc = future.exception()
    if exc is None:
        return future.result(), None
    if isinstance(exc, Refused):
        reason = Reason(str(exc))
        reason.code = getattr(exc, "code", None)
        return None, reason
    return None, f"not recorded: {exc}"  # a StoreError (e.g. full disk) or a bug: said plainly, never hidden
