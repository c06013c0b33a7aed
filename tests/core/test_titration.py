"""Titration (issue #15, item 5): `change_rate` while infusing or paused, inside the dose bounds (a high rate needs
the high-dose confirmation), logged as infusion.rate_changed; the dose given summed exactly over the rate segments
and pauses, kept by the session's fold on replay."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import commands as D
from roomcontrol.domain import session as S
from roomcontrol.domain.dose import (HIGH_DOSE_UNCONFIRMED, HighRateUnconfirmed, Segment, checked_rate, given_over,
                                     rate_dose_per_kg, rerated)
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.session import replay
from roomcontrol.domain.wording import describe
from tests.core.helpers import NURSE, OPEN_ARGS, make_room, walk_to

# OPEN_ARGS: 80 kg × 0.5 mg/kg = 40 mg over 40 min = 60 mg/h; soft maximum 1 mg/kg = 120 mg/h, hard 2 mg/kg = 240


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    yield r
    r.close()


def test_a_rate_change_while_infusing_is_logged_and_the_dose_is_summed_over_the_segments(room):
    walk_to(room, "infusing")
    room.clock.advance(10 * 60)                      # 10 min at 60 mg/h = 10 mg
    room.command("change_rate", NURSE, rate_mg_per_h=30, reason="dissociation too deep")
    changed = list(room.log.events())[-1]
    assert changed.kind == "infusion.rate_changed" and changed.actor == NURSE
    assert changed.payload == {"from_mg_per_h": 60.0, "to_mg_per_h": 30.0, "reason": "dissociation too deep",
                               "at_infused_s": 600.0}
    assert describe(changed) == "Rate changed from 60 to 30 mg/h after 10 min 00 s infused: dissociation too deep"
    room.clock.advance(20 * 60)                      # 20 min at 30 mg/h = 10 mg
    room.command("pause_infusion", NURSE, reason="bathroom")
    room.clock.advance(15 * 60)                      # a pause gives nothing
    room.command("change_rate", NURSE, rate_mg_per_h=90, reason="patient comfortable")  # paused: set for the resume
    room.command("resume_infusion", NURSE)
    room.clock.advance(10 * 60)                      # 10 min at 90 mg/h = 15 mg
    s = room.state.session
    assert s.rate_mg_per_h == 90.0 and s.given_mg(room.clock.now()) == 35.0
    assert [(seg.rate_mg_per_h, seg.planned) for seg in s.segments] == [(60.0, True), (30.0, False), (90.0, False)]
    room.command("complete_infusion", NURSE)
    s = room.state.session
    assert all(seg.end is not None for seg in s.segments) and s.given_mg(room.clock.now() + timedelta(hours=1)) == 35
    assert replay(list(room.log.events())).session == s   # the fold keeps the segments on replay


def test_the_rate_change_is_refused_outside_the_infusion_and_outside_the_bounds(room):
    walk_to(room, "pre_infusion")
    with pytest.raises(Refused, match="the session is pre-infusion; this needs it infusing or paused"):
        room.command("change_rate", NURSE, rate_mg_per_h=30, reason="x")
    room.close()


@pytest.mark.parametrize("args, match", [
    ({"rate_mg_per_h": 0, "reason": "x"}, "the new rate must be a number of mg/h above 0"),
    ({"rate_mg_per_h": -5, "reason": "x"}, "above 0"),
    ({"rate_mg_per_h": float("nan"), "reason": "x"}, "above 0"),
    ({"rate_mg_per_h": float("inf"), "reason": "x"}, "above 0"),
    ({"rate_mg_per_h": 250, "reason": "x"},
     r"250 mg/h over the planned 40 min is 2.083 mg/kg, above the hard maximum of 2 mg/kg \(at most 240.00 mg/h\)"),
    ({"rate_mg_per_h": 250, "reason": "x", "high_dose_confirmed": True}, "above the hard maximum"),
    ({"rate_mg_per_h": 30, "reason": "  "}, "a reason for the rate change is required"),
    ({"rate_mg_per_h": 60, "reason": "same"}, "the infusion already runs at 60 mg/h"),
    ({"rate_mg_per_h": "fast", "reason": "x"}, "rate_mg_per_h must be a number"),
])
def test_bad_rates_are_refused_naming_the_rule_and_nothing_is_logged(room, args, match):
    walk_to(room, "infusing")
    before = list(room.log.events())
    with pytest.raises(Refused, match=match):
        room.command("change_rate", NURSE, **args)
    assert list(room.log.events()) == before and room.state.session.rate_mg_per_h == 60.0


def test_a_high_rate_needs_the_high_dose_confirmation_and_logs_who_gave_it(room):
    walk_to(room, "paused")
    with pytest.raises(HighRateUnconfirmed) as refused:
        room.command("change_rate", NURSE, rate_mg_per_h=150, reason="pain not controlled")
    assert refused.value.code == HIGH_DOSE_UNCONFIRMED
    assert "150 mg/h over the planned time is 1.25 mg/kg, above the clinic's usual maximum of 1 mg/kg" in str(
        refused.value)
    room.command("change_rate", NURSE, rate_mg_per_h=150, reason="pain not controlled", high_dose_confirmed=True)
    confirmed, changed = list(room.log.events())[-2:]
    assert confirmed.kind == "dose.high_confirmed" and confirmed.actor == NURSE
    assert confirmed.payload == {"dose_mg_per_kg": 1.25, "total_dose_mg": 100.0, "rate_mg_per_h": 150.0,
                                 "soft_max_mg_per_kg": 1.0}
    assert changed.kind == "infusion.rate_changed" and changed.payload["to_mg_per_h"] == 150.0
    room.command("change_rate", NURSE, rate_mg_per_h=120, reason="back to the usual maximum")  # at the soft max: no ask
    assert list(room.log.events())[-1].kind == "infusion.rate_changed"


def test_checked_rate_and_segment_arithmetic():
    plan, policy = {"weight_kg": 80, "planned_infusion_min": 40}, SessionPolicy()
    assert checked_rate(120, plan, policy) == (120.0, False) and checked_rate(121, plan, policy) == (121.0, True)
    with pytest.raises(Refused, match="above 0"):
        checked_rate(True, plan, policy)
    t0 = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)
    segs = (Segment(t0, 60.0, t0 + timedelta(minutes=10)), Segment(t0 + timedelta(minutes=20), 30.0, planned=False))
    assert given_over(segs, t0 + timedelta(minutes=30)) == 15.0
    assert given_over(segs, t0) == 10.0  # an open segment before its start gives nothing
    assert [s.rate_mg_per_h for s in rerated(segs, 45.0)] == [45.0, 30.0]


def test_a_corrected_plan_re_rates_the_prescribed_segments_until_the_first_change(room):
    walk_to(room, "infusing")
    opened = next(e for e in list(room.log.events()) if e.kind == "session.opened")
    room.clock.advance(10 * 60)
    room.command("correct_event", NURSE, seq=opened.seq, reason="weight mistyped", changes={"weight_kg": 100})
    s = room.state.session
    assert s.rate_mg_per_h == 75.0 and s.given_mg(room.clock.now()) == 12.5  # 10 min at the corrected 75 mg/h
    room.command("change_rate", NURSE, rate_mg_per_h=50, reason="nausea")
    room.clock.advance(6 * 60)
    room.command("correct_event", NURSE, seq=opened.seq, reason="dose", changes={"dose_mg_per_kg": 0.6})
    s = room.state.session
    assert s.rate_mg_per_h == 50.0 and s.given_mg(room.clock.now()) == 17.5  # titrated: the changes stand
    assert replay(list(room.log.events())).session == s


def test_a_rate_change_cannot_be_corrected_only_followed_by_another(room):
    walk_to(room, "infusing")
    room.command("change_rate", NURSE, rate_mg_per_h=30, reason="nausea")
    seq = list(room.log.events())[-1].seq
    with pytest.raises(Refused, match=r"cannot be corrected: it records the rate the pump ran at"):
        room.command("correct_event", NURSE, seq=seq, reason="typo", changes={"to_mg_per_h": 40})


# -- property: random start/pause/resume/rate change/complete at random times, folded as the engine does ------
T0 = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)
POLICY = SessionPolicy()
ACTS = st.one_of(
    st.just(C.PauseInfusion(reason="break")), st.just(C.ResumeInfusion()), st.just(C.CompleteInfusion()),
    st.just(C.StopInfusion(reason="early")),
    st.builds(lambda r, ok: C.ChangeRate(rate_mg_per_h=r, reason="titrate", high_dose_confirmed=ok),
              st.one_of(st.integers(1, 260).map(float), st.floats(0.5, 260, allow_nan=False)), st.booleans()),
)
STEPS = st.lists(st.tuples(ACTS, st.integers(0, 900)), max_size=30)


def _open(weight: int) -> S.RoomState:
    state, seq = S.RoomState(), 0
    for kind, payload in (("session.opened", {"patient_ref": "PT-1", "course_no": 1, "weight_kg": weight,
                                              "dose_mg_per_kg": 0.5, "total_dose_mg": weight * 0.5,
                                              "planned_infusion_min": 40, "rate_mg_per_h": weight * 0.75}),
                          ("infusion.started", {"rate_mg_per_h": weight * 0.75})):
        seq += 1
        state = S.apply(state, Event(seq, f"e{seq}", "room-1", "s1", T0, kind, NURSE, payload))
    return state


@settings(max_examples=150, deadline=None)
@given(weight=st.integers(40, 150), steps=STEPS, tail=st.integers(0, 600))
def test_the_dose_given_equals_a_brute_force_integration_and_never_passes_the_bound(weight, steps, tail):
    state, now, seq = _open(weight), T0, 2
    plan = state.session.plan
    rates = {0: weight * 0.75}   # second → the rate that runs from it (None: not running), for the brute force
    running = True
    for act, wait in steps:
        now += timedelta(seconds=wait)
        try:
            new = D.decide(state, act, NURSE, now, POLICY, lambda: "s2")
        except Refused:
            continue
        high = [n for n in new if n.kind == "infusion.rate_changed"
                and rate_dose_per_kg(n.payload["to_mg_per_h"], plan) > POLICY.soft_max_dose_mg_per_kg]
        assert not high or (act.high_dose_confirmed and new[0].kind == "dose.high_confirmed")
        for n in new:
            seq += 1
            state = S.apply(state, Event(seq, f"e{seq}", "room-1", n.session_id, now, n.kind, n.actor, n.payload))
        s = state.session
        running = s.running_since is not None
        rates[int((now - T0).total_seconds())] = s.rate_mg_per_h if running else None
    end = now + timedelta(seconds=tail)
    s = state.session
    brute, rate = 0.0, None
    for second in range(int((end - T0).total_seconds())):  # one second at a time, whole-second times: exact
        rate = rates.get(second, rate)
        brute += (rate or 0.0) / 3600.0
    assert s.given_mg(end) == pytest.approx(round(brute, 2), abs=0.011)
    hard_rate = POLICY.bounds.dose_mg_per_kg.high * weight * 60.0 / 40.0
    assert s.given_mg(end) <= round(hard_rate * s.infusion_elapsed_s(end) / 3600.0, 2) + 0.01
    assert sum(seg.running_s(end) for seg in s.segments) == pytest.approx(s.infusion_elapsed_s(end))
    assert all(rate_dose_per_kg(seg.rate_mg_per_h, plan) <= POLICY.bounds.dose_mg_per_kg.high for seg in s.segments)
