"""Which numbers a monitor sends are readings at all.

Vendors fill a field they have no value for with a sentinel (-100, -1, -1000, 0 next to a technical status), and a
value outside what a body can physically show is not a measurement either. Such a number is not a reading: the
driver counts it, logs it once per kind and reason, and never hands it on, so it is never charted or alarmed on.

The ranges are what is physically possible (and what monitors can display), not what is normal: an SpO2 of 40 %
or a heart rate of 0 are real, alarming readings and pass; a heart rate of -100 or an SpO2 of 120 % do not.
"""

from __future__ import annotations

from collections.abc import Collection

from roomcontrol.domain.vitals import UNITS, UNTRUSTED_FLAGS

# kind -> (lowest, highest) possible value in UNITS[kind]
POSSIBLE: dict[str, tuple[float, float]] = {
    "heart_rate": (0, 350), "pulse_rate": (0, 350),
    "spo2": (0, 100), "perfusion_index": (0, 100),
    "nibp_systolic": (0, 400), "nibp_diastolic": (0, 400), "nibp_mean": (0, 400),
    "abp_systolic": (0, 400), "abp_diastolic": (0, 400), "abp_mean": (0, 400),
    "respiratory_rate": (0, 200),       # 0 is apnea: a reading
    "etco2": (0, 150), "fico2": (0, 150),
    "temperature": (10, 50),            # Cel; monitors display about 0-50, a body outside 10-50 is no patient
    "sphb": (0, 30), "pvi": (0, 100), "spco": (0, 100), "spmet": (0, 100),
}


def implausible(kind: str, value: float, flags: Collection[str] = ()) -> str | None:
    """Why `value` is not a reading of `kind` (a short reason to count and log), or None when it is one."""
    low, high = POSSIBLE[kind]
    if value == 0 and not UNTRUSTED_FLAGS.isdisjoint(flags):
        return "0 sent with a technical status (no value)"
    if value < low or value > high:
        return f"outside the possible range {low:g}–{high:g} {UNITS[kind]}"
    return None
