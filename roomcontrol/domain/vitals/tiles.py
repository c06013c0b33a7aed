"""The vitals tiles: which kinds and which alarms belong to the heart rate, SpO2, NIBP and respiration tiles, and
what each tile shows, decided once from the latest readings, the active alarms and the time. The screen only
renders it. The respiration tile (RR and EtCO2) exists only once the monitor has sent one of its kinds or one of
its alarms is raised: a room with a bare oximeter shows no empty RR tile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from roomcontrol.domain.alarms import PRIORITY_RANK, Alarm, AlarmRules, Limit, limit_of
from roomcontrol.domain.vitals import MONITOR, NIBP_KINDS, UNITS, Reading, flagged, fresh, recent, sensor_off


@dataclass(frozen=True)
class Tile:
    key: str
    kinds: frozenset[str]
    monitor_alarms: bool  # the monitor's own alarms (lost, sensor off) show here: these values are gone too

    def shows(self, alarm: Alarm) -> bool:
        return alarm.subject in self.kinds or (self.monitor_alarms and alarm.subject == MONITOR)


TILES = {
    "hr": Tile("hr", frozenset({"heart_rate", "pulse_rate"}), True),
    "spo2": Tile("spo2", frozenset({"spo2", "perfusion_index"}), True),
    "nibp": Tile("nibp", NIBP_KINDS, False),  # measured on demand: a lost monitor leaves the last one standing
    # the monitor's technical alarms are about its finger probe and link; the capnograph's values go stale on
    # their own ("no recent value", etco2.stale), so they stay off this tile
    "resp": Tile("resp", frozenset({"respiratory_rate", "etco2", "fico2"}), False),
}


@dataclass(frozen=True)
class TileState:
    tile: str                  # a key of TILES
    label: str                 # "HR", or "PR" when only the oximeter's pulse rate is live
    value: str                 # "72", "128/82"; "--" when nothing live
    unit: str
    note: str = ""             # why there is no live value, or the secondary value (PI, NIBP mean)
    age_s: float | None = None  # NIBP: how old the shown measurement is
    alarm: Alarm | None = None  # the alarm that colours the tile: unacknowledged first, then the highest
    limits: str = ""           # the alarm limits of its kinds, "45–120", "≥ 90", "90–180 / 45–110"; "" when none

    @property
    def priority(self) -> str | None:
        return self.alarm.priority if self.alarm else None

    @property
    def acknowledged(self) -> bool:
        return self.alarm is not None and self.alarm.acknowledged_by is not None

    @property
    def alarming(self) -> bool:
        """An active alarm nobody has acknowledged yet: the tile inverts in its colour."""
        return self.alarm is not None and self.alarm.acknowledged_by is None


# The kinds whose limits a tile shows beside its numeric (NIBP: systolic / diastolic).
LIMIT_KINDS = {"hr": ("heart_rate",), "spo2": ("spo2",), "nibp": ("nibp_systolic", "nibp_diastolic"),
               "resp": ("respiratory_rate", "etco2")}


def limit_text(low: float | None, high: float | None) -> str:
    """The alarm limits in a few characters: "45–120", "≥ 90", "≤ 110"; "off" when none."""
    if low is None and high is None:
        return "off"
    if high is None:
        return f"≥ {low:g}"
    if low is None:
        return f"≤ {high:g}"
    return f"{low:g}–{high:g}"


def _limits(limit: Limit | None) -> str:
    return limit_text(limit.low, limit.high) if limit else "off"


def tile_limits(tile: str, rules: AlarmRules | None) -> str:
    if rules is None:
        return ""
    return " / ".join(_limits(limit_of(rules, kind)) for kind in LIMIT_KINDS[tile])


def note(reading: Reading | None, now: datetime) -> str:
    """Why a tile shows no live value from this reading ("" when it can)."""
    if reading is None:
        return "waiting for the monitor"
    if sensor_off(reading):
        return "sensor off"
    if flagged(reading):
        return "signal poor"
    if not recent(reading, now):
        return "no recent value"
    return ""


def worst_alarm(tile: Tile, alarms: Iterable[Alarm]) -> Alarm | None:
    return max((a for a in alarms if tile.shows(a)),
               key=lambda a: (a.acknowledged_by is None, PRIORITY_RANK[a.priority]), default=None)


def vital_tiles(latest: dict[str, Reading], alarms: Iterable[Alarm], now: datetime,
                rules: AlarmRules | None = None) -> dict[str, TileState]:
    """Every tile's state; `latest` is the last reading of each kind, `rules` give the limits shown."""
    alarms = tuple(alarms)
    shown = {"hr": _heart_rate(latest, now), "spo2": _spo2(latest, now), "nibp": _nibp(latest, now)}
    resp = TILES["resp"]
    if not resp.kinds.isdisjoint(latest) or any(a.subject in resp.kinds for a in alarms):
        shown["resp"] = _resp(latest, now)
    return {key: replace(state, alarm=worst_alarm(TILES[key], alarms), limits=tile_limits(key, rules))
            for key, state in shown.items()}


