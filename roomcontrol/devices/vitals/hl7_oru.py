"""HL7 v2 ORU^R01 (IHE PCD-01 "communicate PCD data") to readings, and the ACK we owe for every message.

Only what a vitals feed needs: MSH, OBR-7 and OBX. OBX-3 is matched first by its IEEE 11073 code (component 1),
then by a table of vendor labels against component 1 or 2 (e.g. `101^HR^99MNDRY`, `NBPs`). An empty OBX-5, or
OBX-11 = X ("cannot be obtained"), is a reading with no value. OBX-14 (else OBR-7) is kept as device time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from roomcontrol.domain.vitals import UNITS

# IEEE 11073-10101 reference ids (partition 2, SCADA) as PCD-01 gateways send them in OBX-3.
MDC_CODES = {
    "147842": "heart_rate",        # MDC_ECG_HEART_RATE
    "149530": "pulse_rate",        # MDC_PULS_OXIM_PULS_RATE
    "149514": "pulse_rate",        # MDC_PULS_RATE
    "149546": "pulse_rate",        # MDC_PULS_RATE_NON_INV (from the NIBP cuff)
    "150456": "spo2",              # MDC_PULS_OXIM_SAT_O2
    "150488": "perfusion_index",   # MDC_PULS_OXIM_PERF_REL / MDC_BLD_PERF_INDEX
    "150021": "nibp_systolic",     # MDC_PRESS_BLD_NONINV_SYS
    "150022": "nibp_diastolic",    # MDC_PRESS_BLD_NONINV_DIA
    "150023": "nibp_mean",         # MDC_PRESS_BLD_NONINV_MEAN
    "150301": "nibp_systolic",     # MDC_PRESS_CUFF_SYS (Philips)
    "150302": "nibp_diastolic",    # MDC_PRESS_CUFF_DIA
    "150303": "nibp_mean",         # MDC_PRESS_CUFF_MEAN
    "151562": "respiratory_rate",  # MDC_RESP_RATE
    "151578": "respiratory_rate",  # MDC_TTHOR_RESP_RATE (impedance)
}
# Vendor labels and MDC names, matched case-insensitively against OBX-3.1 and OBX-3.2. Rooms can add their own.
DEFAULT_LABELS = {
    "HR": "heart_rate", "PR": "pulse_rate", "PULSE": "pulse_rate", "SPO2": "spo2", "PI": "perfusion_index",
    "PERF": "perfusion_index", "RR": "respiratory_rate", "RESP": "respiratory_rate",
    "NBPS": "nibp_systolic", "NBPD": "nibp_diastolic", "NBPM": "nibp_mean",
    "NIBP_SYS": "nibp_systolic", "NIBP_DIA": "nibp_diastolic", "NIBP_MEAN": "nibp_mean",
    "MDC_ECG_HEART_RATE": "heart_rate", "MDC_PULS_OXIM_PULS_RATE": "pulse_rate", "MDC_PULS_RATE": "pulse_rate",
    "MDC_PULS_OXIM_SAT_O2": "spo2", "MDC_PULS_OXIM_PERF_REL": "perfusion_index",
    "MDC_BLD_PERF_INDEX": "perfusion_index",
    "MDC_PRESS_BLD_NONINV_SYS": "nibp_systolic", "MDC_PRESS_BLD_NONINV_DIA": "nibp_diastolic",
    "MDC_PRESS_BLD_NONINV_MEAN": "nibp_mean", "MDC_PRESS_CUFF_SYS": "nibp_systolic",
    "MDC_PRESS_CUFF_DIA": "nibp_diastolic", "MDC_PRESS_CUFF_MEAN": "nibp_mean",
    "MDC_RESP_RATE": "respiratory_rate", "MDC_TTHOR_RESP_RATE": "respiratory_rate",
}
KPA_TO_MMHG = 7.50062
_DTM = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\.\d{1,4})?([+-]\d{4})?$")
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$")


class Hl7Error(ValueError):
    pass


@dataclass
class Observation:
    kind: str
    value: float | None
    unit: str
    device_ts: datetime | None


@dataclass
class OruMessage:
    msh: list[str]                      # MSH fields, msh[1] = MSH-1 (the field separator), msh[10] = MSH-10
    observations: list[Observation] = field(default_factory=list)
    message_type: str = ""

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


def parse_oru(text: str, *, labels: dict[str, str] | None = None, device_tz: tzinfo | None = None,
              table: dict[str, str] | None = None) -> OruMessage:
    """Parse one message. Raises Hl7Error when it is not a well-formed ORU^R01 we can account for.

    `labels` adds vendor labels to the defaults; `table` is a ready `label_table()` (saves rebuilding it).
    """
    msh = split_msh(text)
    sep, enc = msh[1], _get(msh, 2)
    comp = enc[0] if enc else "^"
    message_type = _get(msh, 9).split(comp)
    msg = OruMessage(msh, message_type="^".join(message_type[:2]))
    if not _get(msh, 10):
        raise Hl7Error("MSH-10 (message control id) is empty")
    if message_type[:2] != ["ORU", "R01"]:
        raise UnsupportedMessage(f"unsupported message type {msg.message_type or '(none)'}")
    table = table or label_table(labels)
    obr_ts = None
    for segment in re.split(r"\r\n|\r|\n", text):
        if not segment:
            continue
        fields = segment.split(sep)
        name = fields[0]
        if len(name) != 3 or not name.isalnum():
            raise Hl7Error(f"bad segment {segment[:20]!r}")
        if name == "OBR":
            obr_ts = parse_dtm(_get(fields, 7).split(comp)[0], device_tz)
        elif name == "OBX":
            obs = _observation(fields, comp, table, obr_ts, device_tz)
            if obs is not None:
                msg.observations.append(obs)
    return msg


def label_table(extra: dict[str, str] | None = None) -> dict[str, str]:
    table = {k.upper(): v for k, v in {**DEFAULT_LABELS, **(extra or {})}.items()}
    unknown = set(table.values()) - set(UNITS)
    if unknown:
        raise ValueError(f"HL7 label table maps to unknown kinds: {sorted(unknown)}")
    return table


class UnsupportedMessage(Hl7Error):
    """Well-formed, but not a message type we take (answered AR, not AE)."""


def _observation(fields: list[str], comp: str, table: dict[str, str], obr_ts: datetime | None,
                 device_tz: tzinfo | None) -> Observation | None:
    ident = _get(fields, 3).split(comp)
    kind = MDC_CODES.get(ident[0]) or table.get(ident[0].upper())
    if kind is None and len(ident) > 1:
        kind = table.get(ident[1].upper())
    if kind is None:
        return None  # something we do not track (ST-segment, PVC count...): fine
    raw = _get(fields, 5).split(comp)
    if _get(fields, 2) == "SN" and len(raw) > 1:  # structured numeric: ^120 or <^5
        raw = raw[1:]
    value = None
    if _get(fields, 11) != "X" and raw[0].strip():
        if not _NUMBER.match(raw[0]):
            raise Hl7Error(f"OBX-5 {raw[0][:20]!r} is not a number")
        value = float(raw[0])
        unit_text = _get(fields, 6).upper()
        if value is not None and UNITS[kind] == "mmHg" and ("KPA" in unit_text or "KILO_PASCAL" in unit_text):
            value = round(value * KPA_TO_MMHG, 1)
    ts = parse_dtm(_get(fields, 14).split(comp)[0], device_tz) or obr_ts
    return Observation(kind, value, UNITS[kind], ts)


def parse_dtm(text: str, device_tz: tzinfo | None = None) -> datetime | None:
    """HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]) to UTC; no zone = the device's zone (else local)."""
    if not text:
        return None
    m = _DTM.match(text.strip())
    if not m:
        raise Hl7Error(f"bad HL7 time {text[:30]!r}")
    y, mo, d, h, mi, s, frac, off = m.groups()
    try:
        naive = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0),
                         int(float(frac) * 1_000_000) if frac else 0)
    except ValueError:
        raise Hl7Error(f"bad HL7 time {text[:30]!r}") from None
    if off:
        sign = -1 if off[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
        local = naive.replace(tzinfo=tz)
    else:
        local = naive.replace(tzinfo=device_tz) if device_tz else naive.astimezone()
    return local.astimezone(timezone.utc)


def format_dtm(ts: datetime) -> str:
    return ts.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S") + "+0000"


def build_ack(msh: list[str] | None, code: str, control_id: str, now: datetime, text: str = "") -> str:
    """ACK with sender and receiver swapped; MSA-2 echoes the message's MSH-10 (empty if we never found it)."""
    msh = msh or ["MSH", "|", "^~\\&"]
    sep = msh[1]
    enc = _get(msh, 2) or "^~\\&"
    comp = enc[0]
    version = _get(msh, 12) or "2.6"
    header = sep.join([
        "MSH", enc, _get(msh, 5), _get(msh, 6), _get(msh, 3), _get(msh, 4), format_dtm(now), "",
        comp.join(["ACK", _get(msh, 9).split(comp)[1] if comp in _get(msh, 9) else "R01", "ACK"]),
        control_id, _get(msh, 11) or "P", version,
    ])
    msa = sep.join(["MSA", code, _get(msh, 10)] + ([_escape(text, sep, enc)] if text else []))
    return header + "\r" + msa + "\r"


def _escape(text: str, sep: str, enc: str) -> str:
    for ch in {sep, *enc}:
        text = text.replace(ch, " ")
    return " ".join(text.split())[:80]
