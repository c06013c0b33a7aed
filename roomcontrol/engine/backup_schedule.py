"""The nightly backup ([backup] in room.toml): a small thread of the room app, never the engine's.

At the configured local time it backs the room database up (roomcontrol.store.backup: its own connection, so
the engine never waits) and logs the outcome through the engine, the single writer: `backup.made` {path,
last_seq, bytes} or `backup.failed` {reason}. A backup missed while the PC was off (the newest one in the folder
is older than the last scheduled time) runs at the next start. A failure is retried every RETRY_S and stays in
`failure` (shown on the screen) until a backup succeeds.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from roomcontrol.config.room import BackupConfig
from roomcontrol.domain import kinds as K
from roomcontrol.domain.events import NewEvent
from roomcontrol.store.backup import backup_room, backups
from roomcontrol.store.errors import StoreError

log = logging.getLogger(__name__)
RETRY_S = 3600.0        # after a failure (a share offline), try again this much later
WAKE_S = 60.0           # the thread re-reads the wall clock at least this often (a clock set, a suspend)


def last_scheduled(now: datetime, hour: int, minute: int) -> datetime:
    """The latest scheduled instant at or before `now` (local time, `now` timezone-aware)."""
    today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


class NightlyBackup:
    """`start()` it beside the engine; `stop()` before the room closes. `failure` is read by the screen."""

    def __init__(self, room, config: BackupConfig, data_dir: Path | str, *,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone()):
        self.room = room
        self.config = config
        self.data_dir = Path(data_dir)
        self.now = now
        self.failure: str | None = None       # the last attempt's reason, None once a backup succeeded
        self.next_due: datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def prefix(self) -> str:
        return f"roomcontrol-{self.room.config.room_id}-"

    def newest(self) -> datetime | None:
        """When the newest complete backup of this room in the folder was made (None: none, or no folder)."""
        try:
            found = backups(self.config.dir, self.prefix)
        except OSError:
            return None
        if not found:
            return None
        stamp = found[-1].stem[len(self.prefix):].split("-")[0]
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)

    def first_due(self) -> datetime:
        """Now, if the last scheduled backup was missed; else the next scheduled time."""
        now = self.now()
        last = last_scheduled(now, *self.config.hour_minute)
        newest = self.newest()
        if newest is None or newest < last:
            return now
        return last + timedelta(days=1)

    def run_once(self) -> bool:
        """Back up now and log the outcome through the engine; True when a verified backup was made."""
        try:
            m = backup_room(self.data_dir, self.config.dir, room_id=self.room.config.room_id, keep=self.config.keep)
        except Exception as exc:  # a damaged database, a vanished share: said on screen, never the thread's end
            self.failure = str(exc) if isinstance(exc, (StoreError, OSError)) else f"{type(exc).__name__}: {exc}"
            log.error("nightly backup failed: %s", self.failure)
            self._log(NewEvent(K.BACKUP_FAILED, {"reason": self.failure[:500]}, "system", None))
            return False
        self.failure = None
        log.info("nightly backup made: %s", m.file)
        self._log(NewEvent(K.BACKUP_MADE, {"path": str(Path(self.config.dir) / m.file), "last_seq": m.last_seq,
                                           "bytes": m.bytes}, "system", None))
        return True

    def _log(self, event: NewEvent) -> None:
        # Posted, not awaited: the engine writes it in its order; a room closing meanwhile only loses this note.
        self.room.call(lambda: self.room.record(event)).add_done_callback(_report)

    # -- the thread ---------------------------------------------------------------------------------------
    def start(self) -> "NightlyBackup":
        self.next_due = self.first_due()
        self._thread = threading.Thread(target=self._loop, name="room-backup", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = self.now()
            assert self.next_due is not None
            if now >= self.next_due:
                ok = self.run_once()
                scheduled = last_scheduled(self.now(), *self.config.hour_minute) + timedelta(days=1)
                self.next_due = scheduled if ok else min(scheduled, self.now() + timedelta(seconds=RETRY_S))
                continue
            self._stop.wait(min(WAKE_S, (self.next_due - now).total_seconds()))

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)  # a backup under way finishes (its temporary file is never left half)
            self._thread = None


def _report(future) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("the backup's outcome could not be logged: %s", exc)
