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


# -- issue #11: the nurse call, alarms seen as they are now, discharge with an alarm open ----------------------
from roomcontrol.cli.staff import add_staff  # noqa: E402
from roomcontrol.domain.alarms import AlarmView, alarm_views  # noqa: E402
from roomcontrol.engine.devices import RoomDevices  # noqa: E402
from roomcontrol.engine.staff import StaffGate  # noqa: E402
from roomcontrol.records.model import build_record  # noqa: E402
from tests.core.helpers import PADSS_10  # noqa: E402


def test_a_call_is_room_state_until_answered_and_survives_a_restart(tmp_path):
    r = make_room(tmp_path)
    with pytest.raises(Refused, match="no call from the patient is waiting"):
        r.command("answer_call", NURSE)
    walk_to(r, "infusing")
    r.command("call_nurse", "patient")
    r.clock.advance(30)
    r.command("call_nurse", "patient")  # pressed again while waiting: still the first call
    r.clock.advance(12)
    snap = r.snapshot()
    assert snap.call is not None and snap.call_waiting_s == 42 and snap.call.presses == 2
    r.close()
    again = Room(RoomConfig(), tmp_path, r.clock)  # a restart: the call is a fold of the log
    assert again.snapshot().call is not None and again.snapshot().call_waiting_s == 42
    [answered] = again.command("answer_call", NURSE)
    assert answered.kind == "nurse.call_answered" and answered.actor == NURSE
    assert answered.payload["response_s"] == 42 and answered.session_id == again.state.session.session_id
    assert again.snapshot().call is None
    with pytest.raises(Refused, match="no call"):
        again.command("answer_call", NURSE)
    again.close()


def test_an_acknowledged_alarm_shows_its_live_value_and_limits(room):
    feed(room, "spo2", 86, 16)
    alarm = room.snapshot().alarms[0]
    room.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    feed(room, "spo2", 84, 2)
    [view] = room.snapshot().alarm_views
    assert view.acknowledged and view.alarm.value == 86  # raised at 86: the raise value stays in the log
    assert (view.live, view.low, view.high) == (84, 90, None)  # … the screen shows the value now
    feed(room, "spo2", 83, 1)
    assert room.snapshot().alarm_views[0].live == 83
    tiles = room.snapshot().tiles
    assert (tiles["hr"].limits, tiles["spo2"].limits, tiles["nibp"].limits) == ("45–120", "≥ 90", "90–180 / 45–110")
    assert tiles["spo2"].acknowledged and not tiles["spo2"].alarming


def test_alarm_views_list_every_alarm_and_show_escalation(room):
    feed(room, "nibp_systolic", 200)
    feed(room, "spo2", 85, 16)
    views = room.snapshot().alarm_views
    assert [v.alarm.condition for v in views] == ["spo2.low", "nibp_systolic.high"]
    assert not any(v.escalated for v in views)
    feed(room, "spo2", 85, 61)
    views = room.snapshot().alarm_views
    assert [v.alarm.condition for v in views] == ["nibp_systolic.high", "spo2.low"]  # both high now, oldest first
    assert all(v.escalated for v in views) and views[0].alarm.priority == "high"  # medium → high
    assert views[0].live == 200  # NIBP: the last measurement stands


def test_live_value_is_none_for_technical_or_untrusted_values():
    from roomcontrol.domain.alarms import Alarm
    now = datetime(2025, 1, 1, tzinfo=UTC)
    lost = Alarm("a1", "vitals.lost", "medium", now)
    low = Alarm("a2", "spo2.low", "high", now, value=85)
    flagged = {"spo2": Reading("spo2", 80, "%", now, flags=frozenset({"artifact"}))}
    rules = RoomConfig().alarms
    assert alarm_views([lost, low], flagged, rules, now) == (AlarmView(lost), AlarmView(low, None, 90, None))


