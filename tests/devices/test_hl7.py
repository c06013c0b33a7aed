"""HL7 ORU^R01 over MLLP: message parsing, framing, and our server over loopback TCP with several monitors."""

import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.vitals.encoders import hl7_frame, hl7_oru
from roomcontrol.devices.vitals.hl7_mllp import Hl7MllpServer, check_listen
from roomcontrol.devices.vitals.mllp import MllpDeframer, mllp_frame
from roomcontrol.devices.vitals.hl7_oru import Hl7Error, UnsupportedMessage, build_ack, parse_dtm, parse_oru
from tests.devices.vitalshelp import WAIT, collector  # noqa: F401

NOW = datetime(2026, 9, 12, 6, 30, tzinfo=timezone.utc)

# An IHE PCD-01 message as a Mindray eGateway sends it (shape of the public sample; values ours).
PCD01 = "\r".join([
    "MSH|^~\\&|MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64|MINDRAY|||20260912120000.0000+0530||ORU^R01^ORU_R01|23545|P|"
    "2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
    "PID|||^^^Hospital^PI|JOHN SMITH|||||unknownrace",
    "PV1||I|ICU^^5^XYZ HOSPITAL^^^^^00-0F-14-50-72-99",
    "OBR|1|23545^MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64|23545^MINDRAY_EGATEWAY|182777000^monitoring of patient^SCT"
    "|||20260912120000.0000+0530",
    "OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|98|262688^MDC_DIM_PERCENT^MDC|||||R|||"
    "20260912120000.0000+0530",
    "OBX|2|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|65|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
    "OBX|3|NM|150488^MDC_BLD_PERF_INDEX^MDC|1.3.1.150488|1.76|262688^MDC_DIM_PERCENT^MDC|||||R",
    "OBX|4|NM|151578^MDC_TTHOR_RESP_RATE^MDC|1.7.1.151578|17|264928^MDC_DIM_RESP_PER_MIN^MDC|||||R",
    "OBX|5|NM|148066^MDC_ECG_V_P_C_RATE^MDC|1.7.2.148066|1|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
    "OBX|6|NM|147842^MDC_ECG_HEART_RATE^MDC|1.7.4.147842|66|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R|||"
    "20260912120005+0530",
    "OBX|7|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.2.1.150021||266016^MDC_DIM_MMHG^MDC|||||X",
    "OBX|8|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC|1.2.1.150022|||||||X",
    "OBX|9|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC|1.2.1.150023|93|266016^MDC_DIM_MMHG^MDC|||||X",
]) + "\r"
NOON_IST = datetime(2026, 9, 12, 6, 30, tzinfo=timezone.utc)


def obs(message):
    return [(o.kind, o.value) for o in message.observations]


def test_pcd01_message_with_mdc_codes():
    m = parse_oru(PCD01)
    assert m.control_id == "23545" and m.message_type == "ORU^R01"
    # NIBP with OBX-11 X ("cannot be obtained") delivers nothing; the PVC rate is nothing we track
    assert obs(m) == [("spo2", 98.0), ("pulse_rate", 65.0), ("perfusion_index", 1.76), ("respiratory_rate", 17.0),
                      ("heart_rate", 66.0)]
    assert m.withheld == 3
    assert m.observations[0].device_ts == NOON_IST
    assert m.observations[4].device_ts == NOON_IST + timedelta(seconds=5)  # OBX-14 wins over OBR-7
    assert m.observations[1].device_ts == NOON_IST  # no OBX-14: OBR-7
    assert [o.unit for o in m.observations] == ["%", "/min", "%", "/min", "/min"]


def test_vendor_labels_and_a_configured_label():
    text = "\r".join([
        "MSH|^~\\&|GW|ACME|||20260912063000||ORU^R01|77|P|2.3",
        "OBR|1|||VITALS|||20260912063000",
        "OBX|1|NM|101^HR^99ACME||71|bpm|||||F",
        "OBX|2|NM|NBPs||131|mmHg|||||F",
        "OBX|3|NM|NBPd||82|mmHg|||||F",
        "OBX|4|NM|NBPm||98|mmHg|||||F",
        "OBX|5|NM|160^SpO2^99ACME||96|%|||||F",
        "OBX|6|NM|RR||15|rpm|||||F",
        "OBX|7|NM|9001^RRimp^99ACME||12|rpm|||||F",
    ])
    assert obs(parse_oru(text, device_tz=timezone.utc)) == [
        ("heart_rate", 71.0), ("nibp_systolic", 131.0), ("nibp_diastolic", 82.0), ("nibp_mean", 98.0),
        ("spo2", 96.0), ("respiratory_rate", 15.0)]
    assert obs(parse_oru(text, labels={"rrimp": "respiratory_rate"}, device_tz=timezone.utc))[-1] == \
        ("respiratory_rate", 12.0)


