"""The respiration tile: RR large with EtCO2 beside it, EtCO2 alone from a capnograph, absent for a bare
oximeter, and its alarms."""

from datetime import UTC, datetime, timedelta

from roomcontrol.domain.alarms import Alarm
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.domain.vitals.tiles import TileState, vital_tiles

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def reading(kind, value, age_s=0.0, flags=()):
    return Reading(kind, value, UNITS[kind], NOW - timedelta(seconds=age_s), flags=frozenset(flags))


def resp(*readings, alarms=()):
    return vital_tiles({r.kind: r for r in readings}, alarms, NOW).get("resp")


def test_a_bare_oximeter_has_no_resp_tile():
    assert resp(reading("spo2", 97), reading("pulse_rate", 70)) is None


def test_rr_large_and_etco2_beside_it():
    assert resp(reading("respiratory_rate", 14), reading("etco2", 37.6)) == TileState(
        "resp", "RR", "14", "/min", "EtCO2 38 mmHg")
    assert resp(reading("respiratory_rate", 14)) == TileState("resp", "RR", "14", "/min", "")
    assert resp(reading("respiratory_rate", 14), reading("etco2", None, flags={"sensor_off"})).note == \
        "EtCO2: sensor off"


def test_a_stale_etco2_says_so_beside_a_live_rr():
    assert resp(reading("respiratory_rate", 14), reading("etco2", 38, age_s=30)).note == "EtCO2: no recent value"


def test_etco2_alone_from_a_capnograph_is_the_large_number():
    assert resp(reading("etco2", 41)) == TileState("resp", "EtCO2", "41", "mmHg", "")
    assert resp(reading("etco2", 41), reading("respiratory_rate", None)).note == ""


def test_nothing_live_says_why():
    assert resp(reading("respiratory_rate", 14, age_s=30)) == TileState("resp", "RR", "--", "/min",
                                                                         "no recent value")


def test_an_alarm_shows_the_tile_and_colours_it():
    a = Alarm("a1", "respiratory_rate.low", "high", NOW, 6)
    state = resp(alarms=[a])
    assert state is not None and state.alarm is a and state.priority == "high" and state.value == "--"
    other = Alarm("a2", "vitals.lost", "medium", NOW)
    assert resp(reading("respiratory_rate", 14), alarms=[other]).alarm is None
