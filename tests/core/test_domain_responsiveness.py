"""The "tap if you're OK" check's rules (roomcontrol.domain.responsiveness) and its protocol keys: when a check is
asked (every N min from the anchor, from the last check or the last resume), when it is missed (the answer time; a
pause stops that clock), never while paused or outside its window, and the fold a restart resumes from."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain import responsiveness as R
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.protocol import ProtocolError, ResponsivenessCheck, parse_protocol
from roomcontrol.domain.session import Pause, Session

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
EVERY_10 = ResponsivenessCheck(10, 120, "dose", "recovery")
TO_DISCHARGE = ResponsivenessCheck(15, 90, "recovery", "discharge")


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def infusing(**changes) -> Session:
    s = Session("s1", at(-10), "PT-1", 1, {"planned_infusion_min": 40}, phase="infusing", infusion_started_at=T0,
                running_since=T0)
    return replace(s, **changes)


def asked(s: Session, when: datetime) -> Session:
    return replace(s, check=R.fold(s.check, K.RESPONSIVENESS_ASKED, {}, when))


def test_a_check_is_asked_every_n_minutes_from_the_start_of_dosing_and_from_the_last_one():
    s = infusing()
    assert R.due(EVERY_10, s, at(9, 59)) == []
    assert R.due(EVERY_10, s, at(10)) == [(K.RESPONSIVENESS_ASKED, {"check": 1, "answer_within_s": 120,
                                                                     "every_min": 10})]
    s = replace(asked(s, at(10)), check=R.fold(asked(s, at(10)).check, K.RESPONSIVENESS_ANSWERED, {}, at(10, 5)))
    assert R.due(EVERY_10, s, at(19, 59)) == []
    assert R.due(EVERY_10, s, at(20))[0][1]["check"] == 2


def test_no_tap_within_the_answer_time_is_a_miss_once():
    s = asked(infusing(), at(10))
    assert R.due(EVERY_10, s, at(11, 59)) == []
    missed = R.due(EVERY_10, s, at(12))
    assert missed == [(K.RESPONSIVENESS_MISSED, {"check": 1, "answer_within_s": 120, "waited_s": 120})]
    s = replace(s, check=R.fold(s.check, K.RESPONSIVENESS_MISSED, {}, at(12)))
    assert s.check.missed and s.check.misses == 1 and s.check.waiting
    assert R.due(EVERY_10, s, at(30)) == []  # no second miss, and no new check over an open one


def test_nothing_while_paused_and_a_pause_restarts_the_answer_clock_and_the_interval():
    s = asked(infusing(), at(10))
    paused = replace(s, phase="paused", running_since=None, pauses=(Pause(at(10, 30), "bathroom", paused_by="rn"),))
    assert R.due(EVERY_10, paused, at(20)) == []
    resumed = replace(paused, phase="infusing", running_since=at(15),
                      pauses=(Pause(at(10, 30), "bathroom", at(15), "rn", "rn"),))
    assert R.due(EVERY_10, resumed, at(16, 59)) == []  # 2 min from the resume, not from the ask
    assert R.due(EVERY_10, resumed, at(17))[0][0] == K.RESPONSIVENESS_MISSED
    answered = replace(resumed, check=R.fold(resumed.check, K.RESPONSIVENESS_ANSWERED, {}, at(15, 10)))
    assert R.due(EVERY_10, answered, at(24, 59)) == []  # the next one 10 min after the resume
    assert R.due(EVERY_10, answered, at(25))[0][0] == K.RESPONSIVENESS_ASKED


def test_the_window_before_dosing_after_it_and_to_discharge():
    assert R.due(EVERY_10, infusing(infusion_started_at=None, phase="pre_infusion"), at(30)) == []
    ended = infusing(infusion_ended_at=at(40), phase="recovery", recovery_started_at=at(40))
    assert R.due(EVERY_10, ended, at(60)) == []  # until = recovery
    assert R.due(TO_DISCHARGE, infusing(), at(30)) == []  # from = recovery: not yet
    assert R.due(TO_DISCHARGE, ended, at(55))[0][1]["answer_within_s"] == 90
    assert R.due(TO_DISCHARGE, replace(ended, phase="discharged"), at(55)) == []
    assert R.due(None, infusing(), at(30)) == [] and R.due(EVERY_10, None, at(30)) == []


def test_the_patients_tap_answers_the_open_check_and_says_how_long_it_took():
    s = asked(infusing(), at(10))
    assert R.answer(s, at(10, 6.5)) == (K.RESPONSIVENESS_ANSWERED, {"check": 1, "after_s": 6.5, "late": False})
    late = replace(s, check=R.fold(s.check, K.RESPONSIVENESS_MISSED, {}, at(12)))
    assert R.answer(late, at(13))[1]["late"] is True
    for nothing in (None, infusing(), replace(s, phase="discharged")):
        with pytest.raises(Refused, match="no check is waiting"):
            R.answer(nothing, at(11))


def test_the_nurse_acknowledging_the_missed_check_closes_it_other_alarms_do_not():
    c = R.fold(R.CheckState(), K.RESPONSIVENESS_ASKED, {}, at(10))
    c = R.fold(c, K.RESPONSIVENESS_MISSED, {}, at(12))
    assert R.fold(c, K.ALARM_ACKNOWLEDGED, {"condition": "spo2.low"}, at(13)) == c
    closed = R.fold(c, K.ALARM_ACKNOWLEDGED, {"condition": R.CONDITION}, at(13))
    assert not closed.waiting and not closed.missed and closed.asked == 1
    assert R.fold(c, K.NOTE_ADDED, {}, at(13)) == c


def test_the_alarm_says_the_answer_time():
    assert R.missed_text(120) == "No response to the check (2 min)"
    assert R.missed_text(90) == "No response to the check (90 s)"


BASE = {"id": "p", "version": 1, "title": "P", "session_type": "iv_infusion", "phases": {"infusion_min": 40,
        "min_recovery_min": 30}, "dose": {"mg_per_kg": 0.5, "soft_max_mg_per_kg": 1.0, "bounds_mg_per_kg": [0.1, 2]}}


def test_the_protocol_keys_are_read_with_defaults():
    assert parse_protocol(BASE, "p.toml").responsiveness is None
    p = parse_protocol({**BASE, "responsiveness": {"every_min": 10, "answer_within_s": 120}}, "p.toml")
    assert p.responsiveness == ResponsivenessCheck(10.0, 120, "dose", "discharge")


@pytest.mark.parametrize("table, problem", [
    ({"answer_within_s": 120}, "responsiveness.every_min: missing; must be a number from 1 to 120"),
    ({"every_min": 0.5, "answer_within_s": 120}, "responsiveness.every_min = 0.5: must be a number from 1 to 120"),
    ({"every_min": 10}, "responsiveness.answer_within_s: missing; must be a whole number from 15 to 600"),
    ({"every_min": 10, "answer_within_s": 5}, "responsiveness.answer_within_s = 5: must be a whole number from 15"),
    ({"every_min": 10, "answer_within_s": 120, "from": "start"},
     'responsiveness.from = "start": must be one of "dose", "recovery"'),
    ({"every_min": 10, "answer_within_s": 120, "until": "end"},
     'responsiveness.until = "end": must be one of "recovery", "discharge"'),
    ({"every_min": 10, "answer_within_s": 120, "from": "recovery", "until": "recovery"},
     'responsiveness.until = "recovery": must be "discharge" when from = "recovery"'),
    ({"every_min": 2, "answer_within_s": 120}, "responsiveness.answer_within_s = 120: must be shorter than every_min"),
    ({"every_min": 10, "answer_within_s": 120, "often": 1}, "responsiveness.often: unknown key"),
])
def test_a_wrong_responsiveness_key_is_named_with_what_is_allowed(table, problem):
    with pytest.raises(ProtocolError) as caught:
        parse_protocol({**BASE, "responsiveness": table}, "p.toml")
    assert any(line.startswith(problem) for line in caught.value.problems), caught.value.problems
