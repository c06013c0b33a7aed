"""The simulated patient, its wire encoders played through the real drivers, the simulated driver and the probe."""

import io
import json
import threading

import pytest

from roomcontrol.clock import FakeClock, ScaledClock
from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.vitals import probe_vitals
from roomcontrol.devices.vitals.physiology import Event, PlethGenerator, VitalsModel, ketamine_effect
from roomcontrol.devices.vitals.simulator import run_simulated_device
from tests.devices.vitalshelp import WAIT, collector, open_vitals  # noqa: F401


def test_the_model_is_pure_in_time_and_seed():
    a, b = VitalsModel(seed=7), VitalsModel(seed=7)
    assert [a.numerics(t) for t in range(0, 600, 17)] == [b.numerics(t) for t in range(0, 600, 17)]
    assert a.numerics(5) != VitalsModel(seed=8).numerics(5)


def test_values_vary_gently_around_the_baseline():
    m = VitalsModel()
    hrs = [m.numerics(t).heart_rate for t in range(3600)]
    spo2 = [m.numerics(t).spo2 for t in range(3600)]
    assert 62 <= min(hrs) and max(hrs) <= 82 and len(set(hrs)) > 3
    assert 95 <= min(spo2) and max(spo2) <= 100
    assert max(abs(x - y) for x, y in zip(hrs, hrs[1:])) <= 4  # second to second


def test_ketamine_raises_blood_pressure_most_around_40_minutes():
    m = VitalsModel()
    sys_at = {k: m.nibp(600, k)[0] - m.nibp(600, None)[0] for k in (0, 10, 25, 40, 55, 90)}
    assert sys_at[0] == 0 and sys_at[40] == max(sys_at.values()) and sys_at[40] >= 15
    assert sys_at[10] < sys_at[25] < sys_at[40] and sys_at[55] < sys_at[40] and sys_at[90] < sys_at[55]
    assert ketamine_effect(None) == 0 and ketamine_effect(40) == pytest.approx(1)


@pytest.mark.parametrize("kind,check", [
    ("hypertension", lambda m, t: m.nibp(t)[0] >= 160),
    ("desaturation", lambda m, t: m.numerics(t).spo2 <= 88),
    ("bradycardia", lambda m, t: m.numerics(t).heart_rate <= 48),
    ("tachycardia", lambda m, t: m.numerics(t).heart_rate >= 120),
    ("respiratory_depression", lambda m, t: m.numerics(t).respiratory_rate < 8 and m.numerics(t).etco2 > 50),
    ("sensor_off", lambda m, t: m.numerics(t).sensor_off and m.numerics(t).spo2 is None),
    ("cable_pulled", lambda m, t: "cable_pulled" in m.status(t)),
])
def test_scripted_events_start_hold_and_end(kind, check):
    m = VitalsModel(events=[Event(kind, start_s=100, duration_s=120)])
    assert not check(m, 90) and check(m, 160) and not check(m, 300)


def test_respiration_breathes_gently_within_the_limits_and_depression_slows_it_and_raises_co2():
    m = VitalsModel()
    rr = [m.numerics(t).respiratory_rate for t in range(3600)]
    co2 = [m.numerics(t).etco2 for t in range(3600)]
    assert 10 <= min(rr) and max(rr) <= 18 and len(set(rr)) > 2
    assert 33 <= min(co2) and max(co2) <= 43 and len(set(co2)) > 2
    d = VitalsModel(events=[Event("respiratory_depression", 60, 300)])
    held = d.numerics(200)
    assert held.respiratory_rate <= 7 and held.etco2 >= 55
    assert d.numerics(200).spo2 < m.numerics(200).spo2  # the SpO2 sags, late and little
    assert d.numerics(0) == m.numerics(0) and d.numerics(500) == m.numerics(500)


def test_the_hl7_wire_carries_rr_and_etco2_with_their_mdc_codes():
    from datetime import UTC, datetime
    from roomcontrol.devices.vitals.encoders import hl7_oru
    text = hl7_oru("1", datetime(2026, 1, 5, 9, 0, tzinfo=UTC), [("respiratory_rate", 6), ("etco2", 57)])
    obx = [seg.split("|") for seg in text.split("\r") if seg.startswith("OBX")]
    assert [(o[3], o[5], o[6]) for o in obx] == [
        ("151562^MDC_RESP_RATE^MDC", "6", "264928^MDC_DIM_RESP_PER_MIN^MDC"),
        ("151708^MDC_AWAY_CO2_ET^MDC", "57", "266016^MDC_DIM_MMHG^MDC")]


