"""domain/schedule.py: each shipped protocol's vitals and scales items come due and overdue at the right minutes,
are satisfied by readings and scores inside their window (or a validated reading), keep going through pauses,
close as missed, and come out the same from a replay of the log."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import re

import pytest

from roomcontrol.domain.timefmt import iso_utc

from roomcontrol.config.protocols import SHIPPED_DIR, load_protocols
from roomcontrol.domain import kinds as K
from roomcontrol.domain import schedule as S
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.protocol import ProtocolError, parse_protocol
from roomcontrol.domain.session import INFUSING, PAUSED, RECOVERY, Pause, Session

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def protocol(pid: str):
    errors: list[str] = []
    (p,) = load_protocols((pid,), SHIPPED_DIR, errors)
    assert not errors
    return p


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def opened() -> Session:
    return Session("s1", T0, "P-1", 1, {"planned_infusion_min": 40})


def dosing(start: float = 10) -> Session:
    return replace(opened(), phase=INFUSING, infusion_started_at=at(start), running_since=at(start))


def recovering(start: float = 10, end: float = 50, recovery: float | None = None) -> Session:
    return replace(dosing(start), phase=RECOVERY, running_since=None, infusion_ended_at=at(end),
                   recovery_started_at=at(end if recovery is None else recovery))


def table(p, s: Session, record: S.Record, now: datetime) -> dict[str, tuple[str, datetime]]:
    return {i.key: (i.state, i.due_at) for i in S.items(p, s, record, now)}


def event(seq: int, kind: str, ts: datetime, payload: dict, actor: str = "rn.ada") -> Event:
    return Event(seq, f"e{seq}", "room-1", "s1", ts, kind, actor, payload)


# -- ketamine for depression --------------------------------------------------------------------------------------

def test_depression_before_dosing_asks_for_the_pre_dose_bp_and_phq9_and_nothing_timed():
    p = protocol("ketamine-depression")
    got = table(p, opened(), S.Record(), at(30))
    assert got == {"nibp@pre_dose": ("due", T0), "PHQ-9@pre_dose": ("due", T0)}  # an act, never "overdue"


def test_depression_bp_every_15_min_comes_due_then_overdue_after_the_5_min_grace():
    p, s = protocol("ketamine-depression"), dosing(10)
    assert table(p, s, S.Record(), at(24))["nibp@dose+15"] == ("upcoming", at(25))
    assert table(p, s, S.Record(), at(25))["nibp@dose+15"] == ("due", at(25))
    assert table(p, s, S.Record(), at(29.9))["nibp@dose+15"][0] == "due"
    late = {i.key: i for i in S.items(p, s, S.Record(), at(31))}["nibp@dose+15"]
    assert late.state == "overdue" and late.prompt(at(31)) == "BP overdue 6 min"
    # the pre-dose BP nobody took is missed once dosing started; the series shows its next one as upcoming
    got = table(p, s, S.Record(), at(31))
    assert got["nibp@pre_dose"][0] == "missed" and got["nibp@dose+30"] == ("upcoming", at(40))
    assert "nibp@dose+45" not in got
    assert got["MOAA/S@dose+15"] == ("overdue", at(25))


def test_depression_bp_series_stops_at_the_end_of_dosing_where_recovery_and_discharge_take_over():
    p = protocol("ketamine-depression")
    s = recovering(10, 50)                              # dosing 10 → 50 (40 min), recovery from 50
    got = table(p, s, S.Record(), at(60))
    assert [k for k in got if k.startswith("nibp@dose")] == ["nibp@dose+15", "nibp@dose+30"]
    assert got["nibp@recovery+15"] == ("upcoming", at(65))
    assert got["nibp@discharge"] == ("upcoming", at(80))          # recovery start + 30 min minimum
    assert got["CADSS-6@recovery+0"] == ("overdue", at(50))
    assert got["PADSS@discharge"] == ("upcoming", at(80))
    # MOAA/S has no recovery entry: its series goes on through recovery (discharge needs MOAA/S 5)
    assert got["MOAA/S@dose+45"] == ("overdue", at(55)) and got["MOAA/S@dose+60"] == ("upcoming", at(70))
    assert table(p, s, S.Record(), at(81))["nibp@discharge"][0] == "due"   # before leaving: not a time, an act
    assert table(p, s, S.Record(), at(200))["nibp@discharge"][0] == "due"


def test_a_monitor_reading_inside_the_window_satisfies_the_item_and_one_outside_does_not():
    p, s = protocol("ketamine-depression"), dosing(10)
    early = S.reading(S.Record(), "nibp", at(19.9))    # before the +15's window (opens at 20)
    assert table(p, s, early, at(26))["nibp@dose+15"][0] == "due"
    ok = S.reading(early, "nibp", at(21))             # within its grace before the due time
    item = {i.key: i for i in S.items(p, s, ok, at(26))}["nibp@dose+15"]
    assert item.state == "done" and item.satisfied_by == S.Evidence("nibp", at(21), "monitor")
    assert item.as_dict(at(26))["satisfied_by"] == {"at": iso_utc(at(21)), "source": "monitor", "by": None}
    assert table(p, s, ok, at(26))["nibp@pre_dose"][0] == "missed"


def test_an_unanswered_item_is_missed_when_the_next_one_opens_so_only_one_bp_prompts():
    p, s = protocol("ketamine-depression"), dosing(10)
    got = S.items(p, s, S.Record(), at(36))
    assert {i.key: i.state for i in got}["nibp@dose+15"] == "missed"      # the +30 opened at 35
    assert [i.key for i in S.prompting(got) if i.what == "nibp"] == []    # +30 is upcoming until 40
    got = S.items(p, s, S.Record(), at(46))
    assert [(i.key, i.state) for i in S.prompting(got) if i.what == "nibp"] == [("nibp@dose+30", "overdue")]


def test_pauses_do_not_stop_the_schedule():
    p = protocol("ketamine-depression")
    paused = replace(dosing(10), phase=PAUSED, running_since=None, infused_s=600.0,
                     pauses=(Pause(at(20), "BP high", paused_by="rn.ada"),))
    got = table(p, paused, S.Record(), at(46))
    assert got["nibp@dose+15"][0] == "missed" and got["nibp@dose+30"] == ("overdue", at(40))


def test_a_closed_session_leaves_nothing_due():
    p = protocol("ketamine-depression")
    s = replace(recovering(10, 50), phase="discharged", closed_at=at(90))
    got = S.items(p, s, S.Record(), at(120))
    assert S.prompting(got) == () and {i.state for i in got} == {"missed"}


# -- ketamine for pain and esketamine ----------------------------------------------------------------------------

def test_pain_bp_every_15_during_the_4_h_infusion_then_recovery_at_0_and_30():
    p = protocol("ketamine-pain")
    s = recovering(0, 240)
    got = table(p, s, S.Record(), at(250))
    assert [k for k in got if k.startswith("nibp@dose")] == [f"nibp@dose+{m}" for m in range(15, 240, 15)]
    assert got["nibp@recovery+0"] == ("overdue", at(240)) and got["nibp@recovery+30"] == ("upcoming", at(270))
    assert got["CADSS-6@dose+240"][0] == "overdue" and got["MOAA/S@dose+270"] == ("upcoming", at(270))


def test_esketamine_bp_at_40_min_and_moaas_every_30_min_through_the_2_h_monitoring():
    p = protocol("esketamine-nasal")
    s = recovering(10, 15)                        # two devices 5 min apart
    got = table(p, s, S.Record(), at(51))
    assert got["nibp@dose+40"] == ("due", at(50))
    assert got["MOAA/S@dose+30"] == ("overdue", at(40)) and got["CADSS-6@dose+40"] == ("due", at(50))
    got = table(p, s, S.Record(), at(131))
    assert got["MOAA/S@dose+120"] == ("due", at(130)) and got["CADSS-6@dose+120"] == ("due", at(130))
    assert got["nibp@discharge"] == ("upcoming", at(135))            # dosing end + 120 min
    scored = S.fold(S.Record(), event(9, K.ASSESSMENT_RECORDED, at(128), {"scale": "MOAA/S", "score": 5}))
    assert table(p, s, scored, at(131))["MOAA/S@dose+120"][0] == "done"


# -- the record: folded from the log, replay-safe -----------------------------------------------------------------

def test_the_record_folds_scores_baselines_and_validations_and_a_new_session_starts_afresh():
    record = S.Record()
    log = [
        event(1, K.VITALS_BASELINE, at(5), {"heart_rate": 70, "nibp_systolic": 120, "nibp_diastolic": 80}),
        event(2, K.VITALS_BASELINE, at(6), {"heart_rate": 70}),          # no NIBP in it: not a BP
        event(3, K.ASSESSMENT_RECORDED, at(7), {"scale": "PHQ-9", "score": 12}, actor="patient"),
        event(4, K.VITALS_VALIDATED, at(40), {"what": "nibp", "item": {"key": "nibp@dose+15"},
                                              "reading": {"nibp_systolic": 130, "received_ts": iso_utc(at(39))}}),
        event(5, K.NOTE_ADDED, at(41), {"text": "fine"}),
    ]
    for e in log:
        record = S.fold(record, e)
    assert record.evidence == (S.Evidence("nibp", at(5), "baseline", "rn.ada"),
                               S.Evidence("PHQ-9", at(7), "recorded", "patient"),
                               S.Evidence("nibp", at(39), "validated", "rn.ada", "nibp@dose+15"))
    p, s = protocol("ketamine-depression"), dosing(10)
    got = {i.key: i for i in S.items(p, s, record, at(41))}
    assert got["nibp@pre_dose"].state == "done" and got["PHQ-9@pre_dose"].state == "done"
    assert got["nibp@dose+15"].satisfied_by is not None and got["nibp@dose+15"].satisfied_by.by == "rn.ada"
    # the same log replayed gives the same items; a new session forgets the last one's
    again = S.Record()
    for e in log:
        again = S.fold(again, e)
    assert S.items(p, s, again, at(41)) == S.items(p, s, record, at(41))
    assert S.fold(record, event(6, K.SESSION_OPENED, at(60), {})) == S.Record()
    no_ts = S.fold(S.Record(), event(7, K.VITALS_VALIDATED, at(42), {"reading": {}}))
    assert no_ts.evidence == (S.Evidence("nibp", at(42), "validated", "rn.ada", None),)


def test_a_validated_reading_satisfies_its_item_even_from_before_its_window():
    p, s = protocol("ketamine-depression"), dosing(10)
    payload = S.validation(S.items(p, s, S.Record(), at(26)), "nibp@dose+15",
                           {"nibp_systolic": 128, "nibp_diastolic": 82, "device_ts": iso_utc(at(18))},
                           at(18), at(26))
    assert payload == {"what": "nibp", "item": {"key": "nibp@dose+15", "label": "BP during the infusion",
                                                "due_at": iso_utc(at(25))},
                       "reading": {"nibp_systolic": 128, "nibp_diastolic": 82, "device_ts": iso_utc(at(18)),
                                   "received_ts": iso_utc(at(18))}}
    record = S.fold(S.Record(), event(3, K.VITALS_VALIDATED, at(26), payload))
    item = {i.key: i for i in S.items(p, s, record, at(26))}["nibp@dose+15"]
    assert item.state == "done" and item.satisfied_by is not None and item.satisfied_by.source == "validated"


def test_validation_is_refused_with_the_reason():
    p, s = protocol("ketamine-depression"), dosing(10)
    now_items = S.items(p, s, S.Record(), at(26))
    with pytest.raises(Refused, match=re.escape("nothing on this session's schedule is called 'nibp@dose+99'")):
        S.validation(now_items, "nibp@dose+99", {"nibp_systolic": 1}, at(25), at(26))
    with pytest.raises(Refused, match="BP before dosing is missed; nothing to chart"):
        S.validation(now_items, "nibp@pre_dose", {"nibp_systolic": 1}, at(25), at(26))
    measured = S.items(p, s, S.reading(S.Record(), "nibp", at(24)), at(26))
    assert S.validation(measured, "nibp@dose+15", {"nibp_systolic": 1}, at(24), at(26))["what"] == "nibp"
    charted = S.fold(S.Record(), event(3, K.VITALS_VALIDATED, at(26), {"item": {"key": "nibp@dose+15"}}))
    with pytest.raises(Refused, match="BP during the infusion is already charted, by rn.ada"):
        S.validation(S.items(p, s, charted, at(27)), "nibp@dose+15", {"nibp_systolic": 1}, at(24), at(27))
    with pytest.raises(Refused, match="no BP reading from the monitor yet"):
        S.validation(now_items, "nibp@dose+15", {}, None, at(26))
    with pytest.raises(Refused, match="the last BP reading is 16 min old; measure again"):
        S.validation(now_items, "nibp@dose+15", {"nibp_systolic": 1}, at(10), at(26))


def test_prompts_and_the_live_shape():
    p, s = protocol("ketamine-depression"), dosing(10)
    got = {i.key: i for i in S.items(p, s, S.Record(), at(22.5))}
    assert got["nibp@dose+15"].prompt(at(22.5)) == "BP due in 3 min"
    assert got["nibp@dose+15"].prompt(at(25)) == "BP due in 1 min"   # state judged at 22.5: still upcoming
    due = {i.key: i for i in S.items(p, s, S.Record(), at(26))}["MOAA/S@dose+15"]
    assert due.prompt(at(26)) == "MOAA/S due now" and due.short == "MOAA/S"
    assert due.as_dict(at(26)) == {"key": "MOAA/S@dose+15", "what": "MOAA/S", "label": "MOAA/S",
                                   "due_at": iso_utc(at(25)), "state": "due", "late_min": 0,
                                   "prompt": "MOAA/S due now", "satisfied_by": None}
    late = {i.key: i for i in S.items(p, s, S.Record(), at(33))}["MOAA/S@dose+15"]
    assert late.as_dict(at(33))["late_min"] == 8
    done = replace(due, state="done")
    assert done.prompt(at(26)) == "MOAA/S done"


def test_a_protocol_sets_the_grace_per_entry_and_a_wrong_one_is_named():
    base = {"id": "x", "version": 1, "title": "X", "session_type": "iv_infusion",
            "phases": {"infusion_min": 40, "min_recovery_min": 30},
            "dose": {"mg_per_kg": 0.5, "soft_max_mg_per_kg": 1.0, "bounds_mg_per_kg": [0.1, 2.0]}}
    p = parse_protocol({**base, "vitals": [{"measure": "heart_rate", "anchor": "dose", "every_min": 10,
                                            "grace_min": 2}]}, "x.toml")
    assert p.vitals[0].grace_min == 2.0
    got = {i.key: i for i in S.items(p, dosing(10), S.Record(), at(22.5))}["heart_rate@dose+10"]
    assert got.state == "overdue" and got.prompt(at(22.5)) == "HR overdue 2 min"
    with pytest.raises(ProtocolError, match=r"vitals\[0\].grace_min = 0: must be a number from 1 to 60"):
        parse_protocol({**base, "vitals": [{"measure": "nibp", "anchor": "dose", "every_min": 10,
                                            "grace_min": 0}]}, "x.toml")


def test_a_series_ends_at_the_longest_schedule_and_a_duplicate_entry_counts_once():
    base = {"id": "x", "version": 1, "title": "X", "session_type": "iv_infusion",
            "phases": {"infusion_min": 40, "min_recovery_min": 30},
            "dose": {"mg_per_kg": 0.5, "soft_max_mg_per_kg": 1.0, "bounds_mg_per_kg": [0.1, 2.0]}}
    p = parse_protocol({**base, "vitals": [{"measure": "nibp", "anchor": "dose", "every_min": 240},
                                           {"measure": "nibp", "anchor": "dose", "at_min": [240]},
                                           {"measure": "nibp", "anchor": "pre_dose"},
                                           {"measure": "nibp", "anchor": "pre_dose"},
                                           {"measure": "nibp", "anchor": "discharge"},
                                           {"measure": "nibp", "anchor": "discharge"}]}, "x.toml")
    got = table(p, dosing(0), S.Record(), at(10_000))
    assert list(got) == ["nibp@pre_dose", "nibp@dose+240", "nibp@dose+480"]
