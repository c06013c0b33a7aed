"""HL7 v2 ORU^R01 (IHE PCD-01 "communicate PCD data") and ORU^R40 (PCD-04 alerts) to observations, and the ACK
we owe for every message. Pure: text in, an `OruMessage` out; the feed (hl7_feed) decides what is a reading.

Only what a vitals feed needs, as real gateways send it (HL7 v2.6 ch. 7 OBX; IHE PCD TF-2 3.1, 3.4):
- OBX-3 is a CWE: the primary triplet (components 1-3) and the alternate (4-6) are both matched, each by its
  IEEE 11073 code (also Philips' MDIL `0002-4bb8` form) or by a vendor label in its code or text.
- OBX-2 says what OBX-5 is: NM, SN, and ST holding a number are numerics; NA/MA (arrays) are waveform samples,
  kept for the pleth, never a numeric. An empty OBX-2 (vendors omit it) is read like NM.
- OBX-11 per HL7 table 0085: P, R, C, F (and S, U, or empty) deliver; D (deleted) and W (wrong) never do, X
  (cannot be obtained), I, N and O carry no value.
- OBX-8 (table 0078) L/LL/</LU and H/HH/>/HU become abnormal_low/abnormal_high; A/AA by OBX-7 ("lo-hi").
- Alerts: an OBX whose code is an MDC event (partition 3, as PCD-04 sends `196616^MDC_EVT_ALARM` with the event
  in OBX-5 and the phase in MDC_ATTR_EVENT_PHASE), a vendor `*_EVT_*` term, or Philips' `...^MDIL-ALERT` INOP text.
- OBX-14, else OBR-7, is the device time; one that cannot be read (vendors bend DTM) is counted and the values
  kept with no device time, i.e. the receive time.
- PV1-3, OBX-18 and MSH-3/MSH-4 name the bed, for a gateway that serves several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from roomcontrol.domain.vitals import NIBP_KINDS, UNITS
from roomcontrol.devices.vitals import hl7_codes as C

_DTM = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4}|\d{3,4})?"
                  r"(?:([+-])(\d{2}):?(\d{2})?)?$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")
_DASHES = re.compile(r"^\s*[-?*]+\s*$")
DELIVER = frozenset({"P", "R", "C", "F", "S", "U", ""})  # HL7 table 0085: a value stands
WITHDRAWN = frozenset({"D", "W"})                        # deleted / posted wrong: never a value
NUMERIC_TYPES = frozenset({"NM", "SN", "ST", ""})
ARRAY_TYPES = frozenset({"NA", "MA"})
ABNORMAL = {"L": "abnormal_low", "LL": "abnormal_low", "<": "abnormal_low", "LU": "abnormal_low",
            "H": "abnormal_high", "HH": "abnormal_high", ">": "abnormal_high", "HU": "abnormal_high"}
PHASES = {"start": "start", "continue": "continue", "end": "end", "inactive": "end", "off": "end"}


class Hl7Error(ValueError):
    pass


class UnsupportedMessage(Hl7Error):
    """Well-formed, but not a message type we take (answered AR, not AE)."""


@dataclass
class Observation:
    kind: str
    value: float
    unit: str
    device_ts: datetime | None
    flags: frozenset[str] = frozenset()


@dataclass
class Alert:
    key: str                 # the event code (or the INOP text) and where it came from: one alert, one key
    text: str                # what the monitor called it
    flag: str                # sensor_off | cuff_error | low_battery | device_alarm
    kinds: frozenset[str]    # the kinds it is about; empty: the whole monitor
    phase: str = "continue"  # start | continue | end (PCD-04); an R01 INOP is "continue"


@dataclass
class OruMessage:
    msh: list[str]                      # MSH fields, msh[1] = MSH-1 (the field separator), msh[10] = MSH-10
    observations: list[Observation] = field(default_factory=list)
    message_type: str = ""
    pleth: list[float] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (kind, why): values that are not readings
    withheld: int = 0                   # OBX of a kind we track whose status delivers no value (X, D, W...)
    bad_times: int = 0                  # OBR-7/OBX-14 we could not read (the receive time stands)
    location: str = ""                  # PV1-3 point of care^room^bed (trailing empties dropped)
    beds: set[str] = field(default_factory=set)  # every identifier a room's `bed` may match (upper case)
    cuff_measuring: bool = False        # the cuff is inflated now (its pressure, or a status text, says so)

    @property
    def control_id(self) -> str:
        return _get(self.msh, 10)


def _get(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def split_msh(text: str) -> list[str]:
    """MSH fields with HL7 numbering (index 1 = MSH-1). Raises Hl7Error if there is no usable MSH."""
    first = text.lstrip("\r\n").split("\r", 1)[0].split("\n", 1)[0]
    if not first.startswith("MSH") or len(first) < 8:
        raise Hl7Error("message does not start with an MSH segment")
    sep = first[3]
    if sep.isalnum() or sep.isspace():
        raise Hl7Error("bad field separator in MSH")
    return ["MSH", sep] + first[4:].split(sep)


def label_table(extra: dict[str, str] | None = None) -> dict[str, str]:
    table = {k.upper(): v for k, v in {**C.DEFAULT_LABELS, **(extra or {})}.items()}
    unknown = set(table.values()) - set(UNITS)
    if unknown:
        raise ValueError(f"HL7 label table maps to unknown kinds: {sorted(unknown)}")
    return table


class _Context:
    """The message's separators, the label table and the times every OBX falls back on."""

    def __init__(self, comp: str, rep: str, sub: str, table: dict[str, str], device_tz: tzinfo | None,
                 msg: OruMessage) -> None:
        self.comp, self.rep, self.sub, self.table, self.device_tz, self.msg = comp, rep, sub, table, device_tz, msg
        self.obr_ts: datetime | None = None

    def time(self, text: str) -> datetime | None:
        try:
            return parse_dtm(text.split(self.comp)[0], self.device_tz)
        except Hl7Error:
            self.msg.bad_times += 1
            return None


