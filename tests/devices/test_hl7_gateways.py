"""HL7 as real gateways send it (fixtures in hl7_messages): the exact values, flags, alerts and beds, each "wrong
today" case of issue #12, and the driver over loopback keeping one bed of a gateway and acknowledging all."""

import logging
import socket
from datetime import datetime, timezone

import pytest

from roomcontrol.devices.vitals.hl7_codes import alert_meaning, convert, mdc_code
from roomcontrol.devices.vitals.hl7_feed import Hl7Feed
from roomcontrol.devices.vitals.hl7_oru import parse_dtm, parse_oru
from roomcontrol.devices.vitals.mllp import MllpDeframer, mllp_frame
from roomcontrol.domain import alarms as A
from roomcontrol.domain.monitoring import Monitoring
from roomcontrol.domain.vitals import Health
from tests.devices import hl7_messages as M
from tests.devices.vitalshelp import WAIT, collector, open_vitals  # noqa: F401

NOW = datetime(2026, 9, 12, 6, 30, 20, tzinfo=timezone.utc)
UTC = timezone.utc


def values(message):
    return [(o.kind, o.value) for o in message.observations]


def feed_all(feed, *texts, mono=0.0):
    return [feed.handle(t.encode(), NOW, mono) for t in texts]


def msa(result):
    return result.ack.decode().split("\r")[1].split("|")[:3]


# -- wrong today 1-3: alternate identifiers, value types, result status -----------------------------------------

def test_nist_pcd01_loinc_primary_mdc_alternate_types_and_statuses():
    m = parse_oru(M.NIST_PCD01)
    # SpO2 and PR found by the MDC code of the alternate triplet; RR (D) and NIBP (W) deliver nothing;
    # the temperature (C, a correction) is delivered, converted from °F
    assert values(m) == [("spo2", 97.0), ("pulse_rate", 61.0), ("temperature", 37.0)]
    assert m.withheld == 2
    assert m.observations[0].device_ts == datetime(2026, 9, 12, 12, 14, 55, tzinfo=UTC)  # OBX-14 with its zone
    assert m.pleth == [2011, 2103, 2240, 2398, 2502, 2471, 2330, 2187]  # the NA pleth: samples, never a numeric


def test_an_array_is_never_a_numeric_and_a_number_in_st_is():
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|T1|P|2.6\r"
            "OBX|1|NA|150456^MDC_PULS_OXIM_SAT_O2^MDC||97^96^95|%\r"         # an array on a numeric code: skipped
            "OBX|2|MA|147842^MDC_ECG_HEART_RATE^MDC||70^71~72^73|bpm\r"
            "OBX|3|ST|149530^MDC_PULS_OXIM_PULS_RATE^MDC||72|bpm\r"           # ST holding a number
            "OBX|4|CWE|150456^MDC_PULS_OXIM_SAT_O2^MDC||1^ok^L|\r"            # a code about SpO2: no value
            "OBX|5|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||96|%|||||I\r"          # in process: no value yet
            "OBX|6|SN|150456^MDC_PULS_OXIM_SAT_O2^MDC||<^90|%\r"              # a bound, not a value
            "OBX|7|SN|150456^MDC_PULS_OXIM_SAT_O2^MDC||=^95|%\r")
    m = parse_oru(text, device_tz=UTC)
    assert values(m) == [("pulse_rate", 72.0), ("spo2", 95.0)]
    assert m.pleth == [] and m.withheld == 1 and m.rejected == [("spo2", "a bound (<), not a value")]


def test_a_vendor_code_that_looks_like_an_mdc_code_is_not_taken_for_one():
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|T2|P|2.6\r"
            "OBX|1|NM|150456^Bed count^99LOCAL||12|\r"                    # 99LOCAL: not the MDC code 150456
            "OBX|2|NM|77^Pulse^99LOCAL^149530^MDC_PULS_OXIM_PULS_RATE^MDC||66|bpm\r")
    assert values(parse_oru(text, device_tz=UTC)) == [("pulse_rate", 66.0)]


