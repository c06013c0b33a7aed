"""When an alarm or a nurse call has waited too long: each unacknowledged alarm (by alarm_id) and a pending call
("call") is timed from when this hub worker first saw it; past `after_s` it escalates once, and stays escalated
until it is acknowledged, answered or cleared. Kept by the worker holding the room's socket only, so one
escalation is posted once (a room that reconnects to another worker starts its clocks again there)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CALL = "call"


@dataclass(frozen=True)
class Escalated:
    key: str            # the alarm_id, or "call"
    what: str           # "alarm" | "call"
    text: str
    priority: str
    since: str | None   # the room's raised_at / called_at


class Escalation:
    def __init__(self, after_s: float) -> None:
        self.after_s = after_s
        self._first_seen: dict[str, float] = {}
        self.escalated: set[str] = set()

    def update(self, state: dict[str, Any] | None, now: float) -> list[Escalated]:
        """The room's latest state at monotonic time `now` → what escalates now (each once)."""
        waiting: dict[str, Escalated] = {}
        for alarm in (state or {}).get("alarms") or ():
            if not alarm.get("acknowledged_by"):
                waiting[alarm["alarm_id"]] = Escalated(alarm["alarm_id"], "alarm", alarm.get("text", ""),
                                                       alarm.get("priority", ""), alarm.get("raised_at"))
        call = (state or {}).get("call")
        if call:
            waiting[CALL] = Escalated(CALL, "call", "nurse call", "high", call.get("called_at"))
        for key in list(self._first_seen):
            if key not in waiting:
                del self._first_seen[key]
                self.escalated.discard(key)
        new = []
        for key, item in waiting.items():
            since = self._first_seen.setdefault(key, now)
            if key not in self.escalated and now - since >= self.after_s:
                self.escalated.add(key)
                new.append(item)
        return new
