"""Masimo ASCII 1 parser, on lines as Radical-5, Radical-7 and Rad-8 monitors print them."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roomcontrol.devices.vitals.encoders import masimo_line
from roomcontrol.devices.vitals.masimo import MasimoParser, alarm_names, exc_names, flags_for
from tests.devices.vitalshelp import feed, values

NOW = datetime(2026, 11, 24, 9, 5, 2, tzinfo=timezone.utc)
UTC = timezone.utc

RADICAL7 = (b"12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=072 PI=02.50% SPCO=01.0% SPMET=00.5% DESAT=01 "
            b"PIDELTA=-02 PVI=027 ALARM=0000 EXC=000800\r\n")
RADICAL5 = b"09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800\r\n"
RAD8_NO_SENSOR = b"03/19/16 13:37:12 SN=0000093112 SPO2=---% BPM=---% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000001\r\n"
RAD7_COLOR = (b"03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 SPCO=--% SPMET=--.-% SPHB=--.- SPOC=-- "
              b"RESVD=--- DESAT=-- PIDELTA=+-- PVI=--- ALARM=000000 EXC=0000C00 EXC1=00000000\r\n")
RADICAL7_BLANK = (b"05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% SPMET=--.-% DESAT=-- "
                  b"PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000\r\n")


def parse(data, chunk=None, **kw):
    p = MasimoParser(device_tz=UTC, **kw)
    return p, feed(p, data, NOW, chunk)


def test_radical7_line():
    p, out = parse(RADICAL7)
    assert values(out) == [("spo2", 98.0), ("pulse_rate", 72.0), ("perfusion_index", 2.5), ("spco", 1.0),
                           ("spmet", 0.5), ("pvi", 27.0)]
    assert {r.unit for r in out} == {"%", "/min"}
    assert all(r.device_ts == datetime(2005, 12, 1, 11, 56, 29, tzinfo=UTC) and r.received_ts == NOW for r in out)
    assert all(r.flags == frozenset() and r.source == "masimo" for r in out)  # 0x800 = SET mode, no flag
    assert p.counters == {"lines": 1, "bad_lines": 0}


def test_radical5_line_with_a_short_alarm_and_exception_field():
    _, out = parse(RADICAL5)
    assert values(out) == [("spo2", 97.0), ("pulse_rate", 64.0), ("perfusion_index", 11.82)]
    assert out[0].flags == frozenset()  # ALARM=20: silenced only


def test_dashes_are_no_value_and_no_sensor_is_flagged():
    _, out = parse(RAD8_NO_SENSOR)
    assert values(out) == [("spo2", None), ("pulse_rate", None)]
    assert out[0].flags == frozenset({"no_sensor"})


def test_rad7_color_fields_in_their_own_order_and_widths():
    _, out = parse(RAD7_COLOR)
    assert values(out) == [("spo2", 98.0), ("pulse_rate", 123.0), ("perfusion_index", 0.55)]
    assert out[0].flags == frozenset({"low_signal_iq"})  # EXC=0000C00: low SIQ + SET


def test_all_blank():
    _, out = parse(RADICAL7_BLANK)
    assert values(out) == [("spo2", None), ("pulse_rate", None), ("perfusion_index", None)]


# Rad-97 (rainbow SET, with SpHb): the Rad-7 colour key set, every rainbow value present, low battery in ALARM.
RAD97 = (b"11/24/26 10:05:01 SN=0000231457 SPO2=097% BPM=068 PI=03.10 SPCO=02.0% SPMET=01.1% SPHB=13.4 SPOC=18 "
         b"RESVD=--- DESAT=-- PIDELTA=+-- PVI=014 ALARM=000040 EXC=0000800 EXC1=00000000\r\n")
# Rad-7 software that writes EXC1= in place of EXC= (no EXC field at all).
RAD7_EXC1 = (b"11/24/26 10:05:02 SN=0000180233 SPO2=---% BPM=--- PI=--.-- SPCO=--% SPMET=--.-% SPHB=--.- SPOC=-- "
             b"RESVD=--- DESAT=-- PIDELTA=+-- PVI=--- ALARM=000010 EXC1=00000021\r\n")


def test_rad97_line_with_rainbow_values_and_a_low_battery():
    _, out = parse(RAD97)
    assert values(out) == [("spo2", 97.0), ("pulse_rate", 68.0), ("perfusion_index", 3.1), ("spco", 2.0),
                           ("spmet", 1.1), ("sphb", 13.4), ("pvi", 14.0)]
    assert {r.kind: r.unit for r in out}["sphb"] == "g/dL"
    assert all(r.flags == frozenset({"low_battery"}) for r in out)  # battery alone: no device_alarm, still trusted


def test_rad7_exc1_is_the_exception_word_when_there_is_no_exc():
    _, out = parse(RAD7_EXC1)
    assert values(out) == [("spo2", None), ("pulse_rate", None), ("perfusion_index", None)]
    assert out[0].flags == frozenset({"no_sensor", "sensor_off", "device_alarm"})


def test_exc_wins_over_exc1_when_a_line_has_both():
    _, out = parse(RAD7_COLOR.replace(b"EXC1=00000000", b"EXC1=00000001"))
    assert out[0].flags == frozenset({"low_signal_iq"})


def test_rainbow_dashes_before_any_number_give_no_reading_after_one_they_are_no_value():
    p, out = parse(RAD7_COLOR)  # an oximeter without the rainbow licence: dashes forever, no rainbow readings
    assert {r.kind for r in out} == {"spo2", "pulse_rate", "perfusion_index"}
    out = feed(p, RAD97 + RAD7_COLOR, NOW)  # after SpHb was shown, dashes mean "no value" (probe off, say)
    assert [(k, v) for k, v in values(out) if k in ("sphb", "spco", "spmet", "pvi")][4:] == [
        ("spco", None), ("spmet", None), ("sphb", None), ("pvi", None)]


def test_a_bad_rainbow_value_loses_the_line_not_the_next_one():
    p, out = parse(RAD97.replace(b"SPHB=13.4", b"SPHB=1x.4") + RADICAL5)
    assert values(out) == [("spo2", 97.0), ("pulse_rate", 64.0), ("perfusion_index", 11.82)]
    assert p.counters == {"lines": 2, "bad_lines": 1}


def test_rad8_bpm_with_a_stray_percent_and_a_value():
    _, out = parse(b"03/19/16 13:40:02 SN=0000093112 SPO2=095% BPM=081% DESAT=-- PIDELTA=+-- ALARM=0000 "
                   b"EXC=000800\r\n")
    assert values(out) == [("spo2", 95.0), ("pulse_rate", 81.0)]


def test_any_subset_and_order_of_fields():
    _, out = parse(b"11/24/26 10:05:01 EXC=000020 BPM=---   SPO2=---%\n")
    assert values(out) == [("pulse_rate", None), ("spo2", None)]
    assert out[0].flags == frozenset({"sensor_off"})


@pytest.mark.parametrize("exc,flag", [(0x001, "no_sensor"), (0x002, "sensor_alarm"), (0x004, "low_perfusion"),
                                      (0x008, "pulse_search"), (0x010, "interference"), (0x020, "sensor_off"),
                                      (0x040, "interference"), (0x400, "low_signal_iq"),
                                      (0x1000, "sensor_disconnect")])
def test_exception_bits(exc, flag):
    assert flag in flags_for(exc, 0)


def test_exception_and_alarm_names():
    assert exc_names(0x000825) == ["no_sensor", "low_perfusion", "sensor_off", "masimo_set"]
    assert alarm_names(0x0012) == ["spo2_low", "alarm_active"]
    assert flags_for(0x800, 0x0002) == frozenset({"device_alarm"})
    assert flags_for(0, 0x0020) == frozenset()  # silenced alone
    assert flags_for(0, 0x0060) == frozenset({"low_battery"})  # the oximeter's battery: a flag, not a patient alarm


@pytest.mark.parametrize("ending", [b"\r\n", b"\n\r", b"\n", b"\r"])
def test_line_endings(ending):
    p, out = parse((RADICAL5.rstrip() + ending) * 3)
    assert len(out) == 9 and p.counters["bad_lines"] == 0


def test_a_line_split_anywhere():
    data = RADICAL7 + RADICAL5
    for chunk in (1, 2, 7, 50):
        assert values(parse(data, chunk)[1]) == values(parse(data)[1])


@pytest.mark.parametrize("bad", [
    b"Radical-7 V7.8.0.1 startup\r\n",                      # banner, no date
    b"13/45/05 11:56:29 SPO2=098%\r\n",                       # impossible date
    b"12/01/05 11:56:29 SPO2=0x8% BPM=072\r\n",              # garbled number
    b"12/01/05 11:56:29 SPO2=098% EXC=00G820\r\n",           # garbled hex
    b"12/01/05 11:56:29 SPO2=098% BPM 072\r\n",              # field without '='
    b"12/01/05 11:56:29 SN=0123456789 ALARM=0000\r\n",       # nothing we read
    b"12/01/05 11:56:29 SPO2=098\xff% BPM=072\r\n",          # line noise
])
def test_bad_lines_are_counted_and_skipped(bad):
    p, out = parse(bad + RADICAL5)
    assert values(out) == [("spo2", 97.0), ("pulse_rate", 64.0), ("perfusion_index", 11.82)]
    assert p.counters == {"lines": 2, "bad_lines": 1}


def test_endless_noise_without_a_line_end_is_dropped():
    p, out = parse(b"x" * 5000 + b"\n" + RADICAL5, chunk=100)
    assert len(out) == 3 and p.counters["bad_lines"] >= 1


def test_device_time_in_the_device_zone():
    p = MasimoParser(device_tz=timezone(timedelta(hours=-5)))
    out = p.feed(RADICAL5, NOW)
    assert out[0].device_ts == datetime(2010, 9, 15, 20, 10, 29, tzinfo=UTC)


def test_encoder_round_trip_both_models():
    t = datetime(2026, 11, 24, 10, 5, 1)
    for model in ("radical7", "radical5"):
        _, out = parse(masimo_line(t, spo2=96, bpm=101, pi=1.25, exc=0x808, model=model))
        assert values(out) == [("spo2", 96.0), ("pulse_rate", 101.0), ("perfusion_index", 1.25)]
        assert out[0].flags == frozenset({"pulse_search"}) and out[0].device_ts == t.replace(tzinfo=UTC)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(1, 50))
def test_random_bytes_never_raise(data, chunk):
    parse(data, chunk)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 300),
                          st.text(alphabet="abcXYZ=%/: -", max_size=30)), min_size=1, max_size=5))
def test_good_lines_between_noise_lines_are_all_read(items):
    data = b"".join(n.encode() + b"\r\n" + masimo_line(datetime(2026, 1, 1), spo2=s, bpm=b, pi=2.0)
                    for s, b, n in items)
    _, out = parse(data)
    assert [v for k, v in values(out) if k == "spo2"] == [float(s) for s, _, _ in items]
