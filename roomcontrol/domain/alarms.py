"""Alarm rules: physiological limits with condition delay and latching, technical alarms, acknowledge,
audio pause and escalation. Pure: readings and the time come in, alarm events go out.

Vocabulary (IEC 60601-1-8 in spirit):
- a *condition* is "heart_rate.high", "spo2.low", "vitals.lost", "spo2.stale", ...;
- it must hold for the rule's delay before the alarm is *raised*;
- *acknowledge* (by a named nurse) silences that alarm for good and, if its condition is gone, clears it;
- *audio pause* silences every alarm for a while, without acknowledging anything;
- a *latching* alarm stays after its condition is gone, until acknowledged;
- an alarm not acknowledged within `escalate_after_s` *escalates* (medium → high; high → call for help);
- a *clinical* alarm is not a vital's limit but a finding the engine makes from the protocol ("responsiveness": no
  tap on the patient's check; "advisory:<id>": an advisory rule met): `raise_clinical` / `clear_clinical` log it
  with its own wording (`text`, with the values) and it flows like every other alarm (banner, tones, acknowledge,
  escalation, station, record). It holds until the engine clears it or a nurse acknowledges it (she has seen it).
The alarm board is also a fold over the log (`apply`), so after a restart the raised alarms are still raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.vitals import LIVE_S, NIBP_KINDS, STREAMING_KINDS, Reading, recent, trusted

PRIORITY_RANK = {"high": 3, "medium": 2, "low": 1}
ESCALATE = {"low": "medium", "medium": "high", "high": "high"}
TECHNICAL_PRIORITY = {"lost": "medium", "sensor_off": "medium", "stale": "low"}
AlarmEvent = tuple[str, dict[str, Any]]  # (kind, payload) for the engine to log


@dataclass(frozen=True)
class Limit:
    kind: str
    low: float | None
    high: float | None
    priority: str
    delay_s: float
    latching: bool


@dataclass(frozen=True)
class AlarmRules:
    limits: dict[str, Limit]
    stale_after_s: float = 15
    audio_pause_s: float = 120
    escalate_after_s: float = 60


@dataclass(frozen=True)
class Alarm:
    alarm_id: str
    condition: str
    priority: str
    raised_at: datetime
    value: float | None = None
    latching: bool = False
    acknowledged_by: str | None = None
    condition_gone: bool = False  # latched: the cause is over but nobody has acknowledged yet
    escalations: int = 0
    text: str | None = None  # a clinical alarm's own wording, with its values (None: worded from the condition)

    @property
    def subject(self) -> str:
        """What the condition is about: a vitals kind ("spo2") or a device ("vitals" is the monitor)."""
        return self.condition.partition(".")[0]

    @property
    def what(self) -> str:
        """What is wrong with it: "low", "high", "stale", "lost", "sensor_off"."""
        return self.condition.partition(".")[2]

    @property
    def technical(self) -> bool:
        return self.what in TECHNICAL_PRIORITY

    @property
    def clinical(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class AlarmBoard:
    """Raised alarms (by alarm_id) and the audio pause. Conditions waiting out their delay are not here:
    they live in the AlarmEngine's memory only, because a condition that never became an alarm is not an event."""
    active: dict[str, Alarm] = field(default_factory=dict)
    audio_paused_until: datetime | None = None
    counter: int = 0

    def by_priority(self) -> tuple[Alarm, ...]:
        """Highest priority first, then the oldest."""
        return tuple(sorted(self.active.values(), key=lambda a: (-PRIORITY_RANK[a.priority], a.raised_at)))

    def for_condition(self, condition: str) -> Alarm | None:
        return next((a for a in self.active.values() if a.condition == condition), None)

    def audible(self, now: datetime) -> Alarm | None:
        """The alarm whose tone should sound now: the highest priority one not acknowledged, unless paused."""
        if self.audio_paused_until and now < self.audio_paused_until:
            return None
        loud = [a for a in self.active.values() if a.acknowledged_by is None]
        return max(loud, key=lambda a: (PRIORITY_RANK[a.priority], a.raised_at), default=None)


def limit_of(rules: AlarmRules, kind: str) -> Limit | None:
    """The limits that guard a vitals kind: an oximeter's pulse rate is held to the heart rate's."""
    limit = rules.limits.get(kind)
    if limit is None and kind == "pulse_rate":
        return rules.limits.get("heart_rate")
    return limit


def live_value(alarm: Alarm, latest: dict[str, Reading], now: datetime) -> float | None:
    """The alarm's subject as it is now (an alarm's own value is the one at raise time): the latest trusted,
    recent reading of its vitals kind (NIBP: the last measurement, which stands until the next), or None for a
    technical alarm or when nothing live is there."""
    if alarm.technical:
        return None
    reading = latest.get(alarm.subject)
    if reading is None or reading.value is None or not trusted(reading):
        return None
    if alarm.subject not in NIBP_KINDS and not recent(reading, now):
        return None
    return reading.value


@dataclass(frozen=True)
class AlarmView:
    """One active alarm as the nurse should see it: the alarm, its subject's live value and its limits."""
    alarm: Alarm
    live: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def escalated(self) -> bool:
        return self.alarm.escalations > 0

    @property
    def acknowledged(self) -> bool:
        return self.alarm.acknowledged_by is not None