# -- wrong today 4-5: plausibility and unreadable times ----------------------------------------------------------

def test_comen_sentinels_and_dashes_are_counted_and_logged_once(caplog):
    feed = Hl7Feed()
    with caplog.at_level(logging.WARNING):
        first, again = feed_all(feed, M.COMEN, M.COMEN)
    assert [(r.kind, r.value) for r in first.readings] == [("pulse_rate", 71.0), ("spo2", 97.0)]
    assert msa(first) == ["MSA", "AA", "202609121010104734"]
    assert feed.counters["not_readings"] == 8  # HR -100, T1 -1000, NIBP mean -100, EtCO2 "---"; twice
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4  # once per kind and reason, not per message
    assert any("heart_rate value not taken as a reading: outside the possible range 0–350 /min" in x for x in lines)
    assert any("etco2 value not taken as a reading: dashes (no value)" in x for x in lines)


def test_gateway_time_forms():
    assert parse_dtm("20260912143015000+0800") == datetime(2026, 9, 12, 6, 30, 15, tzinfo=UTC)  # Mindray
    assert parse_dtm("20260912143015123") == parse_dtm("20260912143015.123")
    assert parse_dtm("20260912091500+02") == datetime(2026, 9, 12, 7, 15, tzinfo=UTC)
    assert parse_dtm("20260912091500-03:30") == datetime(2026, 9, 12, 12, 45, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["20260912091500+0200:00", "2026-09-12T09:15", "20260912091500+2500",
                                 "20261312091500"])
def test_an_unreadable_time_keeps_every_value_with_the_receive_time(bad, caplog):
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|T3|P|2.6\r"
            f"OBR|1|||VITALS|||{bad}\r"
            f"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%|||||F|||{bad}\r"
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC||64|bpm|||||F\r")
    feed = Hl7Feed()
    with caplog.at_level(logging.WARNING):
        (result,) = feed_all(feed, text)
    assert msa(result)[1] == "AA"
    assert [(r.kind, r.value, r.device_ts, r.received_ts) for r in result.readings] == [
        ("spo2", 97.0, None, NOW), ("heart_rate", 64.0, None, NOW)]
    assert feed.counters["bad_times"] == 2
    assert "could not be read" in caplog.text


# -- capnography, respiration, invasive pressure, temperature, NIBP and its cuff ---------------------------------

def test_mindray_egateway_numerics_capnography_art_and_flags():
    m = parse_oru(M.mindray_numerics())
    got = {o.kind: (o.value, sorted(o.flags)) for o in m.observations}
    assert got == {
        "heart_rate": (112.0, ["abnormal_high"]), "spo2": (94.0, []), "pulse_rate": (111.0, []),
        "etco2": (51.0, ["abnormal_high"]), "fico2": (2.0, []), "respiratory_rate": (7.0, ["abnormal_low"]),
        "abp_systolic": (138.0, []), "abp_diastolic": (71.0, []), "abp_mean": (93.0, []),  # ART, never NIBP
        "temperature": (36.9, []),
        "nibp_systolic": (121.0, []), "nibp_diastolic": (77.0, []), "nibp_mean": (92.0, []),
    }
    nibp = [o for o in m.observations if o.kind == "nibp_systolic"][0]
    assert nibp.device_ts == datetime(2026, 9, 12, 6, 29, tzinfo=UTC)  # its own OBX-14: the measurement time
    assert m.pleth == [120, 131, 142, 150, 147]  # the pleth; the ECG wave is skipped