def _number(reading: Reading | None) -> str:
    return "--" if reading is None else f"{reading.value:.0f}"


def _heart_rate(latest: dict[str, Reading], now: datetime) -> TileState:
    ecg, pulse = latest.get("heart_rate"), latest.get("pulse_rate")
    shown = ecg if fresh(ecg, now) else pulse if fresh(pulse, now) else None
    label = "PR" if shown is not None and shown is pulse else "HR"
    return TileState("hr", label, _number(shown), UNITS["heart_rate"], note(ecg or pulse, now))


def _spo2(latest: dict[str, Reading], now: datetime) -> TileState:
    spo2, pi = latest.get("spo2"), latest.get("perfusion_index")
    text = f"PI {pi.value:.1f}" if fresh(pi, now) else note(spo2, now)
    return TileState("spo2", "SpO2", _number(spo2 if fresh(spo2, now) else None), UNITS["spo2"], text)


def _nibp(latest: dict[str, Reading], now: datetime) -> TileState:
    """The last measurement stands until the next one, with its age: NIBP is taken every few minutes."""
    sys_, dia, mean = (latest.get(k) for k in ("nibp_systolic", "nibp_diastolic", "nibp_mean"))
    unit = UNITS["nibp_systolic"]
    if sys_ is None or dia is None or sys_.value is None or dia.value is None:
        return TileState("nibp", "NIBP", "--/--", unit, "no measurement yet")
    text = f"mean {mean.value:.0f}" if mean is not None and mean.value is not None else ""
    return TileState("nibp", "NIBP", f"{sys_.value:.0f}/{dia.value:.0f}", unit, text,
                     age_s=(now - sys_.received_ts).total_seconds())


def _resp(latest: dict[str, Reading], now: datetime) -> TileState:
    """Respiratory rate large, EtCO2 beside it; EtCO2 large when it is the only live one (a capnograph alone)."""
    rr, co2 = latest.get("respiratory_rate"), latest.get("etco2")
    if fresh(rr, now):
        extra = f"EtCO2 {co2.value:.0f} {UNITS['etco2']}" if fresh(co2, now) else ""
        return TileState("resp", "RR", _number(rr), UNITS["respiratory_rate"], extra or _why("EtCO2", co2, now))
    if fresh(co2, now):
        return TileState("resp", "EtCO2", _number(co2), UNITS["etco2"], _why("RR", rr, now))
    return TileState("resp", "RR", "--", UNITS["respiratory_rate"], note(rr or co2, now))


def _why(label: str, reading: Reading | None, now: datetime) -> str:
    """The second value's note ("EtCO2: sensor off"), or nothing when it has none to give."""
    why = note(reading, now) if reading is not None else ""
    return f"{label}: {why}" if why else ""