def test_kpa_is_converted_and_structured_numeric_is_read():
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|1|P|2.6\r"
            "OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||16|3843^MDC_DIM_KILO_PASCAL^MDC\r"
            "OBX|2|SN|150456^MDC_PULS_OXIM_SAT_O2^MDC||^97|%\r")
    assert obs(parse_oru(text)) == [("nibp_systolic", 120.0), ("spo2", 97.0)]


def test_hl7_times():
    assert parse_dtm("20260912120000.0000+0530") == NOON_IST
    assert parse_dtm("202609121200-0100") == datetime(2026, 9, 12, 13, 0, tzinfo=timezone.utc)
    assert parse_dtm("20260912", timezone.utc) == datetime(2026, 9, 12, tzinfo=timezone.utc)
    assert parse_dtm("") is None
    with pytest.raises(Hl7Error):
        parse_dtm("2026-09-12")


@pytest.mark.parametrize("bad", [
    "PID|||x\r",                                                      # no MSH
    "MSH|^~\\&|GW||||20260912063000||ORU^R01||P|2.6\r",             # no control id
    "MSH|^~\\&|GW||||20260912063000||ORU^R01|7|P|2.6\r\x00\x01garbage|x\r",
])
def test_unparseable_messages_raise(bad):
    with pytest.raises(Hl7Error):
        parse_oru(bad)


def test_other_message_types_are_unsupported():
    with pytest.raises(UnsupportedMessage):
        parse_oru("MSH|^~\\&|ADT||||20260912063000||ADT^A01|9|P|2.5\rPID|1\r")


def test_ack_swaps_sender_and_receiver_and_echoes_the_control_id():
    m = parse_oru(PCD01)
    ack = build_ack(m.msh, "AA", "RC1", NOW).split("\r")
    msh = ack[0].split("|")
    assert msh[2:6] == ["", "", "MINDRAY_EGATEWAY^00A03700273EDE18^EUI-64", "MINDRAY"]
    assert msh[8] == "ACK^R01^ACK" and msh[9] == "RC1" and msh[11] == "2.6"
    assert ack[1] == "MSA|AA|23545"


def test_ack_to_garbled_delimiters_answers_in_the_standard_ones():
    # MSH-2 holding the field separator (or no delimiters at all) cannot be echoed: the ACK uses ^~\\&.
    for garbled in (["MSH", "|", "^|\\&", "", "", "", "", "", "", "7"], ["MSH", "|", "", "", ""],
                    ["MSH", "^", "", "R01|J|P|2.4"],  # a cut MSH-1 leaves "^" as the field separator
                    ["MSH", "^", "|"], ["MSH", "|", "^~^&"], ["MSH", "|", "^~\\&#!"]):  # too short, twice, too long
        ack = build_ack(garbled, "AE", "RC2", NOW).split("\r")
        assert ack[0].split("|")[1] == "^~\\&" and ack[1].split("|")[:2] == ["MSA", "AE"]
    v27 = build_ack(["MSH", "#", "^~\\&!"], "AA", "RC3", NOW).split("\r")  # a whole other set is echoed
    assert v27[0].startswith("MSH#^~\\&!#") and v27[1].startswith("MSA#AA")


# -- framing ---------------------------------------------------------------------------------------------------

def test_deframer_split_joined_and_garbage():
    a, b = mllp_frame("MSH|a"), mllp_frame("MSH|b")
    stream = b"junk" + a + b + b"\r\n" + a
    for chunk in (1, 2, 3, len(stream)):
        d = MllpDeframer()
        got = []
        for i in range(0, len(stream), chunk):
            got += d.feed(stream[i:i + chunk])
        assert got == [b"MSH|a", b"MSH|b", b"MSH|a"]
        assert d.counters["discarded_bytes"] == 6


def test_deframer_drops_a_frame_cut_by_a_new_one():
    d = MllpDeframer()
    assert d.feed(b"\x0bMSH|cut" + mllp_frame("MSH|ok")) == [b"MSH|ok"]
    assert d.counters["broken_frames"] == 1


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.integers(1, 20))
def test_deframer_and_parser_never_raise_on_random_bytes(data, chunk):
    d = MllpDeframer()
    for i in range(0, len(data), chunk):
        for message in d.feed(data[i:i + chunk]):
            try:
                parse_oru(message.decode("utf-8", "replace"))
            except Hl7Error:
                pass


# -- the server ------------------------------------------------------------------------------------------------

def recv_acks(sock, count):
    d, acks = MllpDeframer(), []
    while len(acks) < count:
        data = sock.recv(65536)
        assert data, "server closed the connection"
        acks += [a.decode() for a in d.feed(data)]
    return acks


