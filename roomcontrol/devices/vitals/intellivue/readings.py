"""What an IntelliVue poll result means for the room: its numerics as domain Readings.

The measurement state (guide: "MeasurementState") decides: INVALID, UNAVAILABLE, a demo or test signal → no value
(a demo-mode monitor's numbers are never a patient's); QUESTIONABLE or calibrating → the value, flagged as
artifact (shown, never alarmed on); MSMT_ONGOING on NIBP → the cuff is measuring. Units are converted to the
room's (kPa → mmHg, °F → °C); a unit we cannot convert drops the value, counted by the caller. A technical alert
"sensor disconnected/leads off" from a source flags the readings of that source as sensor off.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from roomcontrol.devices.vitals.intellivue import messages as m
from roomcontrol.domain.vitals import NIBP_KINDS, UNITS, Reading

SOURCE = "intellivue"
KPA_TO_MMHG = 7.50062
# The unit codes each of our units may arrive in, with the conversion to ours.
_CONVERT = {
    "/min": {m.NOM_DIM_BEAT_PER_MIN: 1.0, m.NOM_DIM_PULS_PER_MIN: 1.0, m.NOM_DIM_RESP_PER_MIN: 1.0},
    "%": {m.NOM_DIM_PERCENT: 1.0},
    "mmHg": {m.NOM_DIM_MMHG: 1.0, m.NOM_DIM_KILO_PASCAL: KPA_TO_MMHG},
}
NO_VALUE_STATES = m.INVALID | m.UNAVAILABLE | m.TEST_DATA | m.DEMO_DATA
ARTIFACT_STATES = m.QUESTIONABLE | m.CALIBRATION_ONGOING
# Which physio ids a technical alert's source covers (an SpO2 sensor off is about SpO2, its pulse and perfusion).
SOURCE_KINDS = {
    m.NOM_PULS_OXIM_SAT_O2: {"spo2", "pulse_rate", "perfusion_index"},
    m.NOM_ECG_CARD_BEAT_RATE: {"heart_rate"},
}


def convert(numeric: m.Numeric, kind: str) -> float | None:
    """The value in the room's unit for `kind`, or None when there is none or its unit is not one we know."""
    if numeric.value is None:
        return None
    unit = UNITS[kind]
    if unit == "Cel":
        if numeric.unit_code == m.NOM_DIM_DEGC:
            return numeric.value
        if numeric.unit_code == m.NOM_DIM_FAHR:
            return round((numeric.value - 32) * 5 / 9, 1)
        return None
    factor = _CONVERT.get(unit, {}).get(numeric.unit_code)
    if factor is None:
        return None
    return numeric.value if factor == 1.0 else round(numeric.value * factor, 1)


def flags_of(numeric: m.Numeric, kind: str) -> set[str]:
    flags = set()
    if numeric.state & ARTIFACT_STATES:
        flags.add("artifact")
    if numeric.state & m.MSMT_ONGOING and kind in NIBP_KINDS:
        flags.add("nibp_measuring")
    if numeric.state & m.MSMT_STATE_IN_ALARM:
        flags.add("device_alarm")
    return flags


def sensor_off_kinds(alerts: list[m.Alert]) -> set[str]:
    """The kinds whose sensor the monitor says is off the patient (its technical alerts)."""
    out: set[str] = set()
    for alert in alerts:
        if alert.technical and alert.code in m.SENSOR_OFF_CODES:
            out |= SOURCE_KINDS.get(alert.source, set())
    return out


# When two measurements give one kind, the one the clinic would read first: the airway's rate before the chest's,
# the oximeter's pulse before a generic pulse. Others rank 9.
PREFERRED = {m.NOM_AWAY_RESP_RATE: 0, m.NOM_RESP_RATE: 1, m.NOM_PLETH_PULS_RATE: 0, m.NOM_PULS_RATE: 1}


def to_readings(numerics: list[m.Numeric], now: datetime, sensor_off: Set[str] = frozenset(),
                counters: dict[str, int] | None = None) -> list[Reading]:
    """One reading per kind we know (a measurement with a value before one without, then PREFERRED); numerics
    we do not know are counted in `unknown_numerics`, values in a unit we cannot convert in `unknown_units`."""
    counters = {} if counters is None else counters
    out: dict[str, Reading] = {}
    ranked = sorted(numerics, key=lambda n: (n.value is None or bool(n.state & NO_VALUE_STATES),
                                             PREFERRED.get(n.physio_id, 9)))
    for numeric in ranked:
        kind = numeric.kind
        if kind is None:
            counters["unknown_numerics"] = counters.get("unknown_numerics", 0) + 1
            continue
        value = None if numeric.state & NO_VALUE_STATES else convert(numeric, kind)
        if value is None and numeric.value is not None and not numeric.state & NO_VALUE_STATES:
            counters["unknown_units"] = counters.get("unknown_units", 0) + 1
        flags = flags_of(numeric, kind)
        if kind in sensor_off:
            flags.add("sensor_off")
        if kind not in out:
            out[kind] = Reading(kind, value, UNITS[kind], now, None, frozenset(flags), SOURCE)
    return list(out.values())