def test_ge_carescape_kpa_fahrenheit_and_the_cuff_inflating():
    m = parse_oru(M.ge_csg(cuff_mmhg="142"))
    assert values(m) == [("heart_rate", 74.0), ("etco2", 38.3), ("respiratory_rate", 13.0),
                         ("nibp_systolic", 126.0), ("nibp_diastolic", 78.0), ("temperature", 37.28)]
    assert [sorted(o.flags) for o in m.observations if o.kind.startswith("nibp")] == [["nibp_measuring"]] * 2
    assert m.bad_times == 1  # "+0200:00": the temperature keeps OBR-7
    idle = parse_oru(M.ge_csg(cuff_mmhg="0"))
    assert all(not o.flags for o in idle.observations)


def test_units_and_codes():
    assert convert("etco2", 5.0, "kPa") == 37.5
    assert convert("abp_mean", 12.0, "3843^MDC_DIM_KILO_PASCAL^MDC") == 90.0
    assert convert("temperature", 212.0, "[degF]") == 100.0
    assert convert("etco2", 5.0, "262688^MDC_DIM_PERCENT^MDC").startswith("CO2 sent in %")
    assert convert("heart_rate", 60.0, "bpm") == 60.0
    assert mdc_code("0002-4bb8") == "150456" and mdc_code("0002-4a15") == "150037" and mdc_code("HR") == "HR"


def test_a_cuff_status_text_says_measuring():
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|T4|P|2.6\r"
            "OBX|1|ST|NBP_STATUS^Cuff^99GW||Inflating|\r"
            "OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||118|mmHg\r")
    assert parse_oru(text, device_tz=UTC).observations[0].flags == {"nibp_measuring"}


# -- alerts --------------------------------------------------------------------------------------------------------

def test_philips_inop_no_sensor_flags_spo2_and_makes_the_health_sensor_off():
    feed = Hl7Feed()
    (result,) = feed_all(feed, M.philips_pic())
    got = {r.kind: (r.value, sorted(r.flags)) for r in result.readings}
    # SpO2 and pulse -100 are sentinels (not readings); HR is untouched by an SpO2 INOP; RR A with 8-30 is low
    assert got == {"heart_rate": (58.0, []), "respiratory_rate": (6.0, ["abnormal_low"]),
                   "nibp_systolic": (104.0, []), "nibp_diastolic": (61.0, []), "nibp_mean": (75.0, []),
                   "temperature": (37.2, [])}
    assert result.health == (Health.SENSOR_OFF, "monitor alert: SpO2 NO SENSOR")
    (cleared,) = feed_all(feed, M.philips_pic("HP2", inop=""))  # the next message no longer lists it
    assert cleared.health == (Health.OK, "data from the monitor")


def test_mindray_pcd04_lead_off_starts_holds_and_ends():
    feed = Hl7Feed(alert_hold_s=30)
    (start,) = feed_all(feed, M.mindray_alert("A1", "196680", "MDC_EVT_LEAD_OFF", "start"), mono=0)
    assert start.health == (Health.SENSOR_OFF, "monitor alert: MDC_EVT_LEAD_OFF")
    (numerics,) = feed_all(feed, M.mindray_numerics("N1"), mono=1)
    flags = {r.kind: r.flags for r in numerics.readings}
    assert "sensor_off" in flags["heart_rate"] and "sensor_off" not in flags["spo2"]
    (end,) = feed_all(feed, M.mindray_alert("A2", "196680", "MDC_EVT_LEAD_OFF", "end"), mono=2)
    assert end.health == (Health.OK, "data from the monitor")


def test_a_pcd04_alert_not_repeated_expires():
    feed = Hl7Feed(alert_hold_s=30)
    feed_all(feed, M.mindray_alert("A1", "196916", "MDC_EVT_SENSOR_DISCONN", "start", source="1.3.1.150456"))
    assert [a.kinds for a in feed.active_alerts()] == [{"spo2"}]
    assert feed.expire(29.0) is None
    assert feed.expire(30.0) == (Health.OK, "data from the monitor")
    assert feed.active_alerts() == []


