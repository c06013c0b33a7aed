"""The IntelliVue Data Export messages we send and read, as documented in the "Data Export Interface Programming
Guide" (Philips): session and presentation headers for association control, ROSE-style remote operations with
their binary attributes (all integers big-endian). Pure bytes in and out; `decode()` raises MessageError (a
ValueError) naming what is wrong, never anything else.

What travels (section names of the guide):
- "Association Request" / "Association Response" / "Refuse": session SPDU types CN 0x0D, AC 0x0E, RF 0x0C;
- "MDS Create Event Report" / "MDS Create Event Result": the monitor describes itself once associated;
- "Poll Data Request" / "Poll Data Result" (single poll, NOM_ACT_POLL_MDIB_DATA) and the extended poll
  (NOM_ACT_POLL_MDIB_DATA_EXT, answered by linked results) of numerics (NOM_MOC_VMO_METRIC_NU) and alerts
  (NOM_MOC_VMO_AL_MON);
- "Keep Alive": any request keeps the association; we send an MDS Get (CMD_GET on the MDS, all attributes);
- "Release Request" / "Release Response" (FN 0x09, DN 0x0A) and "Abort" (AB 0x19).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# -- session layer ("Session/Presentation Header") -------------------------------------------------------------
CN_SPDU_SI, AC_SPDU_SI, RF_SPDU_SI = 0x0D, 0x0E, 0x0C
FN_SPDU_SI, DN_SPDU_SI, AB_SPDU_SI = 0x09, 0x0A, 0x19
PRESENTATION = 0xC1        # the presentation layer's SPDU parameter
SESSION_ID = 0xE100        # SPpdu.session_id of every data export message (its first byte tells it from SPDUs)
P_CONTEXT_ID = 2

# -- remote operations ("Remote Operation Header") -------------------------------------------------------------
ROIV_APDU, RORS_APDU, ROER_APDU, ROLRS_APDU = 1, 2, 3, 5
CMD_EVENT_REPORT, CMD_CONFIRMED_EVENT_REPORT, CMD_GET, CMD_CONFIRMED_ACTION = 0, 1, 3, 7
RORLS_FIRST, RORLS_NOT_FIRST_NOT_LAST, RORLS_LAST = 1, 2, 3  # linked result states (extended poll)

# -- nomenclature ("Object Classes", "Attribute IDs", "Identifiers") ------------------------------------------
NOM_MOC_VMO_METRIC_NU = 6
NOM_MOC_VMS_MDS = 33
NOM_MOC_VMO_AL_MON = 54
NOM_PART_OBJ = 1
NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ACT_POLL_MDIB_DATA = 0x0C16
NOM_ACT_POLL_MDIB_DATA_EXT = 0xF13B
NOM_ATTR_NU_CMPD_VAL_OBS = 0x094B
NOM_ATTR_NU_VAL_OBS = 0x0950
NOM_ATTR_TIME_STAMP_ABS = 0x0990
NOM_ATTR_AL_MON_P_AL_LIST = 0x0902
NOM_ATTR_AL_MON_T_AL_LIST = 0x0904
NOM_ATTR_TIME_PD_POLL = 0xF13E
NOM_POLL_PROFILE_SUPPORT = 0x0001
NOM_ATTR_POLL_PROFILE_EXT = 0xF001

# Physiological identifiers ("Physiological Identifier", SCADA partition) → our kinds. ABP is never NIBP.
NOM_ECG_CARD_BEAT_RATE = 0x4182
NOM_PULS_RATE = 0x480A
NOM_PLETH_PULS_RATE = 0x4822
NOM_PRESS_BLD_NONINV_SYS, NOM_PRESS_BLD_NONINV_DIA, NOM_PRESS_BLD_NONINV_MEAN = 0x4A05, 0x4A06, 0x4A07
NOM_PRESS_BLD_ART_ABP_SYS, NOM_PRESS_BLD_ART_ABP_DIA, NOM_PRESS_BLD_ART_ABP_MEAN = 0x4A15, 0x4A16, 0x4A17
NOM_PRESS_BLD_ART_SYS, NOM_PRESS_BLD_ART_DIA, NOM_PRESS_BLD_ART_MEAN = 0x4A11, 0x4A12, 0x4A13
NOM_TEMP, NOM_TEMP_CORE, NOM_TEMP_ESOPH, NOM_TEMP_NASOPH, NOM_TEMP_SKIN = 0x4B48, 0x4B60, 0x4B64, 0x4B6C, 0x4B74
NOM_PULS_OXIM_PERF_REL = 0x4BB0
NOM_PULS_OXIM_SAT_O2 = 0x4BB8
NOM_RESP_RATE = 0x500A
NOM_AWAY_RESP_RATE = 0x5012
NOM_AWAY_CO2_ET = 0x50B0
NOM_AWAY_CO2_INSP_MIN = 0x50BA

PHYSIO_KINDS: dict[int, str] = {
    NOM_ECG_CARD_BEAT_RATE: "heart_rate",
    NOM_PULS_RATE: "pulse_rate", NOM_PLETH_PULS_RATE: "pulse_rate",
    NOM_PULS_OXIM_SAT_O2: "spo2", NOM_PULS_OXIM_PERF_REL: "perfusion_index",
    NOM_PRESS_BLD_NONINV_SYS: "nibp_systolic", NOM_PRESS_BLD_NONINV_DIA: "nibp_diastolic",
    NOM_PRESS_BLD_NONINV_MEAN: "nibp_mean",
    NOM_PRESS_BLD_ART_ABP_SYS: "abp_systolic", NOM_PRESS_BLD_ART_ABP_DIA: "abp_diastolic",
    NOM_PRESS_BLD_ART_ABP_MEAN: "abp_mean",
    NOM_PRESS_BLD_ART_SYS: "abp_systolic", NOM_PRESS_BLD_ART_DIA: "abp_diastolic", NOM_PRESS_BLD_ART_MEAN: "abp_mean",
    NOM_RESP_RATE: "respiratory_rate", NOM_AWAY_RESP_RATE: "respiratory_rate",
    NOM_AWAY_CO2_ET: "etco2", NOM_AWAY_CO2_INSP_MIN: "fico2",
    NOM_TEMP: "temperature", NOM_TEMP_CORE: "temperature", NOM_TEMP_ESOPH: "temperature",
    NOM_TEMP_NASOPH: "temperature", NOM_TEMP_SKIN: "temperature",
}

# Unit codes ("Unit Codes", dimension partition) the kinds above come in.
NOM_DIM_DIMLESS = 0x0200
NOM_DIM_PERCENT = 0x0220
NOM_DIM_BEAT_PER_MIN = 0x0AA0
NOM_DIM_PULS_PER_MIN = 0x0AC0
NOM_DIM_RESP_PER_MIN = 0x0AE0
NOM_DIM_KILO_PASCAL = 0x0F03
NOM_DIM_MMHG = 0x0F20
NOM_DIM_FAHR = 0x1140
NOM_DIM_DEGC = 0x17A0
UNIT_NAMES = {NOM_DIM_DIMLESS: "", NOM_DIM_PERCENT: "%", NOM_DIM_BEAT_PER_MIN: "/min", NOM_DIM_PULS_PER_MIN: "/min",
              NOM_DIM_RESP_PER_MIN: "/min", NOM_DIM_KILO_PASCAL: "kPa", NOM_DIM_MMHG: "mmHg", NOM_DIM_FAHR: "degF",
              NOM_DIM_DEGC: "Cel"}

# MeasurementState bits ("Numeric Observed Value": the first byte set means the value is not valid).
INVALID, QUESTIONABLE, UNAVAILABLE, CALIBRATION_ONGOING = 0x8000, 0x4000, 0x2000, 0x1000
TEST_DATA, DEMO_DATA = 0x0800, 0x0400
MSMT_ONGOING, MSMT_STATE_IN_ALARM = 0x0020, 0x0002

# AlertType ("Alert Monitor Object": technical and physiological alarms by priority) and alert info ids.
LOW_PRI_T_AL, MED_PRI_T_AL, HI_PRI_T_AL = 1, 2, 4
LOW_PRI_P_AL, MED_PRI_P_AL, HI_PRI_P_AL = 256, 512, 1024
GEN_ALMON_INFO, STR_ALMON_INFO = 513, 516
# Alert codes ("Alert Codes", event partition) that mean the sensor is off the patient.
NOM_EVT_LEAD_DISCONN, NOM_EVT_LEADS_OFF, NOM_EVT_SENSOR_DISCONN = 268, 274, 308
SENSOR_OFF_CODES = frozenset({NOM_EVT_LEAD_DISCONN, NOM_EVT_LEADS_OFF, NOM_EVT_SENSOR_DISCONN})

# -- the fixed association bytes ("Association Request"/"Association Response"/"Release"/"Abort" messages) -------
# Session data of the connect/accept SPDUs (protocol options, version, user data length prefix).
SESSION_DATA = bytes.fromhex("05 08 13 01 00 16 01 02 80 00 14 02 00 02")
# The presentation headers up to the length byte of the MDSEUserInfoStd that follows them.
ASSOC_REQ_HEADER = bytes.fromhex(
    "31 80 A0 80 80 01 01 00 00 A2 80 A0 03 00 00 01 A4 80 30 80 02 01 01 06 04 52 01 00 01 30 80 06 02 51 01"
    "00 00 00 00 30 80 02 01 02 06 0C 2A 86 48 CE 14 02 01 00 00 00 01 01 30 80 06 0C 2A 86 48 CE 14 02 01 00"
    "00 00 02 01 00 00 00 00 00 00 61 80 30 80 02 01 01 A0 80 60 80 A1 80 06 0C 2A 86 48 CE 14 02 01 00 00 00"
    "03 01 00 00 BE 80 28 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 01 01 02 01 02 81")
ASSOC_RESP_HEADER = bytes.fromhex(
    "31 80 A0 80 80 01 01 00 00 A2 80 A0 03 00 00 01 A5 80 30 80 80 01 00 81 02 51 01 00 00 30 80 80 01 00 81"
    "0C 2A 86 48 CE 14 02 01 00 00 00 02 01 00 00 00 00 61 80 30 80 02 01 01 A0 80 61 80 A1 80 06 0C 2A 86 48"
    "CE 14 02 01 00 00 00 03 01 00 00 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 80 28 80 02 01 02 81")
ASSOC_TRAILER = bytes(16)
RELEASE_REQ = bytes.fromhex("09 18 C1 16 61 80 30 80 02 01 01 A0 80 62 80 80 01 00 00 00 00 00 00 00 00 00")
RELEASE_RESP = bytes.fromhex("0A 18 C1 16 61 80 30 80 02 01 01 A0 80 63 80 80 01 00 00 00 00 00 00 00 00 00")
ABORT = bytes.fromhex(
    "19 2E 11 01 03 C1 29 A0 80 A0 80 30 80 02 01 01 06 02 51 01 00 00 00 00 61 80 30 80 02 01 01 A0 80 64 80"
    "80 01 01 00 00 00 00 00 00 00 00 00 00")

# MDSEUserInfoStd ("Association Request": the MDSE user information) and its poll profile.
MDDL_VERSION1 = 0x80000000
NOMEN_VERSION = 0x40000000
SYST_CLIENT, SYST_SERVER = 0x80000000, 0x00800000
HOT_START, WARM_START, COLD_START = 0x80000000, 0x40000000, 0x20000000
POLL_PROFILE_REV0 = 0x80000000
P_OPT_DYN_CREATE_OBJECTS, P_OPT_DYN_DELETE_OBJECTS = 0x40000000, 0x20000000
POLL_EXT_PERIOD_NU_1SEC = 0x80000000  # numerics with a 1 s period
RELATIVE_TIME_PER_S = 8000  # RelativeTime counts 1/8 ms


class MessageError(ValueError):
    """A message that does not follow the guide's layout (too short, a length that does not add up)."""


