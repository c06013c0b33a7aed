"""A scripted session with vitals, fast and without devices: scenarios/standard-session.toml played against a
Room on a fake clock whose sleep() feeds the engine monitor readings every few seconds, as a monitor would.

The readings go through the engine (`post_reading`), so they are stored by the real vitals writer and raise real
alarms: SpO2 dips to 84 % for a minute and a half around the nausea (minute 17–18.5), which raises spo2.low.
Used by the tests and by scripts/make_report_sample.py (the picture in docs/).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.engine.room import Room
from roomcontrol.engine.scenario import load_scenario, play

ROOT = Path(__file__).resolve().parents[2]
STANDARD = ROOT / "scenarios" / "standard-session.toml"
START = datetime(2026, 3, 9, 8, 30, 0, tzinfo=timezone.utc)
# The room runs the default protocol, as a room.toml without `protocols` does (its "tap if you're OK" check is
# answered by the scenario's patient).
CONFIG = RoomConfig(room_id="room-3", room_name="Room 3 (Willow)", clinic_name="Lakeside Ketamine Clinic",
                    session=replace(RoomConfig().session,
                                    protocols=load_protocols(("ketamine-depression",), SHIPPED_DIR, [])))


def vitals_at(t: float) -> dict[str, float]:
    """Plausible, deterministic vitals t seconds into the scenario (ketamine raises HR and BP a little)."""
    m = t / 60.0
    infusing = 3 <= m < 46
    effect = 0.0
    if infusing:
        effect = min(1.0, (m - 3) / 12)
    elif m >= 46:
        effect = max(0.0, 1 - (m - 46) / 20)
    if 25 <= m < 28:  # the pause
        effect *= 0.6
    hr = 72 + 12 * effect + 2.5 * math.sin(t / 47.0) + 1.2 * math.sin(t / 7.3)
    spo2 = 98 + 0.6 * math.sin(t / 31.0)
    if 17 <= m < 18.5:
        spo2 = 84
    rr = 14 + 1.5 * math.sin(t / 90.0)
    etco2 = 38 + 2 * math.sin(t / 120.0)
    sys_ = 124 + 22 * effect + 3 * math.sin(t / 300.0)
    dia = 78 + 10 * effect + 2 * math.sin(t / 260.0)
    return {"heart_rate": round(hr), "spo2": round(spo2), "respiratory_rate": round(rr), "etco2": round(etco2),
            "nibp_systolic": round(sys_), "nibp_diastolic": round(dia), "nibp_mean": round((sys_ + 2 * dia) / 3)}


class FeedingClock(FakeClock):
    """A FakeClock whose sleep() advances in small steps and feeds the room a monitor's readings at each."""

    STEP_S = 10.0
    NIBP_EVERY_S = 300.0

    def __init__(self, start: datetime = START):
        super().__init__(start)
        self.room: Room | None = None
        self.t = 0.0
        self._next_nibp = 60.0

    def sleep(self, seconds: float) -> None:
        end = self.t + seconds
        while self.t < end - 1e-9:
            step = min(self.STEP_S, end - self.t)
            self.advance(step)
            self.t += step
            self.feed()

    def values(self, t: float) -> dict[str, float]:
        return vitals_at(t)

    def feed(self) -> None:
        if self.room is None:
            return
        values, now = self.values(self.t), self.now()
        kinds = ["heart_rate", "spo2", "respiratory_rate", "etco2"]
        if self.t >= self._next_nibp:
            kinds += ["nibp_systolic", "nibp_diastolic", "nibp_mean"]
            self._next_nibp += self.NIBP_EVERY_S
        for kind in kinds:
            self.room.post_reading(Reading(kind, float(values[kind]), UNITS[kind], now, source="simulated"))
        self.room.tick()


def scripted_session(data_dir: Path, scenario: Path = STANDARD, config: RoomConfig = CONFIG) -> str:
    """Play `scenario` with vitals into `data_dir`; return the session id. The room is closed afterwards."""
    clock = FeedingClock()
    room = Room(config, data_dir, clock)
    clock.room = room
    try:
        clock.sleep(60)  # the monitor is on a minute before the session opens
        play(load_scenario(scenario), room, clock)
        clock.sleep(30)
        session_id = room.state.session.session_id
    finally:
        room.close()
    return session_id
