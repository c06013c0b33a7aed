"""Events as the domain sees them: a stored row (with seq and time) and a new one (not yet stamped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from roomcontrol.domain.timefmt import iso_utc


@dataclass(frozen=True)
class NewEvent:
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    actor: str = "system"
    session_id: str | None = None


@dataclass(frozen=True)
class Event:
    seq: int
    id: str
    room_id: str
    session_id: str | None
    ts: datetime
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str = ""
    hash: str = ""

    def hashed_row(self) -> dict[str, Any]:
        return {"seq": self.seq, "id": self.id, "room_id": self.room_id, "session_id": self.session_id,
                "ts": iso_utc(self.ts), "kind": self.kind, "actor": self.actor, "payload": self.payload}

    def to_json(self) -> dict[str, Any]:
        return {**self.hashed_row(), "prev_hash": self.prev_hash, "hash": self.hash}