def alarm_views(alarms: Iterable[Alarm], latest: dict[str, Reading], rules: AlarmRules,
                now: datetime) -> tuple[AlarmView, ...]:
    """Every active alarm (in the order given) with its live value and limits."""
    out: list[AlarmView] = []
    for a in alarms:
        limit = None if a.technical else limit_of(rules, a.subject)
        out.append(AlarmView(a, live_value(a, latest, now), limit.low if limit else None,
                             limit.high if limit else None))
    return tuple(out)


def apply(board: AlarmBoard, kind: str, payload: dict[str, Any], ts: datetime) -> AlarmBoard:
    """Fold one logged alarm event into the board."""
    if kind == K.ALARM_RAISED:
        alarm = Alarm(payload["alarm_id"], payload["condition"], payload["priority"], ts, payload.get("value"),
                      payload.get("latching", False), text=payload.get("text"))
        return replace(board, active={**board.active, alarm.alarm_id: alarm}, counter=board.counter + 1)
    found = board.active.get(payload.get("alarm_id", ""))
    if kind == K.ALARM_AUDIO_PAUSED:
        return replace(board, audio_paused_until=ts + timedelta(seconds=payload["seconds"]))
    if found is None:
        return board
    alarm = found
    if kind == K.ALARM_ACKNOWLEDGED:
        alarm = replace(alarm, acknowledged_by=payload.get("by", "?"))
    elif kind == K.ALARM_ESCALATED:
        alarm = replace(alarm, priority=payload["priority"], escalations=alarm.escalations + 1)
    elif kind == K.ALARM_CONDITION_GONE:
        alarm = replace(alarm, condition_gone=True)
    elif kind == K.ALARM_CLEARED:
        return replace(board, active={k: v for k, v in board.active.items() if k != alarm.alarm_id})
    return replace(board, active={**board.active, alarm.alarm_id: alarm})


@dataclass
class _Pending:
    since: datetime
    value: float | None
    priority: str
    delay_s: float
    latching: bool


