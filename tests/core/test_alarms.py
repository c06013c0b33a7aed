"""Alarms through the engine: delay, latching, acknowledge, audio pause, escalation, clearing, technical alarms,
restart, and the baseline taken from live readings. Readings enter exactly as a driver posts them."""

from datetime import UTC, datetime

import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.domain.alarms import AlarmRules
from roomcontrol.domain.vitals import Health, HealthChange, Reading, UNITS
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.monitoring import Monitoring
from roomcontrol.engine.room import Room
from roomcontrol.store.vitals import read_vitals
from tests.core.helpers import NURSE, make_room, walk_to


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    walk_to(r, "infusing")
    yield r
    r.close()


def feed(room, kind, value, seconds=1, flags=frozenset(), step=1.0):
    """`seconds` of readings at one per `step` s, the clock moving as they arrive; ticks run as on the thread."""
    n = int(seconds / step)
    for _ in range(max(1, n)):
        room.post_reading(Reading(kind, value, UNITS[kind], room.clock.now(), flags=frozenset(flags), source="test"))
        room.tick()
        room.clock.advance(step)


def kinds(room, prefix="alarm."):
    return [(e.kind, e.payload.get("condition")) for e in room.log.events() if e.kind.startswith(prefix)]


def test_condition_delay_then_raise_then_clear(room):
    feed(room, "spo2", 97, 5)
    feed(room, "spo2", 86, 14)          # spo2 delay is 15 s by default: not yet
    assert kinds(room) == []
    feed(room, "spo2", 85, 2)
    assert kinds(room) == [("alarm.raised", "spo2.low")]
    raised = [e for e in room.log.events() if e.kind == "alarm.raised"][0]
    assert raised.payload["priority"] == "high" and raised.payload["value"] == 85
    assert raised.session_id == room.state.session.session_id
    snap = room.snapshot()
    assert snap.audible.condition == "spo2.low" and snap.alarms[0].priority == "high"
    feed(room, "spo2", 95, 1)           # non-latching: clears when the value recovers
    assert kinds(room)[-1] == ("alarm.cleared", "spo2.low")
    assert room.snapshot().alarms == ()


def test_a_brief_dip_shorter_than_the_delay_never_alarms(room):
    for _ in range(5):
        feed(room, "spo2", 87, 10)
        feed(room, "spo2", 96, 3)
    assert kinds(room) == []


def test_untrusted_readings_do_not_alarm(room):
    feed(room, "spo2", 60, 30, flags={"artifact"})
    feed(room, "heart_rate", 20, 30, flags={"sensor_disconnect"})
    assert [k for k in kinds(room) if k[0] == "alarm.raised" and not k[1].endswith("stale")] == []


def test_latching_alarm_waits_for_acknowledge(room):
    feed(room, "nibp_systolic", 195)    # systolic high, delay 0, latching by default
    assert kinds(room) == [("alarm.raised", "nibp_systolic.high")]
    feed(room, "nibp_systolic", 150)
    assert kinds(room)[-1] == ("alarm.condition_gone", "nibp_systolic.high")
    alarm = room.snapshot().alarms[0]
    assert alarm.condition_gone and room.snapshot().audible is not None  # still sounding until acknowledged
    room.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    assert kinds(room)[-2:] == [("alarm.acknowledged", "nibp_systolic.high"),
                                ("alarm.cleared", "nibp_systolic.high")]
    ack = [e for e in room.log.events() if e.kind == "alarm.acknowledged"][0]
    assert ack.actor == NURSE and ack.payload["by"] == NURSE


def test_acknowledge_silences_but_the_alarm_stays_while_its_condition_holds(room):
    feed(room, "heart_rate", 140, 12)
    alarm = room.snapshot().alarms[0]
    room.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    snap = room.snapshot()
    assert snap.alarms[0].acknowledged_by == NURSE and snap.audible is None
    with pytest.raises(Refused, match="already acknowledged by rn.ada"):
        room.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    with pytest.raises(Refused, match="is not active"):
        room.command("acknowledge_alarm", NURSE, alarm_id="nope")
    feed(room, "heart_rate", 140, 120)
    assert [k for k in kinds(room) if k[0] == "alarm.escalated"] == []  # acknowledged: no escalation
    feed(room, "heart_rate", 80)
    assert kinds(room)[-1] == ("alarm.cleared", "heart_rate.high")


def test_audio_pause_is_separate_from_acknowledge(room):
    with pytest.raises(Refused, match="no alarm is sounding"):
        room.command("pause_alarm_audio", NURSE)
    feed(room, "heart_rate", 30, 12)
    room.command("pause_alarm_audio", "rn.bo")
    snap = room.snapshot()
    assert snap.audible is None and snap.alarms[0].acknowledged_by is None
    paused = [e for e in room.log.events() if e.kind == "alarm.audio_paused"][0]
    assert paused.actor == "rn.bo" and paused.payload["seconds"] == 120
    feed(room, "heart_rate", 30, 121)
    assert room.snapshot().audible.condition == "heart_rate.low"  # the pause ran out


def test_unacknowledged_alarm_escalates(room):
    feed(room, "etco2", 56, 20)    # medium, delay 15 s
    assert room.snapshot().alarms[0].priority == "medium"
    feed(room, "etco2", 56, 61)
    esc = [e for e in room.log.events() if e.kind == "alarm.escalated"]
    assert esc and esc[0].payload["priority"] == "high" and esc[0].payload["level"] == 1
    assert room.snapshot().alarms[0].priority == "high"