# -- small encoders --------------------------------------------------------------------------------------------

def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def li(length: int) -> bytes:
    """The session layer's length indicator: one byte, or 0xFF and two bytes from 255 on."""
    return bytes((length,)) if length < 255 else b"\xff" + u16(length)


def attribute(attr_id: int, value: bytes) -> bytes:
    return u16(attr_id) + u16(len(value)) + value


def attribute_list(*attrs: bytes) -> bytes:
    body = b"".join(attrs)
    return u16(len(attrs)) + u16(len(body)) + body


def user_info(system_type: int, startup: int, min_poll_s: float) -> bytes:
    """MDSEUserInfoStd with the polling profile: the poll period, MTU 1000, dynamic objects, 1 s numerics."""
    ext = attribute(NOM_ATTR_POLL_PROFILE_EXT, u32(POLL_EXT_PERIOD_NU_1SEC) + attribute_list())
    profile = (u32(POLL_PROFILE_REV0) + u32(round(min_poll_s * RELATIVE_TIME_PER_S)) + u32(1000) + u32(1000)
               + u32(0xFFFFFFFF) + u32(P_OPT_DYN_CREATE_OBJECTS | P_OPT_DYN_DELETE_OBJECTS)
               + attribute_list(ext))
    return (u32(MDDL_VERSION1) + u32(NOMEN_VERSION) + u32(0) + u32(system_type) + u32(startup)
            + attribute_list() + attribute_list(attribute(NOM_POLL_PROFILE_SUPPORT, profile)))