def test_other_alerts_become_flags():
    feed = Hl7Feed()
    feed_all(feed, M.mindray_alert("A1", "196648", "MDC_EVT_HI", "start", kind="SP", source="1.3.1.150456"),
             M.mindray_alert("A2", "196836", "MDC_EVT_CUFF_LEAK", "start"),
             M.mindray_alert("A3", "0", "MNDRY_EVT_BATTERY_LOW", "continue"))
    (r,) = feed_all(feed, M.mindray_numerics("N2"))
    flags = {x.kind: x.flags for x in r.readings}
    assert flags["spo2"] == {"device_alarm", "low_battery"}
    assert flags["nibp_mean"] == {"cuff_error", "low_battery"}
    assert flags["heart_rate"] == {"abnormal_high", "low_battery"}
    assert r.health[0] is Health.OK


@pytest.mark.parametrize("text, flag, kinds", [
    ("SpO2 NO SENSOR", "sensor_off", {"spo2", "pulse_rate", "perfusion_index"}),
    ("ECG LEADS OFF", "sensor_off", {"heart_rate"}),
    ("CO2 NO TRANSDUCER", "sensor_off", {"etco2", "fico2"}),
    ("NBP CUFF OVERPRESS", "cuff_error", {"nibp_systolic", "nibp_diastolic", "nibp_mean"}),
    ("Resp Check Sensor", "sensor_off", {"respiratory_rate"}),
    ("T1 probe unplugged", "sensor_off", {"temperature"}),
    ("ABP DISCONNECT", "sensor_off", {"abp_systolic", "abp_diastolic", "abp_mean"}),
    ("Tskin DISCONN", "sensor_off", {"temperature"}),
    ("BATTERY LOW", "low_battery", set()),
    ("SpO2T  No Pulse", "device_alarm", {"spo2", "pulse_rate", "perfusion_index"}),
])
def test_alert_texts(text, flag, kinds):
    assert alert_meaning("", text) == (flag, kinds)


def test_the_room_raises_its_sensor_off_technical_alarm_for_a_monitor_alert():
    feed = Hl7Feed()
    (result,) = feed_all(feed, M.philips_pic())
    from roomcontrol.domain.vitals import HealthChange
    rules = A.AlarmRules(limits={})
    mon = Monitoring(rules, new_id=iter(f"al{i}" for i in range(99)).__next__)
    events = mon.health(HealthChange("vitals", result.health[0], NOW, result.health[1]), NOW, armed=True)
    assert ("device.sensor_off", {"device": "vitals", "detail": "monitor alert: SpO2 NO SENSOR"}) in events
    assert any(kind == "alarm.raised" and payload["condition"] == "vitals.sensor_off" for kind, payload in events)


# -- beds --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bed, ours", [("CCU^^12&0&0", True), ("12", True), ("beneview t8", True),
                                       ("13", False), ("CCU", False)])
def test_bed_matching(bed, ours):
    (r,) = feed_all(Hl7Feed(bed=bed), M.mindray_numerics())
    assert r.ours is ours and msa(r)[1] == "AA"
    assert bool(r.readings) is ours


@pytest.mark.parametrize("bed", ["", "   ", 5])
def test_a_bad_bed_option_names_the_key(bed):
    with pytest.raises(ValueError, match=r"^bed: .* is not a bed name"):
        Hl7Feed(bed=bed)


def acks(sock, count):
    d, out = MllpDeframer(), []
    while len(out) < count:
        data = sock.recv(65536)
        assert data
        out += [a.decode() for a in d.feed(data)]
    return out