def parse_oru(text: str, *, labels: dict[str, str] | None = None, device_tz: tzinfo | None = None,
              table: dict[str, str] | None = None) -> OruMessage:
    """Parse one message. Raises Hl7Error when it is not a well-formed ORU we can account for.

    `labels` adds vendor labels to the defaults; `table` is a ready `label_table()` (saves rebuilding it).
    """
    msh = split_msh(text)
    sep, enc = msh[1], _get(msh, 2)
    comp = enc[0] if enc else "^"
    rep = enc[1] if len(enc) > 1 else "~"
    sub = enc[3] if len(enc) > 3 else "&"
    message_type = _get(msh, 9).split(comp)
    msg = OruMessage(msh, message_type="^".join(message_type[:2]))
    if not _get(msh, 10):
        raise Hl7Error("MSH-10 (message control id) is empty")
    if message_type[:2] not in (["ORU", "R01"], ["ORU", "R40"]):
        raise UnsupportedMessage(f"unsupported message type {msg.message_type or '(none)'}")
    ctx = _Context(comp, rep, sub, table or label_table(labels), device_tz, msg)
    for part in (_get(msh, 3), _get(msh, 4)):
        if part.split(comp)[0]:
            msg.beds.add(part.split(comp)[0].upper())
    for segment in re.split(r"\r\n|\r|\n", text):
        if not segment:
            continue
        fields = segment.split(sep)
        name = fields[0]
        if len(name) != 3 or not name.isalnum():
            raise Hl7Error(f"bad segment {segment[:20]!r}")
        if name == "OBR":
            ctx.obr_ts = ctx.time(_get(fields, 7))
        elif name == "PV1":
            _location(_get(fields, 3), ctx)
        elif name == "OBX":
            _obx(fields, ctx)
    if msg.cuff_measuring:
        for o in msg.observations:
            if o.kind in NIBP_KINDS:
                o.flags |= {"nibp_measuring"}
    return msg


def _location(pl: str, ctx: _Context) -> None:
    parts = pl.split(ctx.comp)[:3]
    ctx.msg.location = ctx.comp.join(parts).rstrip(ctx.comp)
    if ctx.msg.location:
        ctx.msg.beds.add(ctx.msg.location.upper())
    bed = parts[2] if len(parts) > 2 else ""
    for name in (bed, bed.split(ctx.sub)[0]):  # Philips: ^^Doc1&5&1
        if name:
            ctx.msg.beds.add(name.upper())


