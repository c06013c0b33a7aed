"""The real wire bytes of each protocol, from numbers: what a Nonin, a Masimo or a PCD-01 gateway would send.

Used by the simulated devices and by the tests, which decode them with the production parsers.
"""

from __future__ import annotations

from datetime import datetime

from roomcontrol.devices.vitals.mllp import mllp_frame
from roomcontrol.devices.vitals.hl7_oru import format_dtm
from roomcontrol.devices.vitals.nonin import ARTF, HR_MISSING, OOT, PACKET, RED_PERFUSION, SNSA, SNSD, SPO2_MISSING, SYNC

_STATUS_BITS = {"sensor_disconnect": SNSD, "artifact": ARTF, "out_of_track": OOT, "sensor_alarm": SNSA,
                "low_perfusion": RED_PERFUSION}


def nonin_frame(status: int, pleth: int, data: int, data_format: int = 7) -> bytes:
    status |= 0x80
    if data_format == 7:
        head = bytes((status, (pleth >> 8) & 0xFF, pleth & 0xFF, data & 0xFF))
    else:
        head = bytes((0x01, status, pleth & 0xFF, data & 0xFF))
    return head + bytes((sum(head) & 0xFF,))


def nonin_packet(hr: float | None, spo2: float | None, pleth: list[float] | None = None, *, data_format: int = 7,
                 flags=frozenset(), srev: int = 0x30) -> bytes:
    """25 frames. `pleth` = 25 samples in 0..1 (scaled to 16 bits for DF7, 8 for DF2); None/missing = 511/127."""
    hr_i = HR_MISSING if hr is None else max(0, min(510, round(hr)))
    spo2_i = SPO2_MISSING if spo2 is None else max(0, min(100, round(spo2)))
    data = [0] * PACKET
    for msb, lsb in ((0, 1), (13, 14), (19, 20), (21, 22)):  # HR, E-HR, HR-D, E-HR-D
        data[msb], data[lsb] = hr_i >> 7, hr_i & 0x7F
    for i in (2, 8, 9, 10, 15, 16):  # SpO2, SpO2-D, fast, beat-to-beat, E-SpO2, E-SpO2-D
        data[i] = spo2_i
    data[3] = srev & 0x7F
    status = 0
    for flag in flags:
        status |= _STATUS_BITS.get(flag, 0)
    full = (1 << 16) - 1 if data_format == 7 else 255
    samples = pleth if pleth is not None else [0.5] * PACKET
    out = bytearray()
    for i in range(PACKET):
        level = round(max(0.0, min(1.0, samples[i])) * full)
        out += nonin_frame(status | (SYNC if i == 0 else 0), level, data[i], data_format)
    return bytes(out)


def masimo_line(device_time: datetime, *, spo2=None, bpm=None, pi=None, exc: int = 0x800, alarm: int = 0,
                sn: str = "0000012345", model: str = "radical7") -> bytes:
    """One ASCII 1 line (CR LF). `device_time` is written as is: the monitor's own clock, no zone."""
    stamp = device_time.strftime("%m/%d/%y %H:%M:%S")
    spo2_s = "---" if spo2 is None else f"{round(spo2):03d}"
    bpm_s = "---" if bpm is None else f"{round(bpm):03d}"
    pi_s = "--.--" if pi is None else f"{pi:05.2f}"
    if model == "radical5":
        text = f"{stamp} SPO2={spo2_s}% BPM={bpm_s} PI={pi_s}% ALARM={alarm:02X} EXC={exc:03X}"
    else:
        text = (f"{stamp} SN={sn} SPO2={spo2_s}% BPM={bpm_s} PI={pi_s}% SPCO=--.-% SPMET=--.-% DESAT=-- "
                f"PIDELTA=+-- PVI=--- ALARM={alarm:04X} EXC={exc:06X}")
    return text.encode("ascii") + b"\r\n"


# kind -> (MDC code, MDC name, unit code^name, vendor label)
HL7_OBS = {
    "heart_rate": ("147842", "MDC_ECG_HEART_RATE", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "HR"),
    "pulse_rate": ("149530", "MDC_PULS_OXIM_PULS_RATE", "264864^MDC_DIM_BEAT_PER_MIN^MDC", "PR"),
    "spo2": ("150456", "MDC_PULS_OXIM_SAT_O2", "262688^MDC_DIM_PERCENT^MDC", "SpO2"),
    "perfusion_index": ("150488", "MDC_PULS_OXIM_PERF_REL", "262688^MDC_DIM_PERCENT^MDC", "PI"),
    "respiratory_rate": ("151562", "MDC_RESP_RATE", "264928^MDC_DIM_RESP_PER_MIN^MDC", "RR"),
    "etco2": ("151708", "MDC_AWAY_CO2_ET", "266016^MDC_DIM_MMHG^MDC", "etCO2"),  # IEEE 11073-10101 airway CO2
    "nibp_systolic": ("150021", "MDC_PRESS_BLD_NONINV_SYS", "266016^MDC_DIM_MMHG^MDC", "NBPs"),
    "nibp_diastolic": ("150022", "MDC_PRESS_BLD_NONINV_DIA", "266016^MDC_DIM_MMHG^MDC", "NBPd"),
    "nibp_mean": ("150023", "MDC_PRESS_BLD_NONINV_MEAN", "266016^MDC_DIM_MMHG^MDC", "NBPm"),
}


def hl7_oru(control_id: str, ts: datetime, observations: list[tuple[str, float | None]], *,
            vendor_labels: bool = False, sending_app: str = "ROOMSIM^0012345678ABCDEF^EUI-64") -> str:
    """An IHE PCD-01 ORU^R01; a None value is sent as an empty OBX-5 with OBX-11 = X."""
    stamp = format_dtm(ts)
    segments = [
        f"MSH|^~\\&|{sending_app}|CLINIC|ROOMCONTROL|CLINIC|{stamp}||ORU^R01^ORU_R01|{control_id}|P|2.6|||AL|NE"
        "||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
        "PID|||SIM0001^^^RoomControl^PI||Simulated^Patient",
        "PV1||O|ROOM1",
        f"OBR|1|{control_id}^ROOMSIM|{control_id}^ROOMSIM|182777000^monitoring of patient^SCT|||{stamp}",
    ]
    for n, (kind, value) in enumerate(observations, 1):
        code, mdc, unit, label = HL7_OBS[kind]
        # A vendor's own code means nothing to us, so with vendor_labels the label alone must carry the kind.
        ident = f"{n + 100}^{label}^99VENDOR" if vendor_labels else f"{code}^{mdc}^MDC"
        shown = "" if value is None else f"{value:g}"
        status = "X" if value is None else "R"
        segments.append(f"OBX|{n}|NM|{ident}|1.1.{n}|{shown}|{unit}|||||{status}|||{stamp}")
    return "\r".join(segments) + "\r"


def hl7_frame(control_id: str, ts: datetime, observations, **kw) -> bytes:
    return mllp_frame(hl7_oru(control_id, ts, observations, **kw))
