"""The vitals vocabulary: kinds, units, status flags, the normalized reading, a device's health, and the two
rules every layer asks about a reading: can it be trusted, and is it still live.

Every driver produces these, the engine folds them, the screen renders them; no layer decodes device bits
or decides on its own whether a value can be trusted. What the vitals tiles show is in `vitals.tiles`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol, TypeGuard

from roomcontrol.domain.timefmt import iso_utc

KINDS = (
    "heart_rate", "pulse_rate", "spo2", "perfusion_index",
    "nibp_systolic", "nibp_diastolic", "nibp_mean", "respiratory_rate",
    # capnography: end-tidal and inspired CO2; respiratory_rate is one kind whatever measures it (airway,
    # impedance, pleth): its limits guard against respiratory depression the same way
    "etco2", "fico2",
    # invasive arterial pressure (never taken for NIBP), temperature
    "abp_systolic", "abp_diastolic", "abp_mean", "temperature",
    # Masimo rainbow parameters where the oximeter has them
    "sphb", "pvi", "spco", "spmet",
)
UNITS = {
    "heart_rate": "/min", "pulse_rate": "/min", "respiratory_rate": "/min",
    "spo2": "%", "perfusion_index": "%",
    "nibp_systolic": "mmHg", "nibp_diastolic": "mmHg", "nibp_mean": "mmHg",
    "etco2": "mmHg", "fico2": "mmHg",
    "abp_systolic": "mmHg", "abp_diastolic": "mmHg", "abp_mean": "mmHg", "temperature": "Cel",
    "sphb": "g/dL", "pvi": "%", "spco": "%", "spmet": "%",
}
NIBP_KINDS = frozenset({"nibp_systolic", "nibp_diastolic", "nibp_mean"})
# Kinds that arrive every second or so; a gap in them means something is wrong (NIBP comes every few minutes).
# EtCO2 comes breath by breath, so a capnograph's silence is as telling as an oximeter's.
STREAMING_KINDS = frozenset({"heart_rate", "pulse_rate", "spo2", "respiratory_rate", "etco2"})

# Status flags a driver may attach (named, so alarms and the UI never decode device bits).
FLAGS = (
    "sensor_disconnect", "sensor_off", "no_sensor", "artifact", "out_of_track", "sensor_alarm",
    "low_perfusion", "pulse_search", "low_signal_iq", "interference", "device_alarm", "smart_tone",
    "low_battery",                      # the device's battery (Nonin, Masimo bit)
    "abnormal_low", "abnormal_high",    # the monitor's own judgement (HL7 OBX-8 L/H/LL/HH)
    "nibp_measuring", "cuff_error",     # NIBP cuff status
)
# The sensor is off the patient: the device talks, but nothing it says is about the patient.
SENSOR_OFF_FLAGS = frozenset({"sensor_disconnect", "sensor_off", "no_sensor"})
# A value under these flags is not trusted enough to alarm on, show as live, or use for a baseline.
UNTRUSTED_FLAGS = SENSOR_OFF_FLAGS | {"artifact", "out_of_track", "pulse_search"}
# The configured device name of the patient monitor: its technical alarms are "vitals.lost", "vitals.sensor_off".
MONITOR = "vitals"
# A streaming value older than this is not live any more: the screen stops showing it, and an ECG heart rate
# this old no longer stands in for the oximeter's pulse rate.
LIVE_S = 10.0


@dataclass(frozen=True)
class Reading:
    kind: str                       # one of KINDS
    value: float | None             # None = the device says "no value"
    unit: str                       # UNITS[kind]
    received_ts: datetime           # UTC, when our driver decoded it
    device_ts: datetime | None = None  # the device's own clock, if the protocol carries one
    flags: frozenset[str] = frozenset()
    source: str = ""                # driver name: nonin, masimo, hl7, simulated

    def to_json(self) -> dict[str, Any]:
        """The shape `roomcontrol probe vitals` prints, one object per line."""
        return {
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
            "ts": iso_utc(self.received_ts),
            "device_ts": iso_utc(self.device_ts) if self.device_ts else None,
            "flags": sorted(self.flags),
        }


class Sample(Protocol):
    """What the rules below read: a Reading, or a stored sample."""
    @property
    def value(self) -> float | None: ...
    @property
    def flags(self) -> Collection[str]: ...


class Health(str, enum.Enum):
    """Health of a device connection, as every driver reports it to the engine."""
    CONNECTING = "connecting"  # opening the port / waiting for the peer
    OK = "ok"                  # data is arriving and makes sense
    NO_DATA = "no_data"        # port open, but nothing valid for a while
    SENSOR_OFF = "sensor_off"  # the device talks but says its sensor is off the patient
    LOST = "lost"              # the port vanished or errored; the driver is retrying


@dataclass(frozen=True)
class HealthChange:
    device: str            # the configured device name, e.g. "vitals"
    health: Health
    ts: datetime           # UTC, when the driver noticed
    detail: str = ""       # human-readable cause ("port /dev/ttyUSB0 closed", "no frame for 5 s")
    counters: dict[str, int] = field(default_factory=dict)  # e.g. {"framing_errors": 3}


def sensor_off(reading: Sample) -> bool:
    """The device says its sensor is off the patient."""
    return not SENSOR_OFF_FLAGS.isdisjoint(reading.flags)


def flagged(reading: Sample) -> bool:
    """The device says this value is not reliable or not about the patient, whatever the value."""
    return not UNTRUSTED_FLAGS.isdisjoint(reading.flags)


def trusted(reading: Sample) -> bool:
    """Present and not flagged: only such a value alarms, shows as live, is charted or goes into a baseline.
    Takes anything with `value` and `flags` (a Reading, a stored sample)."""
    return reading.value is not None and not flagged(reading)


def recent(reading: Reading, now: datetime, stale_s: float = LIVE_S) -> bool:
    return (now - reading.received_ts).total_seconds() <= stale_s


def fresh(reading: Reading | None, now: datetime, stale_s: float = LIVE_S) -> TypeGuard[Reading]:
    """A live value: trusted and received at most `stale_s` ago."""
    return reading is not None and trusted(reading) and recent(reading, now, stale_s)
