"""What one drain of the pusher ends with: the counts the hub acknowledged (SyncResult, also `sync now`'s JSON),
or the failure that ended it early with the sync state it puts the room in (PushFailed)."""

from __future__ import annotations

from dataclasses import dataclass

from roomcontrol.sync.status import SyncStatus


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    sent_events: int = 0       # acknowledged as new by the hub
    sent_vitals: int = 0
    duplicate_events: int = 0  # the hub already held them (a resend after a crash or a lost ack)
    duplicate_vitals: int = 0
    quarantined_events: int = 0  # taken by the hub into quarantine (content it will not store as is)
    batches: int = 0
    error: str | None = None
    status: SyncStatus | None = None

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in ("ok", "sent_events", "sent_vitals", "duplicate_events",
                                           "duplicate_vitals", "quarantined_events", "batches", "error")}
        d["status"] = self.status.to_dict() if self.status else None
        return d


class PushFailed(Exception):
    """A drain stopped: `state` is the sync state it leaves (offline, refused, error), the message says why."""

    def __init__(self, state: str, message: str):
        super().__init__(message)
        self.state = state