def _association(spdu: int, header: bytes, info: bytes) -> bytes:
    presentation = header + bytes((len(info),)) + info + ASSOC_TRAILER
    body = SESSION_DATA + bytes((PRESENTATION,)) + li(len(presentation)) + presentation
    return bytes((spdu,)) + li(len(body)) + body


def association_request(min_poll_s: float = 1.0) -> bytes:
    """"Association Request": we are a client, cold start, polling at most every `min_poll_s`."""
    return _association(CN_SPDU_SI, ASSOC_REQ_HEADER, user_info(SYST_CLIENT, COLD_START, min_poll_s))


def association_response(min_poll_s: float = 1.0) -> bytes:
    """"Association Response" as the monitor sends it (the emulator's)."""
    return _association(AC_SPDU_SI, ASSOC_RESP_HEADER, user_info(SYST_SERVER, COLD_START, min_poll_s))


def refuse() -> bytes:
    """"Refuse": an SPDU with no parameters (the emulator's answer to a request it cannot take)."""
    return bytes((RF_SPDU_SI, 0))


def _data_export(ro_type: int, apdu: bytes) -> bytes:
    return u16(SESSION_ID) + u16(P_CONTEXT_ID) + u16(ro_type) + u16(len(apdu)) + apdu


def _operation(ro_type: int, invoke_id: int, command: int, body: bytes) -> bytes:
    return _data_export(ro_type, u16(invoke_id) + u16(command) + u16(len(body)) + body)