class AlarmEngine:
    """Turns readings, device health and time into alarm events. Owned by the engine thread.

    Methods return `(kind, payload)` pairs to log; the caller logs them and folds them back through `apply`,
    so the board always equals what the log says.
    """

    def __init__(self, rules: AlarmRules, new_id: Callable[[], str]):
        self.rules = rules
        self._new_id = new_id  # the engine's: ids stay unique across restarts, which a counter here would not
        self._pending: dict[str, _Pending] = {}       # condition → waiting out its delay
        self._holding: dict[str, bool] = {}            # condition → does it hold right now
        self._last_seen: dict[str, datetime] = {}      # vitals kind → last trusted reading
        self._device_down: dict[str, bool] = {}        # device → lost or sensor off (then "stale" says nothing new)

    # -- inputs ---------------------------------------------------------------------------------------
    def reading(self, board: AlarmBoard, r: Reading, now: datetime) -> list[AlarmEvent]:
        out: list[AlarmEvent] = []
        kind, value = r.kind, r.value
        limit = self._limit_for(kind, now)
        if trusted(r):
            self._last_seen[kind] = now
            out += self._condition(board, f"{kind}.stale", False, None, now)
            if limit is not None:
                assert value is not None  # a trusted reading has one
                low = limit.low is not None and value < limit.low
                high = limit.high is not None and value > limit.high
                out += self._condition(board, f"{kind}.low", low, value, now, limit)
                out += self._condition(board, f"{kind}.high", high, value, now, limit)
        return out

    def device(self, board: AlarmBoard, device: str, health: str, now: datetime) -> list[AlarmEvent]:
        self._device_down[device] = health in ("lost", "sensor_off")
        out = self._condition(board, f"{device}.lost", health == "lost", None, now)
        out += self._condition(board, f"{device}.sensor_off", health == "sensor_off", None, now)
        return out

    def tick(self, board: AlarmBoard, now: datetime) -> list[AlarmEvent]:
        """Delays that ran out, readings gone stale, alarms that waited too long for a nurse."""
        out: list[AlarmEvent] = []
        for condition, p in list(self._pending.items()):
            if (now - p.since).total_seconds() >= p.delay_s:
                out += self._raise(board, condition, p, now)
        quiet = any(self._device_down.values())
        for kind, seen in self._last_seen.items():
            if quiet or kind not in STREAMING_KINDS or self._limit_for(kind, now) is None:
                continue
            if (now - seen).total_seconds() >= self.rules.stale_after_s:
                out += self._condition(board, f"{kind}.stale", True, None, now)
        for alarm in board.active.values():
            waited = (now - alarm.raised_at).total_seconds()
            due = self.rules.escalate_after_s * (alarm.escalations + 1)
            if alarm.technical or alarm.acknowledged_by is not None:
                continue  # escalation calls for help with the patient, not with a cable
            if waited >= due and alarm.escalations < 3:
                out.append((K.ALARM_ESCALATED, {"alarm_id": alarm.alarm_id, "condition": alarm.condition,
                                                "priority": ESCALATE[alarm.priority], "level": alarm.escalations + 1,
                                                "unacknowledged_s": round(waited)}))
        return out

    def _limit_for(self, kind: str, now: datetime) -> Limit | None:
        """An oximeter reports pulse rate, not ECG heart rate: with no live ECG heart rate, the heart rate
        limits guard the pulse rate too."""
        limit = self.rules.limits.get(kind)
        if limit is None and kind == "pulse_rate":
            seen = self._last_seen.get("heart_rate")
            if seen is None or (now - seen).total_seconds() > LIVE_S:
                return self.rules.limits.get("heart_rate")
        return limit

    def forget(self) -> None:
        """A session ended: no more delays running and no staleness for a patient who has left."""
        self._pending.clear()
        self._last_seen.clear()
        self._holding.clear()

    # -- nurse's acts ---------------------------------------------------------------------------------
    def acknowledge(self, board: AlarmBoard, alarm_id: str, by: str) -> list[AlarmEvent]:
        alarm = board.active.get(alarm_id)
        if alarm is None:
            raise Refused(f"alarm {alarm_id} is not active")
        if alarm.acknowledged_by is not None:
            raise Refused(f"alarm {alarm_id} was already acknowledged by {alarm.acknowledged_by}")
        out: list[AlarmEvent] = [(K.ALARM_ACKNOWLEDGED, {"alarm_id": alarm_id, "condition": alarm.condition, "by": by})]
        if alarm.clinical:  # the nurse has seen to it (checked the patient, weighed the advisory)
            out.append(_cleared(alarm, "acknowledged: seen to by the nurse"))
        elif alarm.condition_gone or not self._holding.get(alarm.condition, False):
            out.append(_cleared(alarm, "acknowledged after the condition ended"))
        return out

    def pause_audio(self, board: AlarmBoard, by: str, now: datetime) -> list[AlarmEvent]:
        return [(K.ALARM_AUDIO_PAUSED, {"by": by, "seconds": self.rules.audio_pause_s,
                                        "alarm_ids": sorted(board.active)})]

    # -- clinical (non-limit) alarms ------------------------------------------------------------------
    def raise_clinical(self, board: AlarmBoard, condition: str, text: str, priority: str = "medium",
                       value: float | None = None) -> list[AlarmEvent]:
        """Raise a clinical alarm now (the engine's rule already waited whatever it waits): nothing if one for
        `condition` is active. Its holding ends with `clear_clinical` or a nurse's acknowledgement."""
        if priority not in PRIORITY_RANK:
            raise ValueError(f"priority must be one of {', '.join(PRIORITY_RANK)}, got {priority!r}")
        self._holding.pop(condition, None)  # not a vital's state: acknowledging it clears it
        if board.for_condition(condition) is not None:
            return []
        return [(K.ALARM_RAISED, {"alarm_id": self._new_id(), "condition": condition, "priority": priority,
                                  "value": value, "latching": False, "held_s": 0, "text": text})]

    def clear_clinical(self, board: AlarmBoard, condition: str, why: str) -> list[AlarmEvent]:
        """Clear the active clinical alarm for `condition` (its cause is answered), or nothing."""
        alarm = board.for_condition(condition)
        return [] if alarm is None else [_cleared(alarm, why)]

    # -- the state machine of one condition -----------------------------------------------------------
    def _condition(self, board: AlarmBoard, condition: str, holds: bool, value: float | None, now: datetime,
                   limit: Limit | None = None) -> list[AlarmEvent]:
        self._holding[condition] = holds
        alarm = board.for_condition(condition)
        if holds:
            if alarm is not None:
                return []
            if condition not in self._pending:
                suffix = condition.partition(".")[2]
                priority = limit.priority if limit else TECHNICAL_PRIORITY.get(suffix, "medium")
                delay = limit.delay_s if limit else 0
                latching = limit.latching if limit else False
                self._pending[condition] = _Pending(now, value, priority, delay, latching)
            p = self._pending[condition]
            p.value = value if value is not None else p.value
            if (now - p.since).total_seconds() >= p.delay_s:
                return self._raise(board, condition, p, now)
            return []
        self._pending.pop(condition, None)
        if alarm is None or alarm.condition_gone:
            return []
        if alarm.latching and alarm.acknowledged_by is None:
            return [(K.ALARM_CONDITION_GONE, {"alarm_id": alarm.alarm_id, "condition": condition})]
        return [_cleared(alarm, "condition ended")]

    def _raise(self, board: AlarmBoard, condition: str, p: _Pending, now: datetime) -> list[AlarmEvent]:
        self._pending.pop(condition, None)
        if board.for_condition(condition) is not None:
            return []
        return [(K.ALARM_RAISED, {"alarm_id": self._new_id(), "condition": condition, "priority": p.priority,
                                  "value": p.value, "latching": p.latching,
                                  "held_s": round((now - p.since).total_seconds(), 1)})]


def _cleared(alarm: Alarm, why: str) -> AlarmEvent:
    return (K.ALARM_CLEARED, {"alarm_id": alarm.alarm_id, "condition": alarm.condition, "reason": why})