def msa(ack):
    return [s for s in ack.split("\r") if s.startswith("MSA")][0]


@pytest.fixture
def server(collector):
    srv = Hl7MllpServer("mllp://127.0.0.1:0", on_reading=collector.on_reading, on_health=collector.on_health,
                        no_data_after=0.5, backoff_initial=0.05)
    srv.start()
    srv.wait_ready()
    yield srv
    srv.close()


def connect(srv):
    sock = socket.create_connection(srv.address, timeout=WAIT)
    return sock


def test_server_acks_split_and_joined_frames(server, collector):
    frames = [hl7_frame(f"M{i}", NOW, [("heart_rate", 60 + i), ("spo2", 95)]) for i in range(3)]
    with connect(server) as sock:
        for byte in frames[0]:  # one byte at a time
            sock.sendall(bytes([byte]))
        sock.sendall(frames[1] + frames[2])  # two in one write
        acks = recv_acks(sock, 3)
    assert [msa(a) for a in acks] == ["MSA|AA|M0", "MSA|AA|M1", "MSA|AA|M2"]
    assert all(a.split("\r")[0].split("|")[8] == "ACK^R01^ACK" for a in acks)
    collector.wait(lambda c: len(c.readings) == 6)
    assert [(r.kind, r.value) for r in collector.readings[::2]] == [("heart_rate", 60.0), ("heart_rate", 61.0),
                                                                    ("heart_rate", 62.0)]
    assert all(r.device_ts == NOW and r.source == "hl7" for r in collector.readings)
    assert collector.states()[:2] == ["connecting", "ok"]


def test_server_answers_ae_and_ar_and_counts_them(server, collector):
    with connect(server) as sock:
        sock.sendall(mllp_frame("MSH|^~\\&|GW||||20260912063000||ORU^R01|BAD1|P|2.6\r\x00bad|segment\r"))
        sock.sendall(mllp_frame("this is not HL7"))
        sock.sendall(mllp_frame("MSH|^~\\&|ADT||||20260912063000||ADT^A01|A1|P|2.5\r"))
        sock.sendall(mllp_frame(PCD01))
        acks = recv_acks(sock, 4)
    assert [msa(a).split("|")[:3] for a in acks] == [["MSA", "AE", "BAD1"], ["MSA", "AE", ""], ["MSA", "AR", "A1"],
                                                     ["MSA", "AA", "23545"]]
    assert "bad segment" in msa(acks[0])
    c = server.counters
    assert (c["messages"], c["acks_ae"], c["acks_ar"], c["acks_aa"]) == (4, 2, 1, 1)


def test_several_monitors_at_once(server, collector):
    def monitor(n):
        with connect(server) as sock:
            for i in range(5):
                sock.sendall(hl7_frame(f"D{n}-{i}", NOW, [("spo2", 90 + n)]))
                assert msa(recv_acks(sock, 1)[0]) == f"MSA|AA|D{n}-{i}"

    threads = [threading.Thread(target=monitor, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    collector.wait(lambda c: len(c.readings) == 20)
    assert sorted({r.value for r in collector.readings}) == [90.0, 91.0, 92.0, 93.0]
    assert server.counters["connections"] == 4


def test_server_health_no_data_lost_and_back(server, collector):
    sock = connect(server)
    sock.sendall(hl7_frame("H1", NOW, [("heart_rate", 70)]))
    recv_acks(sock, 1)
    collector.wait_health("ok")
    mark = len(collector.health)
    collector.wait_health("no_data", mark)  # connected but silent
    sock.close()
    collector.wait_health("lost", mark)  # nobody connected any more
    mark = len(collector.health)
    with connect(server) as sock:
        sock.sendall(hl7_frame("H2", NOW, [("heart_rate", 71)]))
        recv_acks(sock, 1)
    collector.wait_health("ok", mark)
    assert collector.states(mark)[0] == "connecting"


def test_server_port_in_use_is_reported(collector):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        url = f"mllp://127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(DeviceOpenError, match="cannot listen"):
            check_listen(url)
        srv = Hl7MllpServer(url, on_reading=collector.on_reading, on_health=collector.on_health,
                            backoff_initial=0.05, backoff_max=0.1)
        srv.start()
        collector.wait_health("lost")
    srv.wait_ready()  # the port is free again: the server gets it on a retry
    srv.close()
    assert srv.counters["listen_failures"] >= 1


def test_encoder_vendor_labels_round_trip():
    text = hl7_oru("V1", NOW, [("nibp_systolic", 140), ("nibp_diastolic", 90), ("pulse_rate", None)],
                   vendor_labels=True)
    assert obs(parse_oru(text)) == [("nibp_systolic", 140.0), ("nibp_diastolic", 90.0)]  # X: no value