def test_the_driver_keeps_one_bed_of_a_gateway_and_acks_every_message(collector):
    device = open_vitals("hl7", "mllp://127.0.0.1:0", collector, bed="CCU^^12&0&0", backoff_initial=0.05)
    pleth = []
    device._on_pleth = lambda samples, ts: pleth.append(samples)
    device.start()
    try:
        with socket.create_connection(device.wait_ready(), timeout=WAIT) as sock:
            for i in range(3):
                sock.sendall(mllp_frame(M.mindray_numerics(f"B13-{i}", bed="13", spo2="88")))
                sock.sendall(mllp_frame(M.mindray_numerics(f"B12-{i}", bed="12", spo2="97")))
            sock.sendall(mllp_frame(M.philips_pic()))  # a third bed, another vendor on the same link
            got = acks(sock, 7)
        assert [a.split("\r")[1] for a in got] == [f"MSA|AA|B{b}-{i}" for i in range(3) for b in (13, 12)] + [
            "MSA|AA|HP104220879017992"]
        collector.wait(lambda c: len(c.readings) == 3 * 13)
        assert {r.value for r in collector.readings if r.kind == "spo2"} == {97.0}
        assert pleth == [[120, 131, 142, 150, 147]] * 3
        assert device.counters["other_beds"] == 4
        beds = {b["location"]: b for b in device.beds()}
        assert set(beds) == {"CCU^^12&0&0", "CCU^^13&0&0", "^^Doc1&5&1"}
        assert beds["CCU^^13&0&0"]["messages"] == 3 and "13" in beds["CCU^^13&0&0"]["ids"]
    finally:
        device.close()


def test_the_driver_reports_sensor_off_from_an_alert_and_back(collector):
    device = open_vitals("hl7", "mllp://127.0.0.1:0", collector, backoff_initial=0.05)
    device.start()
    try:
        with socket.create_connection(device.wait_ready(), timeout=WAIT) as sock:
            sock.sendall(mllp_frame(M.philips_pic("P1")))
            acks(sock, 1)
            collector.wait_health("sensor_off")
            mark = len(collector.health)
            sock.sendall(mllp_frame(M.philips_pic("P2", inop="")))
            acks(sock, 1)
            collector.wait_health("ok", mark)
    finally:
        device.close()
    assert collector.health[mark - 1].detail == "monitor alert: SpO2 NO SENSOR"


def test_co2_in_percent_an_empty_value_and_an_a_flag_above_the_range():
    text = ("MSH|^~\\&|GW||||20260912063000||ORU^R01|T5|P|2.6\r"
            "PV1||I|\r"
            "OBX|1|NM|151708^MDC_AWAY_CO2_ET^MDC||5.2|262688^MDC_DIM_PERCENT^MDC\r"
            "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|||bpm|||||R\r"
            "OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC||131|bpm|50-120|AA|||R\r"
            "OBX|4|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||90|bpm|50-120|A|||R\r")
    m = parse_oru(text, device_tz=UTC)
    assert [(o.kind, o.value, o.flags) for o in m.observations] == [
        ("heart_rate", 131.0, {"abnormal_high"}), ("pulse_rate", 90.0, frozenset())]
    assert m.rejected == [("etco2", "CO2 sent in % (needs the ambient pressure): set the monitor to mmHg or kPa")]
    assert m.location == "" and m.beds == {"GW"}


def test_probe_lists_the_beds_it_hears():
    import io
    import json
    import threading

    from roomcontrol.devices.vitals import probe_vitals
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out, stop, result = io.StringIO(), threading.Event(), {}
    t = threading.Thread(target=lambda: result.update(probe_vitals("hl7", f"mllp://127.0.0.1:{port}", WAIT, out,
                                                                   stop_event=stop, list_beds=True)))
    t.start()
    deadline = __import__("time").monotonic() + WAIT
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            break
        except ConnectionRefusedError:
            assert __import__("time").monotonic() < deadline
            __import__("time").sleep(0.02)
    with sock:
        sock.sendall(mllp_frame(M.mindray_numerics("L1", bed="12")) + mllp_frame(M.ge_csg("L2")))
        acks(sock, 2)
    stop.set()
    t.join(WAIT)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == 1  # --list-beds: only the beds line
    assert [(b["location"], b["messages"]) for b in lines[0]["beds"]] == [("CCU^^12&0&0", 1), ("INFUSION^^BAY3", 1)]
    assert "B650-SJ412088" in lines[0]["beds"][1]["ids"]
    assert result["acks_aa"] == 2
