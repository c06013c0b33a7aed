"""What the screen renders: an immutable picture of the room at one moment, made by the engine thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from datetime import datetime
from typing import Any

from roomcontrol.domain.alarms import AlarmView, alarm_views
from roomcontrol.domain.monitoring import Monitoring
from roomcontrol.domain.session import NurseCall, RoomState, Session
from roomcontrol.domain.vitals.tiles import TileState, vital_tiles


@dataclass(frozen=True)
class RoomSnapshot:
    room_id: str
    room_name: str
    now: datetime
    phase: str
    session: Session | None
    last_seq: int
    infusion_elapsed_s: float = 0.0
    infusion_remaining_s: float | None = None
    planned_time_reached: bool = False  # the infusion has run its planned time (the card's cue)
    overrun_s: float = 0.0              # infusion seconds beyond the plan, while it still runs or is paused
    dose_given_mg: float = 0.0          # ketamine given so far, over the rate segments
    recovery_elapsed_s: float = 0.0
    recovery_remaining_s: float | None = None
    storage_error: str | None = None  # e.g. the disk is full: shown as an alarm, the room keeps running
    alarms: tuple = ()                # active Alarm objects, highest priority first
    audible: object | None = None     # the Alarm whose tone should sound now, if any
    audio_paused_until: datetime | None = None
    vitals: dict = field(default_factory=dict)   # kind → last Reading
    devices: dict = field(default_factory=dict)  # device → health value
    tiles: dict[str, TileState] = field(default_factory=dict)  # "hr", "spo2", "nibp" → what the tile shows
    alarm_views: tuple[AlarmView, ...] = ()  # each of `alarms` with its live value and limits, same order
    call: NurseCall | None = None     # the patient's call, until a nurse answers it
    call_waiting_s: float = 0.0       # how long the call has waited
    pre_dose: tuple = ()              # domain.advisories.Finding: pre-dose rules broken, no decision to proceed yet
    due: tuple = ()                   # the protocol's schedule items due or overdue now (domain.schedule.Item)
    start_nibp_note: str | None = None  # why "Measure now" cannot ask this monitor (None: it can)

    @property
    def alarm_priority(self) -> str | None:
        """The priority to flash while locked: the highest unacknowledged alarm's (high while the log cannot be
        written), else the highest acknowledged one's; None when no alarm is active."""
        if self.storage_error:
            return "high"
        loud = [a for a in self.alarms if a.acknowledged_by is None]
        shown = loud or list(self.alarms)  # highest priority first
        return shown[0].priority if shown else None

    @property
    def alarm_unacknowledged(self) -> bool:
        return bool(self.storage_error) or any(a.acknowledged_by is None for a in self.alarms)


def make_snapshot(room_id: str, room_name: str, state: RoomState, now: datetime, min_recovery_min: float,
                  storage_error: str | None, monitoring: Monitoring) -> RoomSnapshot:
    board, view, rules = monitoring.board, monitoring.view, monitoring.alarms.rules
    alarms = board.by_priority()
    extra: dict[str, Any] = {"storage_error": storage_error, "alarms": alarms, "audible": board.audible(now),
             "audio_paused_until": board.audio_paused_until, "vitals": dict(view.latest),
             "devices": dict(view.health), "tiles": vital_tiles(view.latest, alarms, now, rules),
             "alarm_views": alarm_views(alarms, view.latest, rules, now), "call": state.call,
             "call_waiting_s": state.call.waiting_s(now) if state.call else 0.0}
    s = state.session
    if s is None:
        return RoomSnapshot(room_id, room_name, now, state.phase, None, state.last_seq, **extra)
    infused = s.infusion_elapsed_s(now)
    running = s.infusion_started_at is not None and s.infusion_ended_at is None
    reached = running and infused >= s.planned_infusion_s
    recovered = s.recovery_elapsed_s(now)
    return RoomSnapshot(
        room_id, room_name, now, s.phase, s, state.last_seq,
        infusion_elapsed_s=infused,
        dose_given_mg=s.given_mg(now),
        planned_time_reached=reached,
        overrun_s=max(0.0, infused - s.planned_infusion_s) if reached else 0.0,
        infusion_remaining_s=max(0.0, s.planned_infusion_s - infused) if s.infusion_ended_at is None else 0.0,
        recovery_elapsed_s=recovered,
        recovery_remaining_s=(max(0.0, min_recovery_min * 60 - recovered)
                              if s.recovery_started_at is not None else None),
        **extra,
    )
