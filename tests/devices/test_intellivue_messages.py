"""IntelliVue Data Export messages against byte fixtures written from the programming guide's layouts (every
integer big-endian), and what the room makes of a poll result."""

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from roomcontrol.devices.vitals.intellivue import messages as m
from roomcontrol.devices.vitals.intellivue.readings import convert, sensor_off_kinds, to_readings

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=timezone.utc)
H = bytes.fromhex


def test_association_request_as_the_guide_lays_it_out():
    msg = m.association_request(min_poll_s=1.0)
    # session header CN_SPDU_SI, LI 236; session data; presentation parameter 0xC1, LI 220
    assert msg[:18] == H("0D EC 05 08 13 01 00 16 01 02 80 00 14 02 00 02 C1 DC")
    assert len(msg) == 2 + 0xEC and msg[18:18 + 131] == m.ASSOC_REQ_HEADER
    user_info = msg[18 + 131:]
    assert user_info[0] == 0x48                      # the MDSEUserInfoStd's length
    assert user_info[1:1 + 0x48] == H(
        "80000000 40000000 00000000 80000000 20000000"  # MDDL version 1, nomenclature, no units, client, cold start
        "0000 0000"                                      # option list: empty
        "0001 002C 0001 0028"                            # supported profiles: one, the polling profile
        "80000000 00001F40 000003E8 000003E8 FFFFFFFF 60000000"  # rev 0, 1 s, MTUs, bandwidth, dyn create/delete
        "0001 000C F001 0008 80000000 0000 0000")        # the poll profile extension: numerics every second
    assert user_info[1 + 0x48:] == bytes(16)         # presentation trailer


@pytest.mark.parametrize("msg, spdu, decoded", [
    (m.RELEASE_REQ, 0x09, m.ReleaseRequest()), (m.RELEASE_RESP, 0x0A, m.ReleaseResult()), (m.ABORT, 0x19, m.Abort()),
    (m.association_response(), 0x0E, m.AssociationResult()), (m.refuse(), 0x0C, m.Refuse()),
])
def test_association_control_messages(msg, spdu, decoded):
    assert msg[0] == spdu and msg[1] == len(msg) - 2   # the length indicator covers the rest
    assert m.decode(msg) == decoded


def test_long_length_indicator():
    assert m.li(254) == b"\xfe" and m.li(300) == b"\xff\x01\x2c"


MDS_CREATE = H(
    "E100 0002"             # SPpdu: session id, presentation context
    "0001 0028"             # ROapdus: ROIV_APDU, length 40
    "0005 0001 0022"        # ROIVapdu: invoke id 5, CMD_CONFIRMED_EVENT_REPORT, length 34
    "0021 0000 0000"        # EventReportArgument: managed object NOM_MOC_VMS_MDS, context 0, handle 0
    "0000 1234 0D06 0018"   # event time, NOM_NOTI_MDS_CREAT, length 24
    "0021 0000 0000"        # MdsCreateInfo: the MDS object
    "0001 000E 091E 000A 0008 0042 0045 0044 0031"  # attribute list: NOM_ATTR_ID_BED_LABEL "BED1" (a String)
)


def test_mds_create_event_and_our_result():
    event = m.decode(MDS_CREATE)
    assert event == m.MdsCreate(5, H("0021 0000 0000"))
    assert m.mds_create_result(event) == H(
        "E100 0002 0002 0014"   # RORS_APDU, length 20
        "0005 0001 000E"        # the event's invoke id, CMD_CONFIRMED_EVENT_REPORT, length 14
        "0021 0000 0000 00000000 0D06 0000")


def test_poll_requests():
    assert m.poll_request(7, 1, m.NOM_MOC_VMO_METRIC_NU) == H(
        "E100 0002 0001 001C"   # ROIV_APDU, length 28
        "0007 0007 0016"        # invoke id, CMD_CONFIRMED_ACTION, length 22
        "0021 0000 0000 00000000 0C16 0008"  # the MDS, scope, NOM_ACT_POLL_MDIB_DATA, length 8
        "0001 0001 0006 0000")  # poll number, NOM_PART_OBJ, NOM_MOC_VMO_METRIC_NU, all attribute groups
    ext = m.poll_request(8, 2, m.NOM_MOC_VMO_AL_MON, extended_period_s=10)
    assert ext[-24:] == H("F13B 0014 0002 0001 0036 0000 0001 0008 F13E 0004 00013880")  # 10 s in 1/8 ms
    assert m.decode(ext) == m.PollRequest(8, 2, m.NOM_MOC_VMO_AL_MON, True)
    assert m.keep_alive(9) == H("E100 0002 0001 0014 0009 0003 000E 0021 0000 0000 00000000 0000 0000")
    assert m.decode(m.keep_alive(9)) == m.GetRequest(9)


