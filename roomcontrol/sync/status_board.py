"""The pusher's current SyncStatus, shared between its thread and whoever reads it (the room screen, the live
channel): changed under a lock, and a listener told of every change on the changing thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Callable

from roomcontrol.sync.status import SyncStatus

log = logging.getLogger("roomcontrol.sync.pusher")  # the pusher's log, as before the split


class StatusBoard:
    def __init__(self, initial: SyncStatus, on_status: Callable[[SyncStatus], None] | None = None):
        self.on_status = on_status
        self._status = initial
        self._lock = threading.Lock()

    @property
    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def update(self, **changes) -> None:
        """Apply `changes` (SyncStatus fields); the listener hears the new status when anything changed."""
        with self._lock:
            new = replace(self._status, **changes)
            changed = new != self._status
            self._status = new
        if changed:
            self.announce(new)

    def announce(self, status: SyncStatus | None = None) -> None:
        """Tell the listener `status` (default: the current one)."""
        if self.on_status is not None:
            try:
                self.on_status(status if status is not None else self.status)
            except Exception:  # a broken listener must not stop the sync
                log.exception("sync: on_status listener failed")
