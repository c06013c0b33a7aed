"""The normalized vitals reading every vitals driver produces, whatever the brand (DESIGN.md, Devices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from roomcontrol.domain.timefmt import iso_utc

KINDS = (
    "heart_rate", "pulse_rate", "spo2", "perfusion_index",
    "nibp_systolic", "nibp_diastolic", "nibp_mean", "respiratory_rate",
)
UNITS = {
    "heart_rate": "/min", "pulse_rate": "/min", "respiratory_rate": "/min",
    "spo2": "%", "perfusion_index": "%",
    "nibp_systolic": "mmHg", "nibp_diastolic": "mmHg", "nibp_mean": "mmHg",
}

# Status flags a driver may attach (named, so alarms and the UI never decode device bits).
FLAGS = (
    "sensor_disconnect", "sensor_off", "no_sensor", "artifact", "out_of_track", "sensor_alarm",
    "low_perfusion", "pulse_search", "low_signal_iq", "interference", "device_alarm", "smart_tone",
)


@dataclass(frozen=True)
class Reading:
    kind: str                       # one of KINDS
    value: float | None             # None = the device says "no value"
    unit: str                       # UNITS[kind]
    received_ts: datetime           # UTC, when our driver decoded it
    device_ts: datetime | None = None  # the device's own clock, if the protocol carries one
    flags: frozenset[str] = frozenset()
    source: str = ""                # driver name: nonin, masimo, hl7, simulated

    def to_json(self) -> dict:
        """The shape `roomcontrol probe vitals` prints, one object per line."""
        return {
            "kind": self.kind,
            "value": self.value,
            "unit": self.unit,
            "ts": iso_utc(self.received_ts),
            "device_ts": iso_utc(self.device_ts) if self.device_ts else None,
            "flags": sorted(self.flags),
        }