def numeric_obs(handle, physio, state, unit, raw):
    ava = H("0950 000A") + m.u16(physio) + m.u16(state) + m.u16(unit) + m.u32(raw)
    return m.u16(handle) + m.u16(1) + m.u16(len(ava)) + ava


def nibp_obs(handle, values, unit=m.NOM_DIM_MMHG, state=0, stamp=H("2026 1127 0930 0000")):
    cmpd = b"".join(m.u16(p) + m.u16(state) + m.u16(unit) + m.u32(v) for p, v in values)
    attrs = (H("094B") + m.u16(4 + len(cmpd)) + m.u16(len(values)) + m.u16(len(cmpd)) + cmpd
             + H("0990 0008") + stamp)
    return m.u16(handle) + m.u16(2) + m.u16(len(attrs)) + attrs


def poll_reply(observations, count, obj=m.NOM_MOC_VMO_METRIC_NU, ro=H("0002"), linked=b"", action=H("0C16"),
               seq=b""):
    obs = b"".join(observations)
    context = H("0000") + m.u16(count) + m.u16(len(obs)) + obs
    reply = (H("0001") + seq + H("00001F40") + H("FFFFFFFFFFFFFFFF") + H("0001") + m.u16(obj) + H("0000")
             + H("0001") + m.u16(len(context)) + context)
    result = H("0021 0000 0000") + action + m.u16(len(reply)) + reply
    apdu = linked + H("0007 0007") + m.u16(len(result)) + result
    return H("E100 0002") + ro + m.u16(len(apdu)) + apdu


POLL = poll_reply([
    numeric_obs(1, 0x4182, 0x0000, 0x0AA0, 0x0000_0048),        # HR 72 /min
    numeric_obs(2, 0x4BB8, 0x0000, 0x0220, 0xFF00_03CA),        # SpO2 97.0 % (mantissa 970, exponent -1)
    numeric_obs(3, 0x4822, 0x4000, 0x0AA0, 0x0000_0047),        # pleth pulse 71, QUESTIONABLE
    numeric_obs(4, 0x50B0, 0x0000, 0x0F03, 0xFF00_0035),        # etCO2 5.3 kPa
    numeric_obs(5, 0x500A, 0x2000, 0x0AE0, 0x007F_FFFF),        # impedance RR unavailable (NaN)
    numeric_obs(6, 0x5012, 0x0000, 0x0AE0, 0x0000_000C),        # airway RR 12
    numeric_obs(7, 0x4B48, 0x0000, 0x1140, 0xFF00_03DA),        # temperature 98.6 °F
    numeric_obs(8, 0x4A15, 0x0000, 0x0F20, 0x0000_008C),        # ABP systolic 140: never NIBP
    numeric_obs(9, 0x0102, 0x0000, 0x0000, 0x0000_0001),        # an ST value we do not show
    nibp_obs(10, [(0x4A05, 0x78), (0x4A06, 0x50), (0x4A07, 0x5D)]),   # NIBP 120/80 (93)
], 10)


def test_poll_result_decodes_every_numeric():
    result = m.decode(POLL)
    assert isinstance(result, m.PollResult) and result.invoke_id == 7 and result.last
    assert result.obj_code == m.NOM_MOC_VMO_METRIC_NU and len(result.numerics) == 12
    values = {n.physio_id: n.value for n in result.numerics}
    assert values[0x4182] == 72 and values[0x4BB8] == 97.0 and values[0x50B0] == 5.3 and values[0x500A] is None
    nibp = [n for n in result.numerics if n.handle == 10]
    assert [(n.kind, n.value) for n in nibp] == [("nibp_systolic", 120), ("nibp_diastolic", 80), ("nibp_mean", 93)]
    assert nibp[0].timestamp == H("2026 1127 0930 0000")


