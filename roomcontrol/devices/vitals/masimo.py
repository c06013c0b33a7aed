"""Masimo "ASCII 1" serial output (Radical-7, Rad-8, Rad-5...), 9600 8N1, one line a second.

    12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.50% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=---
    ALARM=0000 EXC=000800            (one line; CR LF or LF CR)

Date (mm/dd/yy) and time come first, then KEY=VALUE fields whose set and order depend on the model and
software. Dashes mean "no value". ALARM and EXC are hex bit sets, 2 to 8 digits wide. As models print them:
    Radical-5:  SPO2 BPM PI ALARM(2) EXC(3)
    Radical-7:  SN SPO2 BPM PI SPCO SPMET DESAT PIDELTA PVI ALARM(4) EXC(6)
    Rad-8:      SN SPO2 BPM(with a stray %) DESAT PIDELTA ALARM EXC      (no PI)
    Rad-7 / Rad-97 (rainbow): SN SPO2 BPM PI SPCO SPMET SPHB SPOC RESVD DESAT PIDELTA PVI ALARM(6) EXC(7) EXC1(8)
Some Rad-7 software writes EXC1= where the others write EXC=: with no EXC, EXC1 is the exception word (same bits).
Rainbow parameters (SpHb, SpCO, SpMet, PVI) are reported once the oximeter has shown a number for them: an
oximeter without the licence prints dashes there forever, which is not a "no value" worth a reading.
Bit tables: Radical-7 operator's manual, serial interface "ASCII 1" alarm and exception codes (the same tables
as the MD PnP poxrad_discrete.h reference and the Rad-8 operator's manual section 4, trend data format).
The device clock has no zone: we read it as `device_tz`, or the PC's local time when none is given.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo

from roomcontrol.clock import Clock, SystemClock
from roomcontrol.domain.vitals import UNITS, Reading

MAX_LINE = 512
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{2}|\d{4})$")
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_MISSING = re.compile(r"^[+-]?[-.]*-[-.]*$")  # "---", "--.-", "+--"
_NUMBER = re.compile(r"^[+-]?\d{1,6}(\.\d{1,4})?$")
_HEX = re.compile(r"^[0-9A-Fa-f]{1,8}$")

# Exception bits (Radical-7 / Rad-8 operator's and service manuals); name, and the Reading flag it raises.
EXC_BITS = {
    0x000001: ("no_sensor", "no_sensor"),
    0x000002: ("defective_sensor", "sensor_alarm"),
    0x000004: ("low_perfusion", "low_perfusion"),
    0x000008: ("pulse_search", "pulse_search"),
    0x000010: ("interference", "interference"),
    0x000020: ("sensor_off", "sensor_off"),
    0x000040: ("ambient_light", "interference"),
    0x000080: ("unrecognized_sensor", "sensor_alarm"),
    0x000100: ("incompatible_sensor", "sensor_alarm"),
    0x000400: ("low_signal_iq", "low_signal_iq"),
    0x000800: ("masimo_set", None),  # full SET mode: good news, not a flag
    0x001000: ("no_cable", "sensor_disconnect"),
    0x002000: ("cable_life_expired", None),
    0x004000: ("incompatible_cable", "sensor_alarm"),
    0x008000: ("unrecognized_cable", "sensor_alarm"),
    0x010000: ("defective_cable", "sensor_alarm"),
    0x020000: ("sensor_calibrating", "pulse_search"),
    0x040000: ("sensor_life_expired", "sensor_alarm"),
    0x080000: ("emitter_temp_out_of_range", "sensor_alarm"),
    0x100000: ("sensor_current_limit", "sensor_alarm"),
    0x200000: ("spco_low_confidence", None),
    0x400000: ("spmet_low_confidence", None),
}
# Alarm status (Radical-7 manual, ASCII 1 "ALARM" codes): 0x0040 is the oximeter's own low-battery alarm.
LOW_BATTERY = 0x0040
ALARM_BITS = {
    0x0001: "spo2_high", 0x0002: "spo2_low", 0x0004: "pulse_rate_high", 0x0008: "pulse_rate_low",
    0x0010: "alarm_active", 0x0020: "alarm_silenced", LOW_BATTERY: "low_battery",
    0x0100: "spco_high", 0x0200: "spco_low", 0x0400: "spmet_high", 0x0800: "spmet_low",
    0x1000: "desat_index", 0x2000: "pi_delta",
}
_ALARM_RAISES_FLAG = 0x3F1F  # limit violations and "alarm active"; silenced / low battery alone do not

FIELDS = {"SPO2": "spo2", "BPM": "pulse_rate", "PI": "perfusion_index"}
RAINBOW = {"SPHB": "sphb", "PVI": "pvi", "SPCO": "spco", "SPMET": "spmet"}


def exc_names(value: int) -> list[str]:
    return [name for bit, (name, _) in EXC_BITS.items() if value & bit]


def alarm_names(value: int) -> list[str]:
    return [name for bit, name in ALARM_BITS.items() if value & bit]


def flags_for(exc: int, alarm: int) -> frozenset[str]:
    flags = {flag for bit, (_, flag) in EXC_BITS.items() if exc & bit and flag}
    if alarm & _ALARM_RAISES_FLAG:
        flags.add("device_alarm")
    if alarm & LOW_BATTERY:
        flags.add("low_battery")
    return frozenset(flags)


class BadLine(ValueError):
    pass


class MasimoParser:
    """Incremental, pure: `feed(bytes)` returns the readings of every complete line; bad lines are counted."""

    def __init__(self, *, clock: Clock | None = None, device_tz: tzinfo | None = None, rate_kind: str = "pulse_rate",
                 source: str = "masimo"):
        self._clock = clock or SystemClock()
        self.device_tz = device_tz
        self.rate_kind = rate_kind
        self.source = source
        self._buf = bytearray()
        self._rainbow_seen: set[str] = set()  # rainbow kinds this oximeter has shown a number for
        self.counters = {"lines": 0, "bad_lines": 0}

    def feed(self, data: bytes, now: datetime | None = None) -> list[Reading]:
        now = now or self._clock.now()
        self._buf += data
        parts = self._buf.replace(b"\r", b"\n").split(b"\n")
        rest = parts.pop()
        if len(rest) > MAX_LINE:  # no line end in sight: noise, or the wrong baud rate
            self.counters["bad_lines"] += 1
            rest = bytearray()
        self._buf = bytearray(rest)
        out: list[Reading] = []
        for raw in parts:
            if not raw.strip():
                continue
            self.counters["lines"] += 1
            try:
                out += self.parse_line(raw, now)
            except BadLine:
                self.counters["bad_lines"] += 1
        return out

    def parse_line(self, raw: bytes | bytearray, now: datetime) -> list[Reading]:
        if len(raw) > MAX_LINE:
            raise BadLine("too long")
        try:
            tokens = raw.decode("ascii").split()
        except UnicodeDecodeError:
            raise BadLine("not ASCII") from None
        if len(tokens) < 3:
            raise BadLine("too short")
        device_ts = self._device_time(tokens[0], tokens[1])
        values: dict[str, float | None] = {}
        rainbow: dict[str, float | None] = {}
        words: dict[str, int] = {}
        for token in tokens[2:]:
            key, sep, value = token.partition("=")
            if not sep or not _KEY.match(key):
                raise BadLine(f"not KEY=VALUE: {token!r}")
            value = value.rstrip("%")
            if key in FIELDS:
                values[FIELDS[key]] = _number(value)
            elif key in RAINBOW:
                rainbow[RAINBOW[key]] = _number(value)
            elif key in ("EXC", "EXC1", "ALARM"):
                words[key] = _hex(value)
        if not values:
            raise BadLine("no SPO2, BPM or PI field")
        for kind, number in rainbow.items():  # only after the line proved whole: a bad line changes nothing
            if number is not None:
                self._rainbow_seen.add(kind)
            if kind in self._rainbow_seen:
                values[kind] = number
        exc = words.get("EXC", words.get("EXC1", 0))
        flags = flags_for(exc, words.get("ALARM", 0))
        return [Reading(self.rate_kind if kind == "pulse_rate" else kind, value,
                        UNITS[kind], now, device_ts, flags, self.source) for kind, value in values.items()]

    def _device_time(self, date: str, time: str) -> datetime:
        d, t = _DATE.match(date), _TIME.match(time)
        if not d or not t:
            raise BadLine("no date and time")
        year = int(d[3]) + (2000 if len(d[3]) == 2 else 0)
        try:
            naive = datetime(year, int(d[1]), int(d[2]), int(t[1]), int(t[2]), int(t[3]))
        except ValueError:
            raise BadLine("bad date or time") from None
        local = naive.replace(tzinfo=self.device_tz) if self.device_tz else naive.astimezone()
        return local.astimezone(timezone.utc)


def _number(value: str) -> float | None:
    if _MISSING.match(value):
        return None
    if not _NUMBER.match(value):
        raise BadLine(f"not a number: {value!r}")
    return float(value)


def _hex(value: str) -> int:
    if _MISSING.match(value):
        return 0
    if not _HEX.match(value):
        raise BadLine(f"not hex: {value!r}")
    return int(value, 16)