def managed_object(obj_class: int, context: int = 0, handle: int = 0) -> bytes:
    return u16(obj_class) + u16(context) + u16(handle)


def mds_create_event(invoke_id: int, event_time: int, attrs: bytes = attribute_list()) -> bytes:
    """"MDS Create Event Report" (the emulator's): the MDS object and its attributes."""
    mds = managed_object(NOM_MOC_VMS_MDS)
    info = mds + attrs
    return _operation(ROIV_APDU, invoke_id, CMD_CONFIRMED_EVENT_REPORT,
                      mds + u32(event_time) + u16(NOM_NOTI_MDS_CREAT) + u16(len(info)) + info)


def mds_create_result(event: MdsCreate, current_time: int = 0) -> bytes:
    """"MDS Create Event Result": our confirmation, echoing the event's invoke id and managed object."""
    return _operation(RORS_APDU, event.invoke_id, CMD_CONFIRMED_EVENT_REPORT,
                      event.managed_object + u32(current_time) + u16(NOM_NOTI_MDS_CREAT) + u16(0))


def poll_request(invoke_id: int, poll_number: int, obj_code: int, extended_period_s: float | None = None) -> bytes:
    """"Poll Data Request" for one object class (numerics, alerts); with `extended_period_s`, the extended poll
    asking for results over that period (NOM_ATTR_TIME_PD_POLL)."""
    req = u16(poll_number) + u16(NOM_PART_OBJ) + u16(obj_code) + u16(0)  # polled_attr_grp 0: all groups
    action = NOM_ACT_POLL_MDIB_DATA
    if extended_period_s is not None:
        action = NOM_ACT_POLL_MDIB_DATA_EXT
        req += attribute_list(attribute(NOM_ATTR_TIME_PD_POLL, u32(round(extended_period_s * RELATIVE_TIME_PER_S))))
    body = managed_object(NOM_MOC_VMS_MDS) + u32(0) + u16(action) + u16(len(req)) + req
    return _operation(ROIV_APDU, invoke_id, CMD_CONFIRMED_ACTION, body)


