"""Health of a device connection, as every driver reports it to the engine."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Health(str, enum.Enum):
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
    counters: dict = field(default_factory=dict)  # e.g. {"framing_errors": 3}
