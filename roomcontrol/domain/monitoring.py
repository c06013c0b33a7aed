"""The vitals and alarms fold the engine owns: readings, device health and time in; which numerics to store,
alarm events to log and a baseline out. Pure: the engine supplies the alarm ids and logs what comes back.

Alarms are armed while a session is open (a room with nobody in the chair does not alarm). Numerics are stored
at most once a second per kind, and every NIBP measurement; the pleth wave is never stored.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from roomcontrol.domain import alarms as A
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.vitals import MONITOR, NIBP_KINDS, HealthChange, Reading, trusted

STORE_EVERY_S = 1.0
BASELINE_WINDOW_S = 60.0
BASELINE_NIBP_MAX_AGE = timedelta(minutes=15)
# Devices whose loss is an alarm: the monitor (no vitals, no physiological alarms) and the sound device
# (no alarm tones). A lost light or diffuser is logged and shown, never sounded.
ALARMED_DEVICES = frozenset({MONITOR, "audio"})
# Devices whose loss is an alarm only once they have worked: a sound card missing from the start (a demo PC) is a
# technical state, logged once and shown in the top bar and settings, not a new alarm at every session; a sound
# device lost while the room runs (alarm tones stop) stays an alarm.
ALARMED_ONCE_WORKING = frozenset({"audio"})
HEALTH_EVENTS = {"ok": K.DEVICE_CONNECTED, "lost": K.DEVICE_LOST, "sensor_off": K.DEVICE_SENSOR_OFF}


@dataclass
class VitalsView:
    """What the screen shows of the vitals: the last reading of each kind and each device's health."""
    latest: dict[str, Reading] = field(default_factory=dict)
    health: dict[str, str] = field(default_factory=dict)


class Monitoring:
    def __init__(self, rules: A.AlarmRules, new_id: Callable[[], str]):
        self.alarms = A.AlarmEngine(rules, new_id=new_id)
        self.board = A.AlarmBoard()
        self.view = VitalsView()
        self._stored_at: dict[str, datetime] = {}
        self._window: deque[tuple[datetime, str, float]] = deque()  # last minute of HR and SpO2
        self._worked: set[str] = set()  # devices that have been "ok" since the room started

    # -- folding the log --------------------------------------------------------------------------------
    def fold(self, event: Event) -> None:
        if event.kind.startswith("alarm."):
            self.board = A.apply(self.board, event.kind, event.payload, event.ts)

    # -- inputs -----------------------------------------------------------------------------------------
    def reading(self, r: Reading, now: datetime, armed: bool) -> tuple[bool, list[A.AlarmEvent]]:
        """Returns (store this numeric?, alarm events to log)."""
        self.view.latest[r.kind] = r
        store = self._should_store(r, now)
        if r.kind in ("heart_rate", "pulse_rate", "spo2") and trusted(r):
            assert r.value is not None  # a trusted reading has one
            self._window.append((now, r.kind, r.value))
        while self._window and (now - self._window[0][0]).total_seconds() > BASELINE_WINDOW_S:
            self._window.popleft()
        events = self.alarms.reading(self.board, r, now) if armed else []
        return store, events

    def health(self, change: HealthChange, now: datetime, armed: bool) -> list[A.AlarmEvent]:
        before = self.view.health.get(change.device)
        self.view.health[change.device] = change.health.value
        if change.health.value == "ok":
            self._worked.add(change.device)
        events: list[A.AlarmEvent] = []
        kind = HEALTH_EVENTS.get(change.health.value)
        if kind and before != change.health.value:
            detail = change.detail
            if kind == K.DEVICE_LOST and not self._alarmed(change.device):
                detail = f"not found at start-up ({detail}); no alarm tones in this room until it is connected"
            events.append((kind, {"device": change.device, "detail": detail}))
        if armed and self._alarmed(change.device):
            events += self.alarms.device(self.board, change.device, change.health.value, now)
        return events

    def _alarmed(self, device: str) -> bool:
        return device in ALARMED_DEVICES and (device not in ALARMED_ONCE_WORKING or device in self._worked)

    def arm(self, now: datetime) -> list[A.AlarmEvent]:
        """A session opened: a device already lost or off the patient is an alarm from now on."""
        events: list[A.AlarmEvent] = []
        for device, health in self.view.health.items():
            if self._alarmed(device):
                events += self.alarms.device(self.board, device, health, now)
        return events

    def tick(self, now: datetime, armed: bool) -> list[A.AlarmEvent]:
        return self.alarms.tick(self.board, now) if armed else []

    def disarm(self) -> list[A.AlarmEvent]:
        """The session closed: clear what is still raised, so the next patient starts with a quiet board."""
        self.alarms.forget()
        return [(K.ALARM_CLEARED, {"alarm_id": a.alarm_id, "condition": a.condition,
                                   "reason": "still active when the session closed", "open_at_close": True})
                for a in self.board.active.values()]

    # -- nurse's acts -----------------------------------------------------------------------------------
    def acknowledge(self, alarm_id: str, by: str) -> list[A.AlarmEvent]:
        return self.alarms.acknowledge(self.board, alarm_id, by)

    def raise_clinical(self, condition: str, text: str, priority: str = "medium",
                       value: float | None = None) -> list[A.AlarmEvent]:
        """A clinical (non-limit) alarm: domain.alarms.AlarmEngine.raise_clinical on this board."""
        return self.alarms.raise_clinical(self.board, condition, text, priority, value)

    def clear_clinical(self, condition: str, why: str) -> list[A.AlarmEvent]:
        return self.alarms.clear_clinical(self.board, condition, why)

    def pause_audio(self, by: str, now: datetime) -> list[A.AlarmEvent]:
        if not self.board.active:
            raise Refused("no alarm is sounding")
        return self.alarms.pause_audio(self.board, by, now)

    def baseline(self, now: datetime) -> dict[str, Any]:
        """Last NIBP and the median HR and SpO2 over the last minute, for `vitals.baseline` (source monitor)."""
        hr = [v for ts, k, v in self._window if k in ("heart_rate", "pulse_rate")]
        spo2 = [v for ts, k, v in self._window if k == "spo2"]
        sys_, dia = self.view.latest.get("nibp_systolic"), self.view.latest.get("nibp_diastolic")
        missing = [name for name, ok in (("heart rate", hr), ("SpO2", spo2)) if not ok]
        if sys_ is None or dia is None or sys_.value is None or dia.value is None:
            missing.append("NIBP (start a measurement)")
        if missing:
            raise Refused("no live " + ", ".join(missing) + " from the monitor in the last minute; "
                          "type the baseline in instead")
        assert sys_ and dia and sys_.value is not None and dia.value is not None  # else refused above
        if now - sys_.received_ts > BASELINE_NIBP_MAX_AGE:
            raise Refused("the last NIBP is over 15 minutes old; start a new measurement")
        return {"heart_rate": round(statistics.median(hr)), "spo2": round(statistics.median(spo2)),
                "nibp_systolic": round(sys_.value), "nibp_diastolic": round(dia.value), "source": "monitor"}

    def _should_store(self, r: Reading, now: datetime) -> bool:
        if r.kind in NIBP_KINDS:
            return True  # every measurement
        last = self._stored_at.get(r.kind)
        if last is not None and (now - last).total_seconds() < STORE_EVERY_S:
            return False
        self._stored_at[r.kind] = now
        return True