def test_poll_result_as_readings():
    counters = {}
    readings = {r.kind: r for r in to_readings(m.decode(POLL).numerics, NOW, counters=counters)}
    assert {k: r.value for k, r in readings.items()} == {
        "heart_rate": 72, "spo2": 97.0, "pulse_rate": 71, "etco2": 39.8, "respiratory_rate": 12,
        "temperature": 37.0, "abp_systolic": 140, "nibp_systolic": 120, "nibp_diastolic": 80, "nibp_mean": 93}
    assert readings["pulse_rate"].flags == {"artifact"} and readings["heart_rate"].flags == frozenset()
    assert readings["etco2"].unit == "mmHg" and readings["temperature"].unit == "Cel"
    assert all(r.source == "intellivue" and r.received_ts == NOW for r in readings.values())
    assert counters == {"unknown_numerics": 1}


@pytest.mark.parametrize("state, unit, raw, kind, value, flags", [
    (0x8000, 0x0220, 0x61, "spo2", None, set()),                 # INVALID
    (0x0400, 0x0AA0, 0x48, "heart_rate", None, set()),           # a demo-mode monitor is never a patient
    (0x0800, 0x0AA0, 0x48, "heart_rate", None, set()),           # nor its test signal
    (0x1000, 0x0F20, 0x78, "nibp_systolic", 120, {"artifact"}),  # calibrating
    (0x0020, 0x0F20, 0x78, "nibp_systolic", 120, {"nibp_measuring"}),
    (0x0002, 0x0AA0, 0x30, "heart_rate", 48, {"device_alarm"}),  # the monitor alarms on it
    (0x0000, 0x0AA0, 0x0080_0000, "heart_rate", None, set()),    # NRes
    (0x0000, 0x0AA0, 0x007F_FFFE, "heart_rate", None, set()),    # +INF
    (0x0000, 0x0AA0, 0x0080_0002, "heart_rate", None, set()),    # -INF
])
def test_measurement_states(state, unit, raw, kind, value, flags):
    physio = {"spo2": 0x4BB8, "heart_rate": 0x4182, "nibp_systolic": 0x4A05}[kind]
    [reading] = to_readings([m.Numeric(physio, state, unit, m.decode_float(raw))], NOW)
    assert (reading.kind, reading.value, set(reading.flags)) == (kind, value, flags)


def test_floats_and_units():
    assert m.decode_float(0xFEFF_FF9C) == -1.0          # mantissa -100, exponent -2
    assert m.decode_float(0x0100_0007) == 70.0           # exponent +1
    assert m.decode_float(m.encode_float(36.8, 1)) == 36.8 and m.decode_float(m.encode_float(None)) is None
    counters = {}
    assert to_readings([m.Numeric(0x4182, 0, 0x0F20, 72.0)], NOW, counters=counters)[0].value is None
    assert counters == {"unknown_units": 1}               # a heart rate in mmHg is not one
    assert convert(m.Numeric(0x4B48, 0, 0x0220, 37.0), "temperature") is None
    assert convert(m.Numeric(0x4B48, 0, 0x17A0, 37.0), "temperature") == 37.0


def alert_entry(source, code, al_type, text):
    return m.alarm_entry(source, code, al_type, text)


def test_alert_poll_and_sensor_off():
    gen_info = H("0000 00000000 0000 0000")
    general = (m.u16(0x4182) + m.u16(0x0002) + m.u16(m.HI_PRI_P_AL) + m.u16(8) + H("0006 0000 0001")
               + m.u16(m.GEN_ALMON_INFO) + m.u16(len(gen_info)) + gen_info)
    t_list = m.alarm_list(alert_entry(0x4BB8, 308, m.MED_PRI_T_AL, "SpO2 NO SENSOR"))
    p_list = m.alarm_list(general)
    attrs = H("0904") + m.u16(len(t_list)) + t_list + H("0902") + m.u16(len(p_list)) + p_list
    obs = H("0001") + m.u16(2) + m.u16(len(attrs)) + attrs
    result = m.decode(poll_reply([obs], 1, obj=m.NOM_MOC_VMO_AL_MON))
    assert [(a.source, a.code, a.technical, a.text) for a in result.alerts] == [
        (0x4BB8, 308, True, "SpO2 NO SENSOR"), (0x4182, 2, False, "")]
    off = sensor_off_kinds(result.alerts)
    assert off == {"spo2", "pulse_rate", "perfusion_index"}
    readings = to_readings([m.Numeric(0x4BB8, 0x8000, 0x0220, None), m.Numeric(0x4182, 0, 0x0AA0, 70.0)], NOW, off)
    assert {r.kind: set(r.flags) for r in readings} == {"spo2": {"sensor_off"}, "heart_rate": set()}


