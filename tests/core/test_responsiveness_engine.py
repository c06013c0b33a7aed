"""The "tap if you're OK" check in the room under the shipped protocols: asked on the protocol's schedule with the
chime's event, a miss raising the medium alarm "No response to the check (2 min)" for the nurse and the station, a
late tap clearing it, a nurse's acknowledgement closing the check; nothing while paused or after the window; a
restart mid-check resumes it."""

from __future__ import annotations

from dataclasses import replace

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig, load_config
from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols
from roomcontrol.domain import kinds as K
from roomcontrol.domain.wording import describe
from roomcontrol.engine.live_state import live_state
from roomcontrol.engine.room import Room
from tests.core.helpers import NURSE, draw_devices, make_room, walk_to

QUESTION = "No response to the check (2 min)"


def run(room: Room, seconds: int) -> None:
    for _ in range(seconds):
        room.clock.advance(1)
        room.tick()


def kinds(room: Room) -> list[str]:
    return [e.kind for e in room.log.events() if e.kind.startswith(("responsiveness.", "alarm."))]


def depression_room(tmp_path, clock=None) -> Room:
    return make_room(tmp_path, load_config(None), clock)


def test_a_missed_check_raises_a_medium_alarm_and_a_late_tap_clears_it(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 9 * 60 + 59)
    assert kinds(room) == []
    run(room, 1)  # 10 min into the infusion
    assert kinds(room) == [K.RESPONSIVENESS_ASKED] and room.state.session.check.waiting
    run(room, 119)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED]
    run(room, 1)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_MISSED, K.ALARM_RAISED]
    alarm = room.monitoring.board.for_condition("responsiveness")
    assert (alarm.priority, alarm.text) == ("medium", QUESTION)
    snap = room.snapshot()
    assert snap.audible is alarm  # the room's tone, as every alarm
    station = live_state(snap)["alarms"]
    assert [(a["priority"], a["text"]) for a in station] == [("medium", QUESTION)]
    run(room, 20)
    events = room.command("answer_check", "patient")
    assert [(e.kind, e.actor) for e in events] == [(K.RESPONSIVENESS_ANSWERED, "patient")]
    assert events[0].payload == {"check": 1, "after_s": 140.0, "late": True}
    last = list(room.log.events())[-1]
    assert (last.kind, last.actor, last.payload["reason"]) == (K.ALARM_CLEARED, "system", "the patient answered the check")
    assert not room.monitoring.board.active and not room.state.session.check.waiting
    assert describe(events[0]) == "Check 1 answered by the patient after 2 min 20 s (after the alarm)"


def test_a_tap_in_time_answers_and_the_next_check_comes_every_10_min(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 10 * 60 + 5)
    assert room.command("answer_check", "patient")[0].payload == {"check": 1, "after_s": 5.0, "late": False}
    run(room, 10 * 60 - 6)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_ANSWERED]
    run(room, 1)
    asked = [e for e in room.log.events() if e.kind == K.RESPONSIVENESS_ASKED]
    assert [e.payload["check"] for e in asked] == [1, 2]
    assert describe(asked[0]) == 'Check 1 asked: "If you\'re OK, tap anywhere"'


def test_the_nurse_acknowledging_the_alarm_has_checked_the_patient(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 12 * 60)
    assert room.monitoring.board.for_condition("responsiveness") is not None
    events = room.command("acknowledge_alarm", NURSE, condition="responsiveness")
    assert [e.kind for e in events] == [K.ALARM_ACKNOWLEDGED, K.ALARM_CLEARED]
    assert not room.state.session.check.waiting and not room.monitoring.board.active
    missed = next(e for e in room.log.events() if e.kind == K.RESPONSIVENESS_MISSED)
    assert describe(missed) == "Check 1 missed: no tap within 2 min 00 s"


def test_nothing_is_asked_or_missed_while_paused_nor_after_the_infusion(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 10 * 60)  # asked
    room.command("pause_infusion", NURSE, reason="bathroom")
    run(room, 15 * 60)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED]
    room.command("resume_infusion", NURSE)
    run(room, 119)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED]  # the answer clock restarted at the resume
    room.command("answer_check", "patient")
    room.command("stop_infusion", NURSE, reason="patient asked")
    run(room, 30 * 60)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_ANSWERED]


def test_a_room_without_a_protocol_asks_nothing_and_refuses_a_tap(tmp_path):
    import pytest
    from roomcontrol.domain.errors import Refused
    room = make_room(tmp_path, RoomConfig())
    walk_to(room, "infusing")
    run(room, 30 * 60)
    assert kinds(room) == []
    with pytest.raises(Refused, match="no check is waiting"):
        room.command("answer_check", "patient")


def test_esketamine_checks_through_recovery_until_discharge(tmp_path):
    errors: list[str] = []
    base = RoomConfig()
    config = replace(base, session=replace(base.session, protocols=load_protocols(("esketamine-nasal",), SHIPPED_DIR,
                                                                                   errors)))
    room = make_room(tmp_path, config)
    room.command("open_session", NURSE, patient_ref="PT-9", weight_kg=70, dose_mg=56)
    for item in ("consent", "escort", "medications_reviewed", "identity_confirmed"):
        room.command("confirm_checklist", NURSE, item=item)
    room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=125, nibp_diastolic=80)
    draw_devices(room)
    room.command("start_infusion", NURSE)
    run(room, 5 * 60)
    room.command("complete_infusion", NURSE)
    run(room, 10 * 60)
    assert kinds(room) == [K.RESPONSIVENESS_ASKED]  # 15 min after the first device, in recovery
    room.command("answer_check", "patient")
    run(room, 15 * 60)
    assert kinds(room)[-1] == K.RESPONSIVENESS_ASKED


def test_a_restart_mid_check_resumes_it_and_its_deadline_counts_from_the_ask(tmp_path):
    clock = FakeClock()
    room = depression_room(tmp_path, clock)
    walk_to(room, "infusing")
    run(room, 10 * 60 + 90)  # asked 90 s ago
    room.close()
    again = depression_room(tmp_path, clock)  # the crash and restart
    assert again.state.session.check.waiting and again.state.session.check.asked == 1
    run(again, 29)
    assert kinds(again) == [K.RESPONSIVENESS_ASKED]
    run(again, 1)  # 120 s after the ask, not after the restart
    assert kinds(again) == [K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_MISSED, K.ALARM_RAISED]
    again.close()
    third = depression_room(tmp_path, clock)
    assert third.monitoring.board.for_condition("responsiveness").text == QUESTION
    run(third, 5)
    assert kinds(third).count(K.RESPONSIVENESS_MISSED) == 1  # no second miss after the restart
    assert third.command("answer_check", "patient")[0].payload["late"] is True
    assert not third.monitoring.board.active
    third.close()


def test_a_tap_first_catches_the_rooms_timers_up(tmp_path):
    """A scenario played at 600× ticks every 10 room-minutes: the patient's scripted tap still finds the check."""
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    room.clock.advance(10 * 60 + 30)  # no tick in between
    [answered] = room.command("answer_check", "patient")
    assert kinds(room) == [K.RESPONSIVENESS_ASKED, K.RESPONSIVENESS_ANSWERED] and answered.payload["after_s"] == 0