def keep_alive(invoke_id: int) -> bytes:
    """An MDS Get of all attributes ("Get Request" with an empty attribute id list): any request keeps the
    association alive."""
    return _operation(ROIV_APDU, invoke_id, CMD_GET, managed_object(NOM_MOC_VMS_MDS) + u32(0) + u16(0) + u16(0))


def get_result(invoke_id: int, attrs: bytes = attribute_list()) -> bytes:
    """"Get Result" (the emulator's answer to the keep-alive)."""
    return _operation(RORS_APDU, invoke_id, CMD_GET, managed_object(NOM_MOC_VMS_MDS) + attrs)


# -- numeric values ("FLOAT-Type": 8-bit signed exponent, 24-bit signed mantissa) ------------------------------

NAN_MANTISSA, NRES_MANTISSA, PINF_MANTISSA, NINF_MANTISSA = 0x7FFFFF, -0x800000, 0x7FFFFE, -0x7FFFFE


def decode_float(raw: int) -> float | None:
    """The value, or None for the special values (NaN, NRes, ±infinity)."""
    exponent = raw >> 24
    exponent -= 256 if exponent >= 128 else 0
    mantissa = raw & 0xFFFFFF
    mantissa -= 0x1000000 if mantissa >= 0x800000 else 0
    if mantissa in (NAN_MANTISSA, NRES_MANTISSA, PINF_MANTISSA, NINF_MANTISSA):
        return None
    return round(mantissa * 10.0 ** exponent, max(0, -exponent))


def encode_float(value: float | None, decimals: int = 0) -> int:
    if value is None:
        return NAN_MANTISSA
    mantissa = int(round(value * 10.0 ** decimals))
    return ((-decimals) & 0xFF) << 24 | (mantissa & 0xFFFFFF)


@dataclass(frozen=True)
class Numeric:
    """One NuObsValue: the physiological id, its measurement state, unit code and value (None: no value)."""
    physio_id: int
    state: int
    unit_code: int
    value: float | None
    handle: int = 0
    timestamp: bytes = b""   # the object's AbsoluteTime, when the poll carried it (NIBP: when it was measured)

    @property
    def kind(self) -> str | None:
        return PHYSIO_KINDS.get(self.physio_id)


def nu_obs_value(physio_id: int, value: float | None, unit_code: int, state: int = 0, decimals: int = 0) -> bytes:
    return u16(physio_id) + u16(state) + u16(unit_code) + u32(encode_float(value, decimals))


@dataclass(frozen=True)
class Alert:
    """One DevAlarmEntry: where from, what, its type (technical/physiological and priority) and text."""
    source: int
    code: int
    al_type: int
    state: int
    text: str = ""

    @property
    def technical(self) -> bool:
        return self.al_type in (LOW_PRI_T_AL, MED_PRI_T_AL, HI_PRI_T_AL)


def alarm_entry(source: int, code: int, al_type: int, text: str = "", state: int = 0) -> bytes:
    """A DevAlarmEntry with a StrAlMonInfo (the text as the guide's String: length, UTF-16 big-endian)."""
    string = text.encode("utf-16-be")
    info = u16(0) + u32(0) + u16(0) + u16(0) + u16(len(string)) + string
    return (u16(source) + u16(code) + u16(al_type) + u16(state) + managed_object(NOM_MOC_VMO_METRIC_NU)
            + u16(STR_ALMON_INFO) + u16(len(info)) + info)


def alarm_list(*entries: bytes) -> bytes:
    body = b"".join(entries)
    return u16(len(entries)) + u16(len(body)) + body


def poll_result(invoke_id: int, poll_number: int, obj_code: int, objects: list[tuple[int, bytes]],
                rel_time: int = 0, linked: tuple[int, int] | None = None) -> bytes:
    """"Poll Data Result" (the emulator's): one context, one ObservationPoll (handle, AttributeList) per
    object. With `linked` = (state, count) it is one linked result of an extended poll."""
    observations = b"".join(u16(handle) + attrs for handle, attrs in objects)
    context = u16(0) + u16(len(objects)) + u16(len(observations)) + observations
    info_list = u16(1) + u16(len(context)) + context
    head = u16(poll_number)
    action = NOM_ACT_POLL_MDIB_DATA
    if linked is not None:
        head += u16(linked[1])  # sequence_no
        action = NOM_ACT_POLL_MDIB_DATA_EXT
    reply = head + u32(rel_time) + b"\xff" * 8 + u16(NOM_PART_OBJ) + u16(obj_code) + u16(0) + info_list
    body = managed_object(NOM_MOC_VMS_MDS) + u16(action) + u16(len(reply)) + reply
    if linked is None:
        return _operation(RORS_APDU, invoke_id, CMD_CONFIRMED_ACTION, body)
    apdu = bytes(linked) + u16(invoke_id) + u16(CMD_CONFIRMED_ACTION) + u16(len(body)) + body
    return _data_export(ROLRS_APDU, apdu)


