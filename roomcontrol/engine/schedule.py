"""The protocol's schedule in the engine (issue #15 item 2): keeps the session's schedule `Record`
(domain/schedule.py) from the log and the monitor's NIBP readings, hands the due/overdue items to the snapshot,
charts a reading (`validate_reading` → vitals.validated) and asks the monitor to measure (`start_nibp` →
vitals.nibp_requested, bound by the devices since only they hold the monitor).

On start it re-reads the open session's events and its stored NIBP readings, so a restart keeps what was done:
no timer lives only in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain import schedule as S
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.domain.vitals import Reading
from roomcontrol.store.vitals import read_vitals

if TYPE_CHECKING:
    from roomcontrol.engine.room import Room

NIBP_KINDS = ("nibp_systolic", "nibp_diastolic", "nibp_mean")


class ScheduleKeeper:
    def __init__(self, room: Room):
        self.room = room
        self.record = S.Record()
        # What the room's monitor can do (RoomDevices tells, once opened): None = it takes start_nibp
        self.start_nibp_note: str | None = "No monitor driver in this room"
        session = room.state.open_session
        if session is not None:
            for event in room.log.events(session_id=session.session_id):
                self.record = S.fold(self.record, event)
            for row in read_vitals(room.db, session_id=session.session_id, kind="nibp_systolic"):
                self.record = S.reading(self.record, S.NIBP, datetime.fromisoformat(row["ts"]))
        room.subscribe(on_event=self._on_event)
        room.bind(C.ValidateReading, self._validate)

    def _on_event(self, event: Event) -> None:
        self.record = S.fold(self.record, event)

    def reading(self, r: Reading) -> None:
        """A reading reached the engine: an NIBP measurement during a session counts for the schedule."""
        if r.kind == "nibp_systolic" and r.value is not None and self.room.state.open_session is not None:
            self.record = S.reading(self.record, S.NIBP, r.received_ts)

    def items(self, now: datetime) -> tuple[S.Item, ...]:
        """Every item of the open session's protocol so far; none without a protocol (the room's own policy)."""
        session = self.room.state.open_session
        protocol = self.room.protocol_of(session)
        if session is None or protocol is None:
            return ()
        return S.items(protocol, session, self.record, now)

    def due(self, now: datetime) -> tuple[S.Item, ...]:
        return S.prompting(self.items(now))

    def _validate(self, command: C.ValidateReading, actor: str, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        if self.room.state.open_session is None:
            raise Refused("no session is open")
        what = next((i.what for i in self.items(now) if i.key == command.item), S.NIBP)
        latest = self.room.monitoring.view.latest
        kinds = NIBP_KINDS if what == S.NIBP else (what,)
        readings = [latest[k] for k in kinds if k in latest and latest[k].value is not None]
        values: dict[str, Any] = {r.kind: _number(r.value) for r in readings}
        if values:
            first = readings[0]
            values["device_ts"] = iso_utc(first.device_ts) if first.device_ts else None
        received = readings[0].received_ts if readings else None
        payload = S.validation(self.items(now), command.item, values, received, now)
        return [(K.VITALS_VALIDATED, {"by": actor, **payload})]


def start_nibp(room: Room, vitals: Any, command: C.StartNibp, actor: str) -> list[tuple[str, dict[str, Any]]]:
    """Ask the monitor to measure now. The driver returns at once (its own thread inflates the cuff); a monitor
    that cannot be started says so, in the words the screen shows on its button."""
    if not getattr(vitals, "can_start_nibp", False):
        raise Refused(getattr(vitals, "cannot_start_nibp", "This monitor can't be started from here"))
    vitals.start_nibp()
    return [(K.VITALS_NIBP_REQUESTED, {"by": actor, "item": command.item})]


def _number(value: float | None) -> float | int | None:
    return int(value) if isinstance(value, float) and value.is_integer() else value
