"""The vitals rules, pure: when a reading is trusted and live, and what each vitals tile shows and which alarm
colours it. The engine test (test_alarms) checks the snapshot carries these tiles."""

from datetime import UTC, datetime, timedelta

import pytest

from roomcontrol.domain.alarms import Alarm
from roomcontrol.domain.vitals import LIVE_S, UNITS, Reading, flagged, fresh, recent, sensor_off, trusted
from roomcontrol.domain.vitals.tiles import TILES, TileState, note, vital_tiles, worst_alarm

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def reading(kind, value, age_s=0.0, flags=()):
    return Reading(kind, value, UNITS[kind], NOW - timedelta(seconds=age_s), flags=frozenset(flags))


def alarm(condition, priority="medium", acknowledged_by=None, n=1):
    return Alarm(f"A{n}", condition, priority, NOW, acknowledged_by=acknowledged_by)


def tiles(*readings, alarms=()):
    return vital_tiles({r.kind: r for r in readings}, alarms, NOW)


# -- trusted, recent, fresh -----------------------------------------------------------------------------
@pytest.mark.parametrize("flags, value, expected", [
    ((), 97, True), (("low_perfusion", "smart_tone"), 97, True), ((), None, False),
    (("artifact",), 97, False), (("out_of_track",), 97, False), (("pulse_search",), 97, False),
    (("sensor_off",), 97, False), (("sensor_disconnect",), 97, False), (("no_sensor",), 97, False),
])
def test_trusted_is_a_value_without_untrusted_flags(flags, value, expected):
    assert trusted(reading("spo2", value, flags=flags)) is expected


def test_trusted_takes_a_stored_sample_with_tuple_flags():
    class Sample:
        value, flags = 97.0, ("artifact",)
    assert not trusted(Sample()) and flagged(Sample())


def test_sensor_off_is_the_off_patient_subset():
    assert sensor_off(reading("spo2", None, flags={"no_sensor"}))
    assert not sensor_off(reading("spo2", 97, flags={"artifact"})) and flagged(reading("spo2", 97, flags={"artifact"}))


def test_fresh_is_trusted_and_recent():
    assert fresh(reading("heart_rate", 70, LIVE_S), NOW) and recent(reading("heart_rate", 70, LIVE_S), NOW)
    assert not fresh(reading("heart_rate", 70, LIVE_S + 0.1), NOW)
    assert fresh(reading("heart_rate", 70, 20), NOW, stale_s=30)
    assert not fresh(reading("heart_rate", 70, flags={"artifact"}), NOW)
    assert not fresh(None, NOW)


# -- the note under a value -------------------------------------------------------------------------------
@pytest.mark.parametrize("r, expected", [
    (None, "waiting for the monitor"),
    (reading("spo2", None, flags={"sensor_off"}), "sensor off"),
    (reading("spo2", 97, flags={"sensor_disconnect", "artifact"}), "sensor off"),
    (reading("spo2", 97, flags={"pulse_search"}), "signal poor"),
    (reading("spo2", 97, age_s=11), "no recent value"),
    (reading("spo2", None, age_s=11), "no recent value"),
    (reading("spo2", None), ""),   # the device says "no value" just now: nothing to explain yet
    (reading("spo2", 97), ""),
])
def test_note(r, expected):
    assert note(r, NOW) == expected


# -- the tiles ----------------------------------------------------------------------------------------------
def test_with_nothing_from_the_monitor():
    assert tiles() == {
        "hr": TileState("hr", "HR", "--", "/min", "waiting for the monitor"),
        "spo2": TileState("spo2", "SpO2", "--", "%", "waiting for the monitor"),
        "nibp": TileState("nibp", "NIBP", "--/--", "mmHg", "no measurement yet"),
    }


def test_heart_rate_prefers_the_ecg_and_falls_back_to_the_pulse_rate():
    both = tiles(reading("heart_rate", 71.6), reading("pulse_rate", 69))["hr"]
    assert (both.label, both.value, both.note) == ("HR", "72", "")
    pulse = tiles(reading("heart_rate", 71, age_s=30), reading("pulse_rate", 69))["hr"]
    assert (pulse.label, pulse.value, pulse.note) == ("PR", "69", "no recent value")  # the note is about the ECG
    only_pulse = tiles(reading("pulse_rate", 69))["hr"]
    assert (only_pulse.label, only_pulse.value, only_pulse.note) == ("PR", "69", "")
    neither = tiles(reading("pulse_rate", 69, flags={"artifact"}))["hr"]
    assert (neither.label, neither.value, neither.note) == ("HR", "--", "signal poor")