# -- decoding --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AssociationRequest:
    pass


@dataclass(frozen=True)
class AssociationResult:
    pass


@dataclass(frozen=True)
class Refuse:
    pass


@dataclass(frozen=True)
class ReleaseRequest:
    pass


@dataclass(frozen=True)
class ReleaseResult:
    pass


@dataclass(frozen=True)
class Abort:
    pass


@dataclass(frozen=True)
class MdsCreate:
    invoke_id: int
    managed_object: bytes   # the 6 bytes of the MDS ManagedObjectId, echoed in the result


@dataclass(frozen=True)
class PollRequest:
    invoke_id: int
    poll_number: int
    obj_code: int
    extended: bool


@dataclass(frozen=True)
class PollResult:
    invoke_id: int
    poll_number: int
    obj_code: int
    numerics: list[Numeric] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    last: bool = True       # a single poll's result, or the last linked result of an extended poll


@dataclass(frozen=True)
class GetRequest:
    invoke_id: int


@dataclass(frozen=True)
class Other:
    """A well-formed message we have no use for (a get result, an error for an operation, an event)."""
    ro_type: int
    command: int
    invoke_id: int


Message = (AssociationRequest | AssociationResult | Refuse | ReleaseRequest | ReleaseResult | Abort | MdsCreate
           | PollRequest | PollResult | GetRequest | Other)

_SPDUS: dict[int, Message] = {CN_SPDU_SI: AssociationRequest(), AC_SPDU_SI: AssociationResult(),
                              RF_SPDU_SI: Refuse(), FN_SPDU_SI: ReleaseRequest(), DN_SPDU_SI: ReleaseResult(),
                              AB_SPDU_SI: Abort()}