def recovery_with_high_alarm(tmp_path):
    add_staff(tmp_path, NURSE, "Ada Lee", "nurse", "2468")
    add_staff(tmp_path, "admin.grace", "Grace Hopper", "admin", "9753")
    r = make_room(tmp_path)
    gate = StaffGate(r)
    r.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    walk_to(r, "recovery")
    r.clock.advance(30 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    feed(r, "spo2", 85, 16)
    assert r.snapshot().alarms[0].priority == "high"
    return r, gate


def test_discharge_is_refused_with_an_active_high_alarm_and_an_admin_may_override(tmp_path):
    r, gate = recovery_with_high_alarm(tmp_path)
    with pytest.raises(Refused, match=r"cannot discharge: SpO2 low is still alarming \(high priority\)"):
        r.command("discharge", NURSE, escort_confirmed=True)
    alarm = r.snapshot().alarms[0]
    r.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)  # acknowledged, still active: still refused
    with pytest.raises(Refused, match="still alarming"):
        r.command("discharge", NURSE, escort_confirmed=True)
    with pytest.raises(Refused, match="only an administrator may override"):
        r.command("discharge", NURSE, escort_confirmed=True, override_reason="patient insists")
    r.command("unlock", "admin.grace", staff_id="admin.grace", pin="9753")
    with pytest.raises(Refused, match="a reason for discharging with the alarm open is required"):
        r.command("discharge", "admin.grace", escort_confirmed=True, override_reason="  ")
    events = r.command("discharge", "admin.grace", escort_confirmed=True,
                       override_reason="chronic low SpO2, documented by her physician")
    assert [e.kind for e in events][:2] == ["discharge.override", "session.discharged"]
    override = events[0]
    assert override.actor == "admin.grace" and override.payload["reason"].startswith("chronic low SpO2")
    assert [a["condition"] for a in override.payload["alarms"]] == ["spo2.low"]
    assert events[1].payload["open_alarms"] == [alarm.alarm_id]
    record = build_record(list(r.log.events(session_id=events[1].session_id)), [])
    [kept] = record.alarms
    assert kept.open_at_close and kept.clear_reason == (
        "OPEN at discharge (override by admin.grace: chronic low SpO2, documented by her physician)")
    r.close()


def test_a_medium_alarm_does_not_hold_discharge(tmp_path):
    add_staff(tmp_path, NURSE, "Ada Lee", "nurse", "2468")
    r = make_room(tmp_path)
    StaffGate(r)
    r.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    walk_to(r, "recovery")
    r.clock.advance(30 * 60)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    feed(r, "nibp_systolic", 185)
    r.command("discharge", NURSE, escort_confirmed=True)
    assert [e.kind for e in r.log.events()][-2:] == ["session.discharged", "alarm.cleared"]
    assert "discharge.override" not in [e.kind for e in r.log.events()]
    r.close()


class FakeAudio:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args, **kw: self.calls.append((name, *args))


def test_the_alarm_tone_sounds_while_locked_and_the_call_chime_repeats_until_answered(tmp_path):
    add_staff(tmp_path, NURSE, "Ada Lee", "nurse", "2468")
    r = make_room(tmp_path)
    gate = StaffGate(r)
    devices = RoomDevices(r, r.config, audio=False)
    devices.vitals.close()  # the test gives the readings
    devices.audio = audio = FakeAudio()
    r.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    walk_to(r, "infusing")
    r.command("lock", NURSE)
    assert gate.signed_in is None
    feed(r, "spo2", 84, 16)
    assert ("play_alarm", "high") in audio.calls  # locked: the tone sounds all the same
    alarm = r.snapshot().alarms[0]
    r.command("unlock", NURSE, staff_id=NURSE, pin="2468")
    r.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    r.tick()
    assert audio.calls[-1] == ("stop_alarm",)
    audio.calls.clear()
    r.command("call_nurse", "patient")
    assert audio.calls == [("play_call_chime",)]  # at once, not an alarm tone
    feed(r, "spo2", 97, 25)  # the alarm clears; 25 s go by
    assert audio.calls.count(("play_call_chime",)) == 3  # again every 10 s while it waits
    r.command("answer_call", NURSE)
    feed(r, "spo2", 97, 25)
    assert audio.calls.count(("play_call_chime",)) == 3 and not any(c[0] == "play_alarm" for c in audio.calls)
    devices.close()
    r.close()


def test_limits_and_response_times_in_few_words():
    from roomcontrol.domain.vitals.tiles import limit_text
    from roomcontrol.domain.wording import waited
    assert [limit_text(45, 120), limit_text(90, None), limit_text(None, 110), limit_text(None, None)] == \
        ["45–120", "≥ 90", "≤ 110", "off"]
    assert [waited(42), waited(185.4), waited(None)] == ["42 s", "3 min 05 s", "–"]


def test_the_call_chime_is_two_soft_falling_notes_not_an_alarm_burst():
    import numpy as np

    from roomcontrol.domain.tones import CALL_NOTES_HZ, call_chime_pcm, chime_pcm
    sr = 8000
    pcm = call_chime_pcm(sr)
    assert pcm.dtype == np.float32 and len(pcm) == 2 * sr
    assert abs(float(np.max(np.abs(pcm))) - 0.6) < 1e-6 < float(np.max(np.abs(chime_pcm(sr))) - 0.6)  # softer
    assert abs(float(pcm[-1])) < 1e-3  # ends in silence, no click

    def pitch(a, b):
        seg = pcm[int(a * sr):int(b * sr)]
        spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        return np.fft.rfftfreq(len(seg), 1 / sr)[int(np.argmax(spectrum))]
    high, low = pitch(0.05, 0.5), pitch(0.65, 1.3)
    assert abs(high - CALL_NOTES_HZ[0]) < 10 and abs(low - CALL_NOTES_HZ[1]) < 10 and high > low