def test_linked_results_of_an_extended_poll():
    obs = [numeric_obs(1, 0x4182, 0, 0x0AA0, 0x48)]
    first = m.decode(poll_reply(obs, 1, ro=H("0005"), linked=H("01 01"), action=H("F13B"), seq=H("0001")))
    last = m.decode(poll_reply(obs, 1, ro=H("0005"), linked=H("03 02"), action=H("F13B"), seq=H("0002")))
    assert isinstance(first, m.PollResult) and not first.last and last.last
    assert [n.value for n in last.numerics] == [72]
    # and the emulator's own encoding of one reads back the same
    again = m.decode(m.poll_result(7, 1, m.NOM_MOC_VMO_METRIC_NU, [(1, m.attribute_list(m.attribute(
        m.NOM_ATTR_NU_VAL_OBS, m.nu_obs_value(0x4182, 72, 0x0AA0))))], linked=(m.RORLS_LAST, 1)))
    assert again.last and [n.value for n in again.numerics] == [72]


@pytest.mark.parametrize("data, why", [
    (b"", "empty message"),
    (H("42 00"), "unknown session/SPDU type 0x42"),
    (H("E100 0002 0009 0000"), "unknown remote operation type 9"),
    (POLL[:-5], "runs past the end"),
    (H("E100 0002 0001 0010 0001 0007 000A 0021 0000 0000 0000"), "runs past the end"),
])
def test_malformed_messages_are_refused_with_a_reason(data, why):
    with pytest.raises(m.MessageError, match=why):
        m.decode(data)


@pytest.mark.parametrize("data, expected", [
    (H("E100 0002 0003 0006 0004 0000 0000"), m.Other(m.ROER_APDU, 0, 4)),         # an error for invoke 4
    (H("E100 0002 0001 0006 0004 0000 0000"), m.Other(m.ROIV_APDU, 0, 4)),         # an unconfirmed event report
    (H("E100 0002 0001 0012 0004 0001 000C 0021 0000 0000 00000000 0D07"),          # another confirmed event
     m.Other(m.ROIV_APDU, 1, 4)),
    (m.get_result(9), m.Other(m.RORS_APDU, m.CMD_GET, 9)),
    (H("E100 0002 0002 0010 0004 0007 000A 0021 0000 0000 0C17 0000"),             # an action we did not ask
     m.Other(m.RORS_APDU, m.CMD_CONFIRMED_ACTION, 4)),
])
def test_other_operations_are_recognised_and_left_alone(data, expected):
    assert m.decode(data) == expected


def test_the_emulators_messages_read_back():
    event = m.mds_create_event(3, 0x1234)
    assert event[:12] == H("E100 0002 0001 001E 0003 0001") and m.decode(event) == m.MdsCreate(3, H("0021 0000 0000"))
    single = m.decode(m.poll_result(4, 2, m.NOM_MOC_VMO_METRIC_NU, [(1, m.attribute_list(m.attribute(
        m.NOM_ATTR_NU_VAL_OBS, m.nu_obs_value(0x4BB8, 96, 0x0220))))]))
    assert single.last and single.poll_number == 2 and [(n.kind, n.value) for n in single.numerics] == [("spo2", 96)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(0, 10_000), st.binary(min_size=1, max_size=4))
def test_fuzz_decode_only_ever_refuses_with_a_reason(noise, where, mutation):
    """Random bytes, and real messages with bytes changed, cut or inserted: a message or a MessageError."""
    for data in (noise, POLL[:where % len(POLL)] + mutation + POLL[where % len(POLL) + len(mutation):],
                 MDS_CREATE[:where % len(MDS_CREATE)], m.association_request()[:where % 238] + mutation):
        try:
            msg = m.decode(data)
        except m.MessageError:
            continue
        if isinstance(msg, m.PollResult):
            to_readings(msg.numerics, NOW, sensor_off_kinds(msg.alerts))