def test_spo2_shows_the_perfusion_index_when_live_else_why_there_is_no_value():
    live = tiles(reading("spo2", 97), reading("perfusion_index", 2.345))["spo2"]
    assert (live.label, live.value, live.unit, live.note) == ("SpO2", "97", "%", "PI 2.3")
    assert tiles(reading("spo2", 97), reading("perfusion_index", 2.3, age_s=30))["spo2"].note == ""
    off = tiles(reading("spo2", None, flags={"sensor_off"}), reading("perfusion_index", 2.3, age_s=30))["spo2"]
    assert (off.value, off.note) == ("--", "sensor off")


def test_nibp_stands_with_its_age_until_the_next_measurement():
    t = tiles(reading("nibp_systolic", 128, 300), reading("nibp_diastolic", 82.4, 300),
              reading("nibp_mean", 97, 300))["nibp"]
    assert (t.value, t.note, t.age_s, t.unit) == ("128/82", "mean 97", 300.0, "mmHg")
    no_mean = tiles(reading("nibp_systolic", 128), reading("nibp_diastolic", 82), reading("nibp_mean", None))["nibp"]
    assert (no_mean.value, no_mean.note, no_mean.age_s) == ("128/82", "", 0.0)
    failed = tiles(reading("nibp_systolic", None), reading("nibp_diastolic", 82))["nibp"]
    assert (failed.value, failed.note, failed.age_s) == ("--/--", "no measurement yet", None)


# -- which alarm colours which tile -------------------------------------------------------------------------
@pytest.mark.parametrize("condition, on", [
    ("heart_rate.high", {"hr"}), ("pulse_rate.low", {"hr"}), ("heart_rate.stale", {"hr"}),
    ("spo2.low", {"spo2"}), ("perfusion_index.low", {"spo2"}),
    ("nibp_systolic.high", {"nibp"}), ("nibp_mean.low", {"nibp"}),
    ("vitals.lost", {"hr", "spo2"}), ("vitals.sensor_off", {"hr", "spo2"}),   # the monitor itself
    ("respiratory_rate.low", {"resp"}), ("etco2.high", {"resp"}), ("audio.lost", set()),
])
def test_alarm_to_tile(condition, on):
    a = alarm(condition)
    assert {key for key, tile in TILES.items() if tile.shows(a)} == on
    assert {key for key, t in tiles(alarms=[a]).items() if t.alarm is a} == on


def test_the_unacknowledged_alarm_colours_the_tile_before_a_higher_acknowledged_one():
    high_acked = alarm("spo2.low", "high", acknowledged_by="rn.ada", n=1)
    medium = alarm("vitals.sensor_off", "medium", n=2)
    low = alarm("spo2.stale", "low", n=3)
    assert worst_alarm(TILES["spo2"], [high_acked, low, medium]) is medium
    t = tiles(alarms=[high_acked])["spo2"]
    assert (t.priority, t.acknowledged) == ("high", True)
    quiet = tiles(alarms=[medium])["nibp"]
    assert (quiet.alarm, quiet.priority, quiet.acknowledged) == (None, None, False)
    assert (tiles(alarms=[medium])["hr"].priority, tiles(alarms=[medium])["hr"].acknowledged) == ("medium", False)


def test_an_alarm_reads_its_subject_and_what_from_the_condition():
    a = alarm("vitals.sensor_off")
    assert (a.subject, a.what, a.technical) == ("vitals", "sensor_off", True)
    assert not alarm("spo2.low").technical


def test_a_reading_prints_as_json():
    r = Reading("spo2", 97, "%", NOW, device_ts=NOW, flags=frozenset({"smart_tone", "artifact"}))
    assert r.to_json() == {"kind": "spo2", "value": 97, "unit": "%", "ts": "2025-03-01T09:00:00.000Z",
                           "device_ts": "2025-03-01T09:00:00.000Z", "flags": ["artifact", "smart_tone"]}
    assert reading("spo2", 97).to_json()["device_ts"] is None
