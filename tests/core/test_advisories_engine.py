"""Advisory rules acting in the room under the shipped protocols: pre-dose readings above the limits hold the start
until the nurse decides (proceed with a reason, delay, cancel = the session aborted), logged with who; during the
infusion two NIBP readings > 180/110 within 5 min (4 min apart, not 6) and HR > 120 for 2 min raise a medium
advisory alarm with the readings, never touching the pump; the nurse's response is logged and acknowledges it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from roomcontrol.config import RoomConfig, load_config
from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.domain.wording import describe
from roomcontrol.engine.live_state import live_state
from roomcontrol.engine.room import Room
from tests.core.helpers import CHECKLIST, NURSE, OPEN_ARGS, make_room, walk_to

HIGH_BP = dict(heart_rate=72, spo2=98, nibp_systolic=172, nibp_diastolic=104)


def post(room: Room, kind: str, value: float) -> None:
    room.post_reading(Reading(kind, value, UNITS[kind], room.clock.now(), source="test"))


def nibp(room: Room, sys_: float, dia: float) -> None:
    for kind, value in (("nibp_systolic", sys_), ("nibp_diastolic", dia), ("nibp_mean", (sys_ + 2 * dia) / 3)):
        post(room, kind, value)


def pain_room(tmp_path) -> Room:
    errors: list[str] = []
    base = RoomConfig()
    protocols = load_protocols(("ketamine-pain",), SHIPPED_DIR, errors)
    return make_room(tmp_path, replace(base, session=replace(base.session, protocols=protocols)))


def ready(room: Room, baseline=HIGH_BP, checks=CHECKLIST, open_args=OPEN_ARGS) -> None:
    room.command("open_session", NURSE, **open_args)
    for item, extra in checks:
        room.command("confirm_checklist", NURSE, item=item, **extra)
    room.command("record_baseline", NURSE, **baseline)


def advisory_alarms(room: Room):
    return [a for a in room.monitoring.board.by_priority() if a.condition.startswith("advisory:")]


# -- before the start ---------------------------------------------------------------------------------------------
def test_a_high_pre_dose_bp_holds_the_start_until_the_nurse_proceeds_with_a_reason(tmp_path):
    room = make_room(tmp_path, load_config(None))
    ready(room)
    assert [f.readings for f in room.snapshot().pre_dose] == ["BP 172/104"]
    with pytest.raises(Refused, match=r"Before the infusion starts: Blood pressure above 160/100 .* BP 172/104\. "
                                      "Decide first: proceed with a reason, delay or cancel"):
        room.command("start_infusion", NURSE)
    with pytest.raises(Refused, match="proceeding past a pre-dose advisory needs a reason"):
        room.command("decide_pre_dose", NURSE, decision="proceed", reason="  ")
    with pytest.raises(Refused, match="decision must be one of proceed, delay, cancel"):
        room.command("decide_pre_dose", NURSE, decision="go")
    [decided] = room.command("decide_pre_dose", NURSE, decision="proceed", reason="anxious; 2nd reading falling")
    assert (decided.kind, decided.actor) == (K.ADVISORY_PRE_DOSE_DECIDED, NURSE)
    assert decided.payload["advisories"] == ["pre-dose-bp"] and decided.payload["readings"]["nibp_systolic"] == 172
    assert describe(decided).startswith("Pre-dose advisory, decided to proceed: anxious; 2nd reading falling (")
    assert room.snapshot().pre_dose == ()
    assert room.command("start_infusion", NURSE)[0].kind == K.INFUSION_STARTED
    with pytest.raises(Refused, match="before the infusion starts"):
        room.command("decide_pre_dose", NURSE, decision="delay")


def test_delay_keeps_the_start_held_until_a_reading_within_the_limits(tmp_path):
    room = make_room(tmp_path, load_config(None))
    ready(room)
    room.command("decide_pre_dose", NURSE, decision="delay")
    with pytest.raises(Refused, match="Decide first"):
        room.command("start_infusion", NURSE)
    nibp(room, 150, 92)  # the recheck, from the monitor: newer than the baseline
    assert room.snapshot().pre_dose == ()
    with pytest.raises(Refused, match="within the protocol's pre-dose limits: nothing to decide"):
        room.command("decide_pre_dose", NURSE, decision="proceed", reason="x")
    assert room.command("start_infusion", NURSE)[0].kind == K.INFUSION_STARTED


def test_a_high_heart_rate_from_the_monitor_holds_the_start_too(tmp_path):
    room = make_room(tmp_path, load_config(None))
    ready(room, baseline=dict(heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80))
    post(room, "heart_rate", 118)
    assert [f.readings for f in room.snapshot().pre_dose] == ["HR 118"]
    with pytest.raises(Refused, match="Heart rate above 110"):
        room.command("start_infusion", NURSE)


def test_cancel_ends_the_session_in_the_same_record(tmp_path):
    room = make_room(tmp_path, load_config(None))
    ready(room)
    events = room.command("decide_pre_dose", NURSE, decision="cancel", reason="BP stays high; GP review")
    assert [(e.kind, e.actor) for e in events] == [(K.ADVISORY_PRE_DOSE_DECIDED, NURSE), (K.SESSION_ABORTED, NURSE)]
    assert events[1].payload["reason"] == "pre-dose advisory: BP stays high; GP review"
    assert room.state.phase == "aborted"


def test_a_room_without_a_protocol_starts_as_before(tmp_path):
    room = make_room(tmp_path, RoomConfig())
    ready(room, checks=CHECKLIST)
    assert room.snapshot().pre_dose == ()
    assert room.command("start_infusion", NURSE)[0].kind == K.INFUSION_STARTED


# -- during the infusion ------------------------------------------------------------------------------------------
def test_two_readings_above_180_110_four_minutes_apart_raise_a_medium_advisory(tmp_path):
    room = make_room(tmp_path, load_config(None))
    walk_to(room, "infusing")
    nibp(room, 186, 112)
    room.clock.advance(4 * 60)
    nibp(room, 184, 111)
    [alarm] = advisory_alarms(room)
    assert (alarm.condition, alarm.priority, alarm.value) == ("advisory:bp-high-twice", "medium", 184)
    assert alarm.text == ("Two readings above 180/110 within 5 min: consider pausing the infusion — "
                          "BP 186/112, 184/111 (4 min apart)")
    assert room.state.phase == "infusing"  # it never touches the pump
    assert not any(e.kind == K.INFUSION_PAUSED for e in room.log.events())
    assert alarm.text in [a["text"] for a in live_state(room.snapshot())["alarms"]]  # beside the NIBP limit alarms
    with pytest.raises(Refused, match="continuing past an advisory needs a reason"):
        room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="continued")
    with pytest.raises(Refused, match="pause the infusion first"):
        room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="paused")
    events = room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="continued",
                          reason="anxious, rechecking in 5 min")
    assert [e.kind for e in events] == [K.ADVISORY_RESPONDED, K.ALARM_ACKNOWLEDGED, K.ALARM_CLEARED]
    assert describe(events[0]) == "Advisory bp-high-twice answered, infusion continued: anxious, rechecking in 5 min"
    assert advisory_alarms(room) == []


def test_six_minutes_apart_is_no_advisory_and_a_pause_is_a_response(tmp_path):
    room = make_room(tmp_path, load_config(None))
    walk_to(room, "infusing")
    nibp(room, 186, 112)
    room.clock.advance(6 * 60)
    nibp(room, 184, 111)
    assert advisory_alarms(room) == []
    room.clock.advance(60)
    nibp(room, 190, 115)
    [alarm] = advisory_alarms(room)
    room.command("acknowledge_alarm", NURSE, alarm_id=alarm.alarm_id)
    room.command("pause_infusion", NURSE, reason="BP")
    [responded] = room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="paused")
    assert responded.payload == {"advisory": "bp-high-twice", "response": "paused", "reason": "", "alarm_id": None}
    with pytest.raises(Refused, match="no advisory 'hr-sustained' was raised"):
        room.command("respond_advisory", NURSE, advisory="hr-sustained", response="paused")
    with pytest.raises(Refused, match="response must be one of paused, continued"):
        room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="stopped")


def test_hr_above_120_for_two_minutes_in_the_pain_protocol(tmp_path):
    room = pain_room(tmp_path)
    ready(room, baseline=dict(heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80),
          checks=CHECKLIST + [("medications_reviewed", {})], open_args={**OPEN_ARGS, "dose_mg_per_kg": 1.0,
                                                                      "planned_infusion_min": 240})
    room.command("start_infusion", NURSE)
    for _ in range(120):
        post(room, "heart_rate", 128)
        room.clock.advance(1)
    assert advisory_alarms(room) == []
    post(room, "heart_rate", 129)
    [alarm] = advisory_alarms(room)
    assert alarm.text == "Heart rate above 120 for 2 min: consider pausing the infusion — HR 129 (above 120 for 2 min)"


def test_readings_before_the_start_and_after_the_session_are_not_watched(tmp_path):
    room = make_room(tmp_path, load_config(None))
    room.command("open_session", NURSE, **OPEN_ARGS)
    nibp(room, 190, 120)
    nibp(room, 190, 120)
    assert advisory_alarms(room) == []
    room.command("abort_session", NURSE, reason="x")
    assert room.advisories.watch is None
    with pytest.raises(Refused, match="no session is open"):
        room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="paused")


def test_a_restart_between_two_high_readings_still_advises_and_does_not_repeat_an_old_one(tmp_path):
    from roomcontrol.clock import FakeClock
    clock = FakeClock()
    room = make_room(tmp_path, load_config(None), clock)
    walk_to(room, "infusing")
    nibp(room, 186, 112)
    clock.advance(60)
    nibp(room, 187, 113)
    [first] = advisory_alarms(room)
    room.command("respond_advisory", NURSE, advisory="bp-high-twice", response="continued", reason="recheck")
    clock.advance(60)
    nibp(room, 188, 114)  # the first of a new pair
    room.close()  # the crash
    again = make_room(tmp_path, load_config(None), clock)
    assert advisory_alarms(again) == []  # the old pair is not advised again
    clock.advance(120)
    nibp(again, 186, 112)
    [second] = advisory_alarms(again)
    assert second.text.endswith("BP 188/114, 186/112 (2 min apart)")
    again.close()
