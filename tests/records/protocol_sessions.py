"""The shipped protocols' scenarios (scenarios/<protocol>.toml) played fast with plausible vitals, for the record
tests and scripts/protocol_pdfs.py (the first pages in docs/protocols/).

Like session_factory's standard session: a FakeClock whose sleep() feeds the engine a monitor's readings (every
10 s, an NIBP every 5 min), through `post_reading`, so the vitals writer stores them as in a room. The drug's
effect follows the scenario's own dosing window (its start_infusion and complete_infusion steps): heart rate and
blood pressure rise a little while dosing and settle in recovery; esketamine's BP peaks about 40 min after the
dose (label 5.6). No value crosses an alarm limit: these sessions show each protocol, not alarms.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timezone
from pathlib import Path

from roomcontrol.config import RoomConfig
from roomcontrol.config.room import parse_config
from roomcontrol.engine.room import Room
from roomcontrol.domain import catalogue as C
from roomcontrol.domain import staff as D
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.scenario import Scenario, load_scenario, play
from roomcontrol.engine.schedule import start_nibp
from roomcontrol.store.staff import StaffStore
from tests.records.session_factory import FeedingClock

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("ketamine-depression", "ketamine-pain", "esketamine-nasal")
START = datetime(2026, 3, 10, 8, 30, 0, tzinfo=timezone.utc)


def scenario_of(protocol_id: str) -> Path:
    return ROOT / "scenarios" / f"{protocol_id}.toml"


def clinic_config() -> RoomConfig:
    """A clinic room offering the three shipped protocols."""
    errors: list[str] = []
    config = parse_config({"room": {"id": "room-2", "name": "Room 2 (Cedar)", "clinic": "Lakeside Ketamine Clinic"},
                           "session": {"protocols": list(SHIPPED)}}, errors, source="protocol sessions")
    assert not errors, errors
    return config


def dosing_window(scenario: Scenario) -> tuple[float, float]:
    """(start, end) in scenario seconds of the dose: its first and last dosing step (start, devices, end)."""
    dosing = [s.at_s for s in scenario.steps if s.do in ("start_infusion", "give_device", "complete_infusion",
                                                          "stop_infusion")]
    start, end = dosing[0], dosing[-1]
    return start, end


class ProtocolFeedingClock(FeedingClock):
    """Vitals shaped by one scenario's dosing window (t: seconds since the scenario started)."""

    can_start_nibp = True  # a monitor that takes "measure now" (engine/schedule.py start_nibp), as the simulator
    CUFF_S = 30.0

    def __init__(self, window: tuple[float, float], nasal: bool):
        super().__init__(START)
        self.window, self.nasal = window, nasal
        self.t = -60.0  # the monitor is on a minute before the session opens
        self._next_nibp = 0.0  # an NIBP as the session opens, then every 5 min
        self._asked: float | None = None  # a measurement asked for: its cuff is done at this t
        self.raised: list[tuple[float, float, float]] = []  # (from t, to t, magnitude): a scripted hypertension

    def start_nibp(self) -> None:
        self._asked = self.t + self.CUFF_S

    def simulate(self, step) -> None:
        """The scenario's `simulate` step: a hypertension raises the BP for its duration (the simulator's shift)."""
        assert step.args["event"] == "hypertension", step.args
        self.raised.append((self.t, self.t + float(step.args["duration_s"]), float(step.args.get("magnitude", 1))))

    def effect(self, t: float) -> float:
        start, end = self.window
        if t < start:
            return 0.0
        if self.nasal:  # a dose at once: the effect peaks ~40 min after it and fades over the next 1.5 h
            m = (t - start) / 60.0
            return max(0.0, min(1.0, m / 40.0) if m < 40 else 1.0 - (m - 40) / 90.0)
        if t < end:
            return min(1.0, (t - start) / 900.0)
        return max(0.0, 1.0 - (t - end) / 1800.0)

    def values(self, t: float) -> dict[str, float]:
        e = self.effect(t)
        hr = 74 + 10 * e + 2.5 * math.sin(t / 47.0) + 1.2 * math.sin(t / 7.3)
        spo2 = 97.4 + 0.5 * math.sin(t / 173.0) - 0.5 * e
        rr = 14 + 1.5 * math.sin(t / 90.0)
        etco2 = 38 + 2 * math.sin(t / 120.0)
        up = sum(m for t0, t1, m in self.raised if t0 <= t < t1)
        sys_ = 126 + 18 * e + 3 * math.sin(t / 300.0) + 45 * up
        dia = 80 + 9 * e + 2 * math.sin(t / 260.0) + 22 * up
        return {"heart_rate": round(hr), "spo2": round(spo2), "respiratory_rate": round(rr),
                "etco2": round(etco2), "nibp_systolic": round(sys_), "nibp_diastolic": round(dia),
                "nibp_mean": round((sys_ + 2 * dia) / 3)}

    def feed(self) -> None:
        from roomcontrol.domain.vitals import UNITS, Reading

        if self.room is None:
            return
        values, now = self.values(self.t), self.now()
        kinds = ["heart_rate", "spo2", "respiratory_rate", "etco2"]
        if self.t >= self._next_nibp or (self._asked is not None and self.t >= self._asked):
            kinds += ["nibp_systolic", "nibp_diastolic", "nibp_mean"]
            if self.t >= self._next_nibp:
                self._next_nibp += self.NIBP_EVERY_S
            else:
                self._asked = None
        for kind in kinds:
            self.room.post_reading(Reading(kind, float(values[kind]), UNITS[kind], now, source="simulated"))
        self.room.tick()


def protocol_session(data_dir: Path, protocol_id: str, config: RoomConfig | None = None) -> str:
    """Play the protocol's scenario with vitals into `data_dir`; return the session id (the room is closed)."""
    scenario = load_scenario(scenario_of(protocol_id), extra_steps=("simulate",))
    clock = ProtocolFeedingClock(dosing_window(scenario), nasal=protocol_id == "esketamine-nasal")
    room = Room(config or clinic_config(), data_dir, clock)
    clock.room = room
    # the parts the scenarios' steps need, as the runtime binds them: the monitor's "measure now", and the
    # controlled-substance record with the scenario's staff accounts (their PINs hashed, as `roomcontrol staff add`)
    room.bind(C.StartNibp, lambda command, actor, now: start_nibp(room, clock, command, actor))
    room.schedule.start_nibp_note = None
    store = StaffStore(room.db)
    for a in scenario.staff:
        store.add(a.staff_id, a.name, a.role, D.hash_pin(a.pin, secrets.token_bytes(16)).encode(), clock.now())
    ControlledRecord(room, store)
    try:
        clock.sleep(60)
        play(scenario, room, clock, handlers={"simulate": clock.simulate})
        clock.sleep(30)
        session_id = room.state.session.session_id
    finally:
        room.close()
    return session_id