class _Reader:
    """Bounds-checked big-endian reads over one message."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.pos, self.what = data, 0, what

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise MessageError(f"{self.what}: {what} runs past the end ({len(self.data)} bytes)")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u16(self, what: str) -> int:
        return int.from_bytes(self.take(2, what), "big")

    def u32(self, what: str) -> int:
        return int.from_bytes(self.take(4, what), "big")

    def sub(self, n: int, what: str) -> _Reader:
        return _Reader(self.take(n, what), f"{self.what}/{what}")


def decode(data: bytes) -> Message:
    """One message from the user data of one frame."""
    if not data:
        raise MessageError("empty message")
    if data[0] in _SPDUS:
        return _SPDUS[data[0]]
    r = _Reader(data, "data export message")
    if r.u16("session id") != SESSION_ID:
        raise MessageError(f"unknown session/SPDU type 0x{data[0]:02X}")
    r.u16("presentation context")
    ro_type = r.u16("ROapdus.ro_type")
    body = r.sub(r.u16("ROapdus.length"), "remote operation")
    if ro_type == ROLRS_APDU:
        state = body.take(2, "linked id")[0]
        return _result(body, state in (RORLS_LAST,), linked=True)
    if ro_type == ROIV_APDU:
        return _invoke(body)
    if ro_type == RORS_APDU:
        return _result(body, True, linked=False)
    if ro_type == ROER_APDU:
        return Other(ro_type, 0, body.u16("invoke id"))
    raise MessageError(f"unknown remote operation type {ro_type}")


def _invoke(r: _Reader) -> Message:
    invoke_id, command = r.u16("invoke id"), r.u16("command type")
    body = r.sub(r.u16("length"), "argument")
    if command == CMD_CONFIRMED_EVENT_REPORT:
        obj = body.take(6, "managed object")
        body.u32("event time")
        if body.u16("event type") == NOM_NOTI_MDS_CREAT:
            return MdsCreate(invoke_id, obj)
    elif command == CMD_CONFIRMED_ACTION:
        body.take(6, "managed object")
        body.u32("scope")
        action = body.u16("action type")
        req = body.sub(body.u16("length"), "poll request")
        poll_number = req.u16("poll number")
        req.u16("partition")
        return PollRequest(invoke_id, poll_number, req.u16("object type"), action == NOM_ACT_POLL_MDIB_DATA_EXT)
    elif command == CMD_GET:
        return GetRequest(invoke_id)
    return Other(ROIV_APDU, command, invoke_id)


def _result(r: _Reader, last: bool, linked: bool) -> Message:
    invoke_id, command = r.u16("invoke id"), r.u16("command type")
    body = r.sub(r.u16("length"), "result")
    if command != CMD_CONFIRMED_ACTION:
        return Other(ROLRS_APDU if linked else RORS_APDU, command, invoke_id)
    body.take(6, "managed object")
    action = body.u16("action type")
    reply = body.sub(body.u16("length"), "poll reply")
    if action not in (NOM_ACT_POLL_MDIB_DATA, NOM_ACT_POLL_MDIB_DATA_EXT):
        return Other(RORS_APDU, command, invoke_id)
    poll_number = reply.u16("poll number")
    if action == NOM_ACT_POLL_MDIB_DATA_EXT:
        reply.u16("sequence number")
    reply.take(12, "time stamps")  # RelativeTime, AbsoluteTime of the poll
    reply.u16("partition")
    obj_code = reply.u16("object type")
    reply.u16("attribute group")
    numerics: list[Numeric] = []
    alerts: list[Alert] = []
    count, contexts = _counted(reply, "poll info list")
    for _ in range(count):
        contexts.u16("context id")
        n_obs, observations = _counted(contexts, "observation list")
        for _ in range(n_obs):
            handle = observations.u16("object handle")
            n_attrs, attrs = _counted(observations, "attribute list")
            values = dict(_attributes(n_attrs, attrs))
            stamp = values.get(NOM_ATTR_TIME_STAMP_ABS, b"")
            if NOM_ATTR_NU_VAL_OBS in values:
                numerics.append(_numeric(_Reader(values[NOM_ATTR_NU_VAL_OBS], "numeric"), handle, stamp))
            if NOM_ATTR_NU_CMPD_VAL_OBS in values:
                n_cmpd, cmpd = _counted(_Reader(values[NOM_ATTR_NU_CMPD_VAL_OBS], "compound"), "compound numeric")
                numerics += [_numeric(cmpd, handle, stamp) for _ in range(n_cmpd)]
            for attr_id in (NOM_ATTR_AL_MON_T_AL_LIST, NOM_ATTR_AL_MON_P_AL_LIST):
                if attr_id in values:
                    alerts += _alerts(_Reader(values[attr_id], "alarm list"))
    return PollResult(invoke_id, poll_number, obj_code, numerics, alerts, last)


def _counted(r: _Reader, what: str) -> tuple[int, _Reader]:
    """A list as the guide sends them: count, length in bytes, the items."""
    count = r.u16(f"{what} count")
    return count, r.sub(r.u16(f"{what} length"), what)


def _attributes(count: int, r: _Reader) -> list[tuple[int, bytes]]:
    out = []
    for _ in range(count):
        attr_id = r.u16("attribute id")
        out.append((attr_id, r.take(r.u16("attribute length"), f"attribute 0x{attr_id:04X}")))
    return out


def _numeric(r: _Reader, handle: int, stamp: bytes) -> Numeric:
    physio_id, state, unit = r.u16("physio id"), r.u16("state"), r.u16("unit code")
    return Numeric(physio_id, state, unit, decode_float(r.u32("value")), handle, stamp)


def _alerts(r: _Reader) -> list[Alert]:
    out = []
    count, entries = _counted(r, "alarm list")
    for _ in range(count):
        source, code, al_type, state = (entries.u16("alarm source"), entries.u16("alarm code"),
                                        entries.u16("alarm type"), entries.u16("alarm state"))
        entries.take(6, "alarm object")
        info_id = entries.u16("alert info id")
        info = entries.sub(entries.u16("alert info length"), "alert info")
        text = ""
        if info_id == STR_ALMON_INFO:
            info.take(10, "alert info")  # al_inst_no, al_text, priority, flags
            text = info.take(info.u16("string length"), "string").decode("utf-16-be", "replace").rstrip("\x00")
        out.append(Alert(source, code, al_type, state, text))
    return out