def _obx(fields: list[str], ctx: _Context) -> None:
    ident = _get(fields, 3).split(ctx.comp)
    triplets = [ident[0:3], ident[3:6]]
    codes = [(C.mdc_code(t[0]) if t else "", t[1] if len(t) > 1 else "", t[2] if len(t) > 2 else "")
             for t in triplets]
    equipment = _get(fields, 18).split(ctx.comp)[0]
    if equipment:
        ctx.msg.beds.add(equipment.upper())
    if _alert(fields, codes, ctx) or _cuff(fields, codes, ctx):
        return
    value_type = _get(fields, 2).upper()
    if any(code in C.PLETH_CODES or name.upper() in C.PLETH_NAMES for code, name, _ in codes):
        if value_type in ARRAY_TYPES and _get(fields, 11) in DELIVER:
            ctx.msg.pleth += _samples(_get(fields, 5), ctx)
        return
    kind = _kind(codes, ctx.table)
    if kind is None or value_type in ARRAY_TYPES:
        return  # something we do not track (ST segment, PVC count...), or a waveform that is no pleth
    if value_type not in NUMERIC_TYPES:
        return  # a code or text about this kind (CWE, TX...): not a value
    if _get(fields, 11) not in DELIVER:
        ctx.msg.withheld += 1
        return
    value = _value(_get(fields, 5), value_type, kind, ctx)
    if value is None:
        return
    converted = C.convert(kind, value, _get(fields, 6))
    if isinstance(converted, str):
        ctx.msg.rejected.append((kind, converted))
        return
    ts = ctx.time(_get(fields, 14)) if _get(fields, 14) else None
    flags = _abnormal(_get(fields, 8), _get(fields, 7), converted, ctx)
    ctx.msg.observations.append(Observation(kind, converted, UNITS[kind], ts or ctx.obr_ts, flags))


def _cuff(fields: list[str], codes: list[tuple[str, str, str]], ctx: _Context) -> bool:
    if not any(code == C.CUFF_PRESSURE or {code.upper(), name.upper()} & C.CUFF_STATUS_LABELS
               for code, name, _ in codes):
        return False
    value = _get(fields, 5).split(ctx.comp)[0]
    if _NUMBER.match(value):
        ctx.msg.cuff_measuring |= float(value) > 0
    else:
        ctx.msg.cuff_measuring |= bool(C.MEASURING.search(value))
    return True


def _kind(codes: list[tuple[str, str, str]], table: dict[str, str]) -> str | None:
    for code, name, system in codes:
        if code in C.MDC_CODES and system.upper() in ("MDC", "MDIL", ""):
            return C.MDC_CODES[code]
        kind = table.get(code.upper()) or table.get(name.upper())
        if kind:
            return kind
    return None


def _value(raw: str, value_type: str, kind: str, ctx: _Context) -> float | None:
    parts = raw.split(ctx.comp)
    if value_type == "SN":  # structured numeric: [comparator]^num1[^separator^num2]
        if parts[0] not in ("", "="):
            ctx.msg.rejected.append((kind, f"a bound ({parts[0]}), not a value"))
            return None
        parts = parts[1:] or [""]
    text = parts[0]
    if not text.strip():
        return None  # no value sent: nothing to deliver
    if _NUMBER.match(text):
        return float(text)
    ctx.msg.rejected.append((kind, "dashes (no value)" if _DASHES.match(text) else "not a number"))
    return None


def _samples(raw: str, ctx: _Context) -> list[float]:
    return [float(s) for s in raw.split(ctx.comp) if _NUMBER.match(s)]


def _abnormal(obx8: str, obx7: str, value: float, ctx: _Context) -> frozenset[str]:
    flags = set()
    for code in obx8.upper().split(ctx.rep):
        if code in ABNORMAL:
            flags.add(ABNORMAL[code])
        elif code in ("A", "AA"):
            low, _, high = obx7.partition("-")
            if _NUMBER.match(low) and value < float(low):
                flags.add("abnormal_low")
            elif _NUMBER.match(high) and value > float(high):
                flags.add("abnormal_high")
    return frozenset(flags)