def test_device_lost_and_sensor_off_are_technical_alarms_and_events(room):
    room.post_health(HealthChange("vitals", Health.OK, room.clock.now()))
    room.post_health(HealthChange("vitals", Health.LOST, room.clock.now(), "port closed"))
    room.post_health(HealthChange("vitals", Health.LOST, room.clock.now(), "still closed"))
    assert kinds(room, "device.") == [("device.connected", None), ("device.lost", None)]
    assert kinds(room) == [("alarm.raised", "vitals.lost")]
    room.post_health(HealthChange("vitals", Health.OK, room.clock.now()))
    assert kinds(room)[-1] == ("alarm.cleared", "vitals.lost")
    room.post_health(HealthChange("vitals", Health.SENSOR_OFF, room.clock.now()))
    assert kinds(room)[-1] == ("alarm.raised", "vitals.sensor_off")
    assert kinds(room, "device.")[-1] == ("device.sensor_off", None)


def test_stale_data_raises_a_technical_alarm(room):
    feed(room, "heart_rate", 70, 3)
    room.clock.advance(16)
    room.tick()
    assert kinds(room) == [("alarm.raised", "heart_rate.stale")]
    feed(room, "heart_rate", 70)
    assert kinds(room)[-1] == ("alarm.cleared", "heart_rate.stale")


def test_alarms_are_armed_only_during_a_session(tmp_path):
    r = make_room(tmp_path)
    feed(r, "spo2", 70, 30)
    assert kinds(r) == []
    r.close()


def test_closing_the_session_clears_the_board(room):
    feed(room, "nibp_systolic", 200)
    room.command("abort_session", NURSE, reason="hypertensive")
    assert kinds(room)[-1] == ("alarm.cleared", "nibp_systolic.high")
    assert room.snapshot().alarms == ()


def test_raised_alarms_survive_a_restart(tmp_path):
    r = make_room(tmp_path)
    walk_to(r, "infusing")
    feed(r, "heart_rate", 150, 12)
    alarm_id = r.snapshot().alarms[0].alarm_id
    r.close()
    again = Room(RoomConfig(), tmp_path, r.clock)
    assert [a.alarm_id for a in again.snapshot().alarms] == [alarm_id]
    again.command("acknowledge_alarm", NURSE, alarm_id=alarm_id)
    again.close()


def test_numerics_stored_at_most_once_a_second_and_every_nibp(room):
    feed(room, "heart_rate", 72, 10, step=0.25)      # 40 readings over 10 s
    feed(room, "nibp_systolic", 130, 1)
    feed(room, "nibp_systolic", 131, 1, step=0.5)
    room.vitals.flush()
    hr = list(read_vitals(room.db, kind="heart_rate"))
    assert 9 <= len(hr) <= 11
    assert [r["value"] for r in read_vitals(room.db, kind="nibp_systolic")] == [130, 131, 131]
    assert all(r["session_id"] == room.state.session.session_id for r in hr)


def test_baseline_from_live_readings(tmp_path):
    r = make_room(tmp_path)
    walk_to(r, "pre_infusion")
    with pytest.raises(Refused, match="no live heart rate, SpO2, NIBP"):
        r.command("capture_baseline", NURSE)
    for hr, spo2 in [(70, 97), (90, 98), (72, 99), (74, 98), (200, 50)]:
        feed(r, "heart_rate", hr)
        feed(r, "spo2", spo2)
    r.clock.advance(1)
    feed(r, "nibp_systolic", 128)
    feed(r, "nibp_diastolic", 82)
    [event] = r.command("capture_baseline", NURSE)
    assert event.payload == {"heart_rate": 74, "spo2": 98, "nibp_systolic": 128, "nibp_diastolic": 82,
                             "source": "monitor"}
    r.close()


def test_an_oximeter_pulse_rate_is_guarded_by_the_heart_rate_limits(room):
    feed(room, "pulse_rate", 35, 12)
    assert kinds(room) == [("alarm.raised", "pulse_rate.low")]
    feed(room, "pulse_rate", 70, 1)
    assert kinds(room)[-1] == ("alarm.cleared", "pulse_rate.low")


def test_a_device_lost_before_the_session_alarms_when_it_opens(tmp_path):
    r = make_room(tmp_path)
    r.post_health(HealthChange("vitals", Health.LOST, r.clock.now(), "unplugged"))
    r.post_health(HealthChange("lighting", Health.LOST, r.clock.now(), "unplugged"))
    assert kinds(r) == []
    walk_to(r, "pre_infusion")
    assert kinds(r) == [("alarm.raised", "vitals.lost")]  # the light is logged as lost, never sounded
    r.clock.advance(600)
    r.tick()
    assert [k for k in kinds(r) if k[0] == "alarm.escalated"] == []  # technical alarms do not escalate
    r.close()


def test_the_snapshot_carries_what_each_vitals_tile_shows(room):
    feed(room, "spo2", 85, 16)
    feed(room, "perfusion_index", 0.4)
    tiles = room.snapshot().tiles
    assert (tiles["spo2"].value, tiles["spo2"].note, tiles["spo2"].priority) == ("85", "PI 0.4", "high")
    assert (tiles["hr"].value, tiles["hr"].note, tiles["hr"].alarm) == ("--", "waiting for the monitor", None)
    assert tiles["nibp"].value == "--/--"


def test_monitoring_takes_its_alarm_ids_from_the_caller():
    ids = iter(["x1", "x2"])
    m = Monitoring(AlarmRules(limits={}), new_id=lambda: next(ids))
    now = datetime(2025, 1, 1, tzinfo=UTC)
    logged, (kind, payload) = m.health(HealthChange("vitals", Health.LOST, now), now, armed=True)
    assert logged[0] == "device.lost" and kind == "alarm.raised" and payload["alarm_id"] == "x1"
