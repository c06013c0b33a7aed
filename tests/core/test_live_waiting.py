"""What a room waits on the nurse for, in its live state for the station (docs/STATION.md `waiting`, issue #15 items
3 and 4): a pre-dose hold says the readings and the limit until she decides (delay keeps it, dim; proceed ends it),
an OK-check asked counts its age until the patient taps (a miss leaves it to the alarm); each start, change and end
is a change in substance (sent at once), an age alone is not; a restart keeps both; the hub relays the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roomcontrol.config import load_config
from roomcontrol.domain.advisories import Finding
from roomcontrol.domain.protocol import Advisory
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.domain.waiting import clock, limit, pre_dose_text, waiting
from roomcontrol.engine.live_state import live_state, substance
from roomcontrol.engine.room import Room
from roomcontrol.sync.hub import live_messages as M
from tests.core.helpers import CHECKLIST, NURSE, OPEN_ARGS, make_room, walk_to

HIGH_BP = dict(heart_rate=72, spo2=98, nibp_systolic=186, nibp_diastolic=112)
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def depression_room(tmp_path, clock_=None) -> Room:
    return make_room(tmp_path, load_config(None), clock_)  # the shipped ketamine-depression protocol


def ready(room: Room, baseline=HIGH_BP) -> None:
    room.command("open_session", NURSE, **OPEN_ARGS)
    for item, extra in CHECKLIST:
        room.command("confirm_checklist", NURSE, item=item, **extra)
    room.command("record_baseline", NURSE, **baseline)


def run(room: Room, seconds: int) -> None:
    for _ in range(seconds):
        room.clock.advance(1)
        room.tick()


def waits(room: Room) -> list[dict]:
    return live_state(room.snapshot())["waiting"]


def test_a_pre_dose_hold_waits_for_the_decision_delay_keeps_it_dim_and_proceed_ends_it(tmp_path):
    room = depression_room(tmp_path)
    ready(room)
    before = live_state(room.snapshot())
    assert before["waiting"] == [{
        "key": "pre_dose:pre-dose-bp", "what": "pre_dose", "state": "decision_needed",
        "text": "Pre-dose BP 186/112 > 160/100 — decision needed", "since": None, "age_s": None,
        "prompt": "Pre-dose BP 186/112 > 160/100 — decision needed"}]
    room.command("decide_pre_dose", NURSE, decision="delay")
    delayed = live_state(room.snapshot())
    assert [(w["state"], w["prompt"]) for w in delayed["waiting"]] == [
        ("delayed", "Pre-dose BP 186/112 > 160/100 — delayed, recheck")]
    assert substance(delayed) != substance(before)
    room.close()
    room = depression_room(tmp_path)  # a restart: the decision is in the log, the baseline too
    assert [w["state"] for w in waits(room)] == ["delayed"]
    room.command("decide_pre_dose", NURSE, decision="proceed", reason="white-coat; 2nd reading falling")
    after = live_state(room.snapshot())
    assert after["waiting"] == [] and substance(after) != substance(delayed)
    room.close()


def test_each_broken_rule_is_a_line_and_a_new_reading_changes_the_words(tmp_path):
    room = depression_room(tmp_path)
    ready(room)
    first = live_state(room.snapshot())
    at = room.clock.now()
    for kind, value in (("heart_rate", 118), ("nibp_systolic", 172), ("nibp_diastolic", 104)):
        room.post_reading(Reading(kind, value, UNITS[kind], at, source="test"))
    room.tick()
    second = live_state(room.snapshot())
    assert [w["prompt"] for w in second["waiting"]] == [
        "Pre-dose BP 172/104 > 160/100 — decision needed", "Pre-dose HR 118 > 110 — decision needed"]
    assert substance(second) != substance(first)  # other numbers: sent at once
    room.close()


def test_nothing_waits_without_a_session_or_within_the_limits(tmp_path):
    room = depression_room(tmp_path)
    assert waits(room) == []
    ready(room, baseline=dict(heart_rate=72, spo2=98, nibp_systolic=124, nibp_diastolic=78))
    assert waits(room) == []
    room.command("abort_session", NURSE, reason="test")
    assert waits(room) == []
    room.close()


def test_an_ok_check_asked_counts_its_age_until_the_tap_without_resending(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 600)  # the protocol asks every 10 min of the infusion
    asked = live_state(room.snapshot())
    [w] = asked["waiting"]
    assert (w["key"], w["what"], w["state"], w["text"], w["age_s"]) == ("ok_check#1", "ok_check", "asked",
                                                                          "OK-check asked", 0.0)
    assert w["since"] == asked["sent_at"]
    run(room, 45)
    later = live_state(room.snapshot())
    assert later["waiting"][0]["prompt"] == "OK-check asked 0:45 ago" and later["waiting"][0]["age_s"] == 45.0
    assert substance(later) == substance(asked)  # an age is the heartbeat's, not a change
    room.close()
    room = depression_room(tmp_path, room.clock)  # a restart mid-check: still asked, the age from the log
    assert waits(room)[0]["prompt"] == "OK-check asked 0:45 ago"
    room.command("answer_check", "patient")
    answered = live_state(room.snapshot())
    assert answered["waiting"] == [] and substance(answered) != substance(later)
    room.close()


def test_a_missed_ok_check_leaves_the_list_to_its_alarm(tmp_path):
    room = depression_room(tmp_path)
    walk_to(room, "infusing")
    run(room, 600 + 120)
    state = live_state(room.snapshot())
    assert state["waiting"] == []
    assert [a["condition"] for a in state["alarms"]] == ["responsiveness"]
    room.close()


def test_the_hub_relays_the_waits_as_the_room_sent_them(tmp_path):
    room = depression_room(tmp_path)
    ready(room)
    state = live_state(room.snapshot())
    relayed = M.RoomMessage.validate_python(state).model_dump(mode="json")
    assert relayed["waiting"] == state["waiting"] and relayed["v"] == 1
    room.close()


def rule(**limits) -> Advisory:
    values = dict(above=None, below=None, diastolic_above=None) | limits
    return Advisory("r", "pre_dose", values.pop("vital", "nibp"), readings=1, within_min=None, sustained_s=None,
                    says="", **values)


@pytest.mark.parametrize(("advisory", "sample", "words"), [
    (rule(above=180, diastolic_above=110), {"nibp_systolic": 150, "nibp_diastolic": 115}, "> 180/110"),
    (rule(diastolic_above=100), {"nibp_systolic": 150, "nibp_diastolic": 105}, "diastolic > 100"),
    (rule(above=160, below=90), {"nibp_systolic": 85, "nibp_diastolic": 50}, "< 90"),
    (rule(vital="heart_rate", above=110), {"value": 118}, "> 110"),
    (rule(vital="spo2", below=92), {"value": 89}, "< 92"),
])
def test_the_limit_is_the_side_the_reading_broke(advisory, sample, words):
    assert limit(Finding(advisory, ((T0, sample),))) == words


def test_the_words_name_the_vital_as_the_room_does_and_the_age_in_minutes():
    found = Finding(rule(vital="spo2", below=92), ((T0, {"value": 89}),))
    assert pre_dose_text(found, None) == "Pre-dose SpO₂ 89 % < 92 — decision needed"
    assert pre_dose_text(found, "delay") == "Pre-dose SpO₂ 89 % < 92 — delayed, recheck"
    assert (clock(0), clock(45.9), clock(3725)) == ("0:00", "0:45", "62:05")
    assert waiting(None, [found]) == ()  # no open session: nothing waits