def test_nibp_every_interval_and_pleth_follows_the_heart_rate():
    m = VitalsModel(nibp_interval_s=180)
    due = [t for t in range(0, 900) if m.nibp_due(t - 1 if t else None, t)]
    assert due == [0, 180, 360, 540, 720]
    samples = PlethGenerator(m).next(75 * 10)
    beats = sum(1 for x, y in zip(samples, samples[1:]) if x < 0.9 <= y)
    assert 10 <= beats <= 14  # ~72/min over 10 s


@pytest.mark.parametrize("protocol,driver,options", [("nonin", "nonin", {}), ("nonin-df2", "nonin", {"data_format": 2}),
                                                    ("masimo", "masimo", {})])
def test_simulated_device_on_a_pty_read_by_the_real_driver(protocol, driver, options, collector):
    stop, ready = threading.Event(), threading.Event()
    path = []
    clock = ScaledClock(10)  # 10x real time: a second of patient every 100 ms

    def on_ready(p):
        path.append(p)
        ready.set()

    t = threading.Thread(target=run_simulated_device, args=(protocol, "pty", clock, stop),
                         kwargs={"on_ready": on_ready}, daemon=True)
    t.start()
    assert ready.wait(WAIT)
    d = open_vitals(driver, path[0], collector, **options)
    d.start()
    try:
        collector.wait(lambda c: {"spo2", "pulse_rate"} <= {r.kind for r in c.readings} and len(c.readings) >= 6)
    finally:
        d.close()
        stop.set()
        t.join(WAIT)
    assert all(94 <= r.value <= 100 for r in collector.readings if r.kind == "spo2")
    assert all(55 <= r.value <= 95 for r in collector.readings if r.kind == "pulse_rate")


def test_simulated_hl7_gateway_is_acked_by_our_server(collector):
    srv = open_vitals("hl7", "mllp://127.0.0.1:0", collector)
    srv.start()
    host, port = srv.wait_ready()
    stop = threading.Event()
    result = {}
    t = threading.Thread(target=lambda: result.update(run_simulated_device(
        "hl7", f"mllp://{host}:{port}", ScaledClock(20), stop, hl7_vendor_labels=True)), daemon=True)
    t.start()
    try:
        collector.wait(lambda c: {"nibp_systolic", "nibp_mean", "heart_rate", "spo2"} <= {r.kind for r in c.readings}
                       and len(c.readings) > 20)
    finally:
        stop.set()
        t.join(WAIT)
        srv.close()
    assert result["acks_aa"] >= 3 and result["acks_other"] == 0


def test_simulated_driver_with_events_and_health(collector):
    clock = FakeClock()
    model = VitalsModel(events=[Event("sensor_off", 5, 3), Event("cable_pulled", 12, 3)])
    d = open_vitals("simulated", "", collector, clock=clock, model=model, on_pleth=collector.on_pleth)
    d.start()
    try:
        collector.wait(lambda c: c.states()[-1:] == ["ok"] and "lost" in c.states())
    finally:
        d.close()
    assert collector.states()[:6] == ["connecting", "ok", "sensor_off", "ok", "lost", "connecting"]
    kinds = {r.kind for r in collector.readings}
    assert {"heart_rate", "spo2", "perfusion_index", "respiratory_rate", "etco2", "nibp_systolic"} <= kinds
    assert any(r.value is None and "sensor_off" in r.flags for r in collector.readings)
    # the finger probe off leaves the capnograph breathing: RR and EtCO2 keep their values, unflagged
    assert all(r.value is not None and not r.flags for r in collector.readings
               if r.kind in ("respiratory_rate", "etco2"))
    assert all(len(p) == 25 for p in collector.pleth)


def test_probe_writes_json_lines(collector):
    out = io.StringIO()
    stop = threading.Event()
    timer = threading.Timer(0.6, stop.set)
    timer.start()
    counters = probe_vitals("simulated", "", 30, out, stop_event=stop)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert lines[0]["health"] == "connecting" and lines[0]["device"] == "vitals" and lines[0]["ts"].endswith("Z")
    readings = [x for x in lines if "kind" in x]
    assert readings and set(readings[0]) == {"kind", "value", "unit", "ts", "device_ts", "flags"}
    assert counters["readings"] == len(readings)


def test_probe_says_why_a_port_cannot_be_opened(tmp_path):
    with pytest.raises(DeviceOpenError) as e:
        probe_vitals("nonin", str(tmp_path / "ttyUSB9"), 1, io.StringIO())
    assert str(e.value).startswith("cannot open ") and "\n" not in str(e.value)
