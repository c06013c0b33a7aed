"""Nasal devices one by one (issue 15, item 1's esketamine): a fixed dose in mg is given as devices of the
protocol's size a set time apart (Spravato: 28 mg devices, 5 min between them; label 2.2/2.3).

`next_device(session, now)` is the device the nurse may give now, or Refused in her words: the interval since the
previous device is a hard rule, as the dose bounds are. The first device starts the dosing (`start_infusion`
counts as it, for a session started that way), the last one ends it. `device_status` is what the session card
shows ("Device 2 of 3 in 3:12"). Pure: the session fold and the time are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.session import Session


@dataclass(frozen=True)
class Device:
    n: int           # which device, from 1
    of: int          # how many the dose takes
    mg: float        # this device's mg
    due_at: datetime | None  # when it may be given (None: the first, given as the dosing starts)

    @property
    def last(self) -> bool:
        return self.n == self.of

    @property
    def payload(self) -> dict[str, int | float]:
        return {"n": self.n, "of": self.of, "mg": self.mg}


def _plan(s: Session) -> tuple[int, float, float]:
    devices, dose, interval = (s.plan.get(k) for k in ("devices", "dose_mg", "device_interval_min"))
    if not isinstance(devices, int) or not isinstance(dose, (int, float)) or devices < 1:
        raise Refused("devices are given in a fixed-dose (intranasal) session; this one is an infusion at a rate")
    return devices, float(dose), float(interval) if isinstance(interval, (int, float)) else 0.0


def given_devices(s: Session) -> int:
    """Devices given so far: the last one logged, or 1 for a dosing started without device entries."""
    if s.device_n:
        return s.device_n
    return 1 if s.infusion_started_at is not None else 0


def upcoming(s: Session) -> Device | None:
    """The next device of a fixed-dose session and when it is due; None once dosing has ended or for an infusion."""
    devices, dose, interval = _plan(s)
    given = given_devices(s)
    if given >= devices or s.infusion_ended_at is not None:
        return None
    last = s.last_device_at or s.infusion_started_at
    due = None if last is None else last + timedelta(minutes=interval)
    return Device(given + 1, devices, round(dose / devices, 2), due)


def next_device(s: Session, now: datetime) -> Device:
    """The device that may be given now, or Refused: all given, or sooner than the protocol's interval."""
    device = upcoming(s)
    if device is None:
        raise Refused("every device of this dose has been given")
    if device.due_at is not None and now < device.due_at:
        wait = int((device.due_at - now).total_seconds() + 0.999)
        raise Refused(f"device {device.n} of {device.of} is due {wait // 60}:{wait % 60:02d} from now: the protocol "
                      f"gives its devices {s.plan.get('device_interval_min'):g} min apart")
    return device


def device_status(s: Session, now: datetime) -> str | None:
    """The card's line for a fixed-dose session while dosing: "Device 2 of 3 in 3:12", "Device 2 of 3 due now"."""
    if s.plan.get("devices") is None or s.infusion_started_at is None:
        return None
    device = upcoming(s)
    if device is None or device.due_at is None:
        return None
    left = int(max(0.0, (device.due_at - now).total_seconds()) + 0.999)
    when = f"in {left // 60}:{left % 60:02d}" if left else "due now"
    return f"Device {device.n} of {device.of} {when}"