def _alert(fields: list[str], codes: list[tuple[str, str, str]], ctx: _Context) -> bool:
    """Take an alert OBX (or the phase of the last one). False when the OBX is not about an alert."""
    code, name, system = codes[0]
    value = _get(fields, 5)
    if code in (C.EVENT_PHASE, C.ALARM_STATE) or name.upper() in ("MDC_ATTR_EVENT_PHASE", "MDC_ATTR_ALARM_STATE"):
        phase = PHASES.get(value.strip().lower())
        if ctx.msg.alerts and phase and (phase == "end" or code == C.EVENT_PHASE):
            ctx.msg.alerts[-1].phase = phase
        return True
    if system.upper().endswith("-ALERT"):  # Philips: 5^HardInop^MDIL-ALERT, the INOP's words in OBX-5
        text = " ".join(value.split())
        if text:
            flag, kinds = C.alert_meaning("", text)
            ctx.msg.alerts.append(Alert(f"{name}:{text}".upper(), text, flag, kinds))
        return True
    if not C.is_event(code, name):
        return False
    event = value.split(ctx.comp) if code == C.MDC_EVT_ALARM else [code, name]
    event_code = C.mdc_code(event[0])
    text = " ".join(p for p in [*event[1:2], *value.split(ctx.comp)[8:9]] if p) or event_code  # name, CWE-9 text
    flag, kinds = C.alert_meaning(event_code, text)
    if not kinds:  # PCD-04 OBX-4 names the source metric: 1.1.1.150456.1 is about SpO2
        kinds = frozenset(C.MDC_CODES[p] for p in _get(fields, 4).split(".") if p in C.MDC_CODES)
    ctx.msg.alerts.append(Alert(f"{event_code}:{_get(fields, 4)}", text, flag, kinds))
    return True


def parse_dtm(text: str, device_tz: tzinfo | None = None) -> datetime | None:
    """HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]) to UTC; no zone = the device's zone (else local).

    Tolerates what gateways send besides: the fraction without its dot (Mindray `20260124124738000+0800`) and
    an offset of hours only or with a colon (`+08`, `+08:00`). Anything else raises Hl7Error.
    """
    if not text:
        return None
    m = _DTM.match(text.strip())
    if not m:
        raise Hl7Error(f"bad HL7 time {text[:30]!r}")
    y, mo, d, h, mi, s, frac, sign, oh, om = m.groups()
    try:
        fraction = float("0." + frac.lstrip(".")) if frac else 0.0
        naive = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0),
                         int(fraction * 1_000_000))
        if sign:
            offset = timedelta(hours=int(oh), minutes=int(om or 0))
            local = naive.replace(tzinfo=timezone(-offset if sign == "-" else offset))
        else:
            local = naive.replace(tzinfo=device_tz) if device_tz else naive.astimezone()
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # no such date, an offset of a day or more, or past year 1/9999
        raise Hl7Error(f"bad HL7 time {text[:30]!r}") from None


def format_dtm(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S") + "+0000"


def build_ack(msh: list[str] | None, code: str, control_id: str, now: datetime, text: str = "") -> str:
    """ACK with sender and receiver swapped; MSA-2 echoes the message's MSH-10 (empty if we never found it)."""
    msh = msh or ["MSH", "|", "^~\\&"]
    sep = msh[1] if _delimiter(msh[1]) else "|"
    enc = _get(msh, 2)
    # MSH-2 holds 4 encoding characters (5 from v2.7, with truncation), all distinct and none the field separator:
    # anything else is a garbled header, answered in the standard's delimiters.
    if len(enc) not in (4, 5) or len(set(enc + sep)) != len(enc) + 1 or not all(_delimiter(ch) for ch in enc):
        sep, enc = "|", "^~\\&"  # both: a separator of "^" beside the standard "^~\\&" would be no ACK at all
    comp = enc[0]
    version = _get(msh, 12) or "2.6"
    header = sep.join([
        "MSH", enc, _get(msh, 5), _get(msh, 6), _get(msh, 3), _get(msh, 4), format_dtm(now), "",
        comp.join(["ACK", _get(msh, 9).split(comp)[1] if comp in _get(msh, 9) else "R01", "ACK"]),
        control_id, _get(msh, 11) or "P", version,
    ])
    msa = sep.join(["MSA", code, _get(msh, 10)] + ([_escape(text, sep, enc)] if text else []))
    return header + "\r" + msa + "\r"


def _delimiter(ch: str) -> bool:
    """A character an ACK can use as a delimiter: printable, not a letter or digit (never the segment's CR)."""
    return len(ch) == 1 and ch.isprintable() and not ch.isalnum() and not ch.isspace()


def _escape(text: str, sep: str, enc: str) -> str:
    for ch in {sep, *enc}:
        text = text.replace(ch, " ")
    return " ".join(text.split())[:80]
