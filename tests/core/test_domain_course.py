"""domain/course.py: a patient's course from the events of sessions in several rooms (pure; the hub and the room's
offline fallback both call it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.course import (COMFORT_PLAN_SAVED, Course, CourseError, Response, ScorePoint, build_course,
                                       comfort_plan, course_session, response, score_points)
from roomcontrol.domain.events import Event

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
PLAN = {"weight_kg": 80.0, "dose_mg_per_kg": 0.5, "total_dose_mg": 40.0, "planned_infusion_min": 40.0,
        "rate_mg_per_h": 60.0, "concentration_mg_per_ml": None, "rate_ml_per_h": None}
PHQ = {f"q{n}": 2 for n in range(1, 10)}


class Log:
    """One room's log, written in order as the room would (seq and time go up)."""

    def __init__(self, room: str, session: str, start: datetime = T0):
        self.room, self.session, self.t0, self.events = room, session, start, []

    def add(self, minute: float, kind: str, actor: str = "rn.ada", session: str | None | bool = True,
            **payload: Any) -> Event:
        sid = self.session if session is True else (None if session is False else session)
        e = Event(len(self.events) + 1, f"{self.room}-{len(self.events) + 1}", self.room, sid,
                  self.t0 + timedelta(minutes=minute), kind, actor, payload)
        self.events.append(e)
        return e

    def opened(self, patient: str = "PT-7", **plan: Any) -> Event:
        return self.add(0, K.SESSION_OPENED, patient_ref=patient, course_no=1, protocol="iv-standard",
                        protocol_version=2, **{**PLAN, **plan})


def standard(log: Log, patient: str = "PT-7", phq: int = 18, item9: int = 0) -> list[Event]:
    log.opened(patient)
    log.add(1, K.ASSESSMENT_RECORDED, scale="PHQ-9", score=phq, items={**PHQ, "q9": item9})
    log.add(1.5, K.ASSESSMENT_RECORDED, scale="GAD-7", score=14, items={})
    log.add(2, K.VITALS_BASELINE, heart_rate=70, spo2=98, nibp_systolic=124, nibp_diastolic=78, source="monitor")
    log.add(3, K.INFUSION_STARTED)
    log.add(13, K.INFUSION_PAUSED, reason="nausea")
    log.add(13.2, K.SYMPTOM_NOTED, symptom="nausea", severity="moderate")
    log.add(13.5, K.MEDICATION_GIVEN, drug="ondansetron", dose=4, unit="mg", route="IV", indication="nausea")
    log.add(16, K.INFUSION_RESUMED)
    log.add(20, K.INFUSION_RATE_CHANGED, from_mg_per_h=60.0, to_mg_per_h=45.0, reason="dissociation")
    log.add(21, K.ALARM_RAISED, actor="system", alarm_id="a1", condition="spo2.low", priority="high", value=84)
    log.add(22, K.ALARM_RAISED, actor="system", alarm_id="a2", condition="hr.high", priority="medium", value=112)
    log.add(23, K.ALARM_RAISED, actor="system", alarm_id="a3", condition="vitals.lost", priority="", value=None)
    log.add(25, K.ASSESSMENT_RECORDED, scale="CADSS-6", score=9, items={})
    log.add(30, K.ASSESSMENT_RECORDED, scale="CADSS-6", score=4, items={})
    log.add(31, K.ASSESSMENT_RECORDED, scale="MOAA/S", score=3, items={})
    log.add(35, K.ASSESSMENT_RECORDED, scale="MOAA/S", score=5, items={})
    log.add(37, K.SYMPTOM_NOTED, symptom="dizziness", severity=None)
    log.add(46, K.INFUSION_COMPLETED)
    log.add(47, K.RECOVERY_STARTED)
    log.add(80, K.SESSION_DISCHARGED, padss_score=10, escort_confirmed=True)
    return log.events


VITALS = [
    {"session_id": "s1", "kind": "nibp_systolic", "value": 162, "flags": []},
    {"session_id": "s1", "kind": "nibp_systolic", "value": 199, "flags": ["artifact"]},  # not about the patient
    {"session_id": "s1", "kind": "nibp_diastolic", "value": 96, "flags": None},
    {"session_id": "s1", "kind": "heart_rate", "value": 118},
    {"session_id": "s1", "kind": "heart_rate", "value": None},
    {"session_id": "s1", "kind": "spo2", "value": 84, "flags": "[]"},
    {"session_id": "s1", "kind": "spo2", "value": 40, "flags": "sensor_off"},
    {"session_id": "other", "kind": "spo2", "value": 50, "flags": []},
    {"kind": "spo2", "value": 97, "flags": []},  # a row without session id: taken as this session's
]


def test_a_session_summed_up_for_check_in_and_the_chart():
    s = course_session(standard(Log("room-1", "s1")), VITALS)
    assert (s.session_id, s.room_id, s.patient_ref, s.course_no) == ("s1", "room-1", "PT-7", 1)
    assert (s.protocol, s.protocol_version, s.outcome) == ("iv-standard", 2, "discharged")
    assert (s.weight_kg, s.mg_per_kg, s.planned_mg, s.rate_mg_per_h) == (80.0, 0.5, 40.0, 60.0)
    # 10 min at 60 mg/h, paused 3 min, 4 min at 60, then 26 min at 45: 10 + 4 + 19.5 mg
    assert s.given_mg == 33.5
    assert s.segments == ({"from_s": 0.0, "to_s": 600.0, "rate_mg_per_h": 60.0},
                          {"from_s": 780.0, "to_s": 1020.0, "rate_mg_per_h": 60.0},
                          {"from_s": 1020.0, "to_s": 2580.0, "rate_mg_per_h": 45.0})
    assert s.infused_s == 2400.0
    assert s.pauses == ({"from_s": 600.0, "to_s": 780.0, "reason": "nausea"},)
    assert s.baseline == {"sys": 124.0, "dia": 78.0, "hr": 70.0, "spo2": 98.0}
    assert s.peaks == {"sys": 162.0, "dia": 96.0, "hr": 118.0} and s.spo2_min == 84.0
    assert s.alarms == {"high": 1, "medium": 1, "low": 0, "total": 3}
    assert [x["symptom"] for x in s.symptoms] == ["nausea", "dizziness"]
    assert s.medications[0]["drug"] == "ondansetron" and s.medications[0]["at"] == "2026-03-02T08:13:30.000Z"
    assert (s.cadss_peak, s.moaas_min) == (9, 3)
    assert s.discharged_at == T0 + timedelta(minutes=80)
    assert s.notable == ("titrated: 60 → 45 mg/h", "paused 3 min: nausea", "BP peak 162/96 mmHg (baseline 124)",
                         "HR peak 118 /min", "SpO₂ low 84 %", "nausea (moderate)", "dizziness",
                         "ondansetron 4 mg IV for nausea", "1 high-priority alarm")
    j = s.to_json()
    assert j["date"] == "2026-03-02" and j["opened_at"] == "2026-03-02T08:00:00.000Z"
    assert j["discharged_at"] == "2026-03-02T09:20:00.000Z" and j["segments"][2]["rate_mg_per_h"] == 45.0
    assert j["notable"][0].startswith("titrated")


def test_a_quiet_session_has_nothing_notable_and_no_vitals_no_peaks():
    log = Log("room-1", "s1")
    log.opened()
    log.add(3, K.INFUSION_STARTED)
    log.add(43, K.INFUSION_COMPLETED)
    log.add(80, K.SESSION_DISCHARGED)
    s = course_session(log.events)
    assert s.notable == () and s.peaks == {"sys": None, "dia": None, "hr": None} and s.spo2_min is None
    assert s.given_mg == 40.0 and s.baseline["sys"] is None and (s.cadss_peak, s.moaas_min) == (None, None)
    assert course_session(log.events, [{"session_id": "s1", "kind": "nibp_systolic", "value": 150}]).notable == ()
    loud = course_session(log.events, [{"session_id": "s1", "kind": "nibp_systolic", "value": 165},
                                       {"session_id": "s1", "kind": "heart_rate", "value": 90},
                                       {"session_id": "s1", "kind": "spo2", "value": 95}])
    assert loud.notable == ("BP peak 165/0 mmHg",)


def test_an_aborted_session_and_one_still_open():
    log = Log("room-2", "s2")
    log.opened()
    log.add(3, K.INFUSION_STARTED)
    log.add(13, K.INFUSION_PAUSED, reason="")
    log.add(15, K.ALARM_RAISED, alarm_id="a", condition="nibp.high", priority="high", value=190)
    log.add(16, K.ALARM_RAISED, alarm_id="b", condition="nibp.high", priority="high", value=192)
    log.add(17, K.MEDICATION_GIVEN, drug="labetalol", dose=None, unit="", route="", indication=None)
    open_now = course_session(log.events)
    assert open_now.outcome == "paused" and open_now.discharged_at is None
    assert open_now.pauses == ({"from_s": 600.0, "to_s": None, "reason": ""},)
    assert "paused" in open_now.notable and "labetalol 0" in open_now.notable
    log.add(20, K.SESSION_ABORTED, reason="hypertension", phase="paused")
    s = course_session(log.events)
    assert s.outcome == "aborted" and s.given_mg == 10.0 and s.infused_s == 600.0
    assert s.notable[0] == "aborted: 10 of 40 mg given" and s.notable[-1] == "2 high-priority alarms"
    assert "paused 7 min" in s.notable

    log2 = Log("room-2", "s3")
    log2.opened()
    log2.add(3, K.INFUSION_STARTED)
    running = course_session(log2.events, now=T0 + timedelta(minutes=33))
    assert running.given_mg == 30.0 and running.segments[0]["to_s"] is None and running.outcome == "infusing"
    log2.add(13, K.INFUSION_STOPPED, reason="patient asked")
    log2.add(20, K.SESSION_DISCHARGED)
    assert course_session(log2.events).notable == ("stopped early: 10 of 40 mg given",)


def test_an_intranasal_session_counts_its_devices_and_has_no_weight():
    log = Log("room-3", "s4")
    log.add(0, K.SESSION_OPENED, patient_ref="PT-7", course_no=2, dose_mg=84.0, devices=3, device_interval_min=5,
            planned_infusion_min=10)
    log.add(2, K.INFUSION_STARTED)
    log.add(14, K.INFUSION_COMPLETED)
    log.add(90, K.SESSION_DISCHARGED)
    s = course_session(log.events)
    assert (s.planned_mg, s.given_mg, s.weight_kg, s.protocol, s.course_no) == (84.0, 84.0, None, None, 2)


def test_corrections_count_as_the_chart_shows_them():
    log = Log("room-1", "s1")
    opened = log.opened()
    phq = log.add(1, K.ASSESSMENT_RECORDED, scale="PHQ-9", score=20, items={**PHQ, "q9": 2})
    log.add(3, K.INFUSION_STARTED)
    log.add(43, K.INFUSION_COMPLETED)
    log.add(80, K.SESSION_DISCHARGED)
    log.add(85, K.EVENT_CORRECTED, corrects_seq=opened.seq, corrects_kind=K.SESSION_OPENED,
            corrected={**opened.payload, "weight_kg": 70.0, "total_dose_mg": 35.0, "rate_mg_per_h": 52.5,
                       "course_no": 3})
    log.add(86, K.EVENT_CORRECTED, corrects_seq=phq.seq, corrects_kind=K.ASSESSMENT_RECORDED,
            corrected={"scale": "PHQ-9", "score": 17, "items": {**PHQ, "q9": 0}})
    log.add(87, K.EVENT_CORRECTED, corrects_seq=99, corrected="not a payload")
    s = course_session(log.events)
    assert (s.weight_kg, s.planned_mg, s.given_mg, s.course_no) == (70.0, 35.0, 35.0, 3)
    points = score_points(log.events)
    assert [(p.score, p.item9) for p in points["phq9"]] == [(17, 0)] and points["gad7"] == ()


def test_no_session_opened_is_refused_with_a_reason():
    with pytest.raises(CourseError, match="2 events hold no session.opened"):
        course_session([Event(1, "x", "r", "s", T0, K.INFUSION_STARTED, "rn", {}),
                        Event(2, "y", "r", None, T0, K.SESSION_OPENED, "rn", {})])


def test_response_is_a_fall_of_half_or_more_from_the_first_score():
    def pts(*scores: int) -> tuple[ScorePoint, ...]:
        return tuple(ScorePoint(T0 + timedelta(days=i), f"s{i}", "PHQ-9", v, 0) for i, v in enumerate(scores))
    assert response(()) == Response(None, None, None) and not response(()).response
    assert response(pts(20, 14, 10)).to_json() == {"first": 20, "latest": 10, "change_pct": -50.0, "response": True}
    assert not response(pts(20, 11)).response and response(pts(20, 11)).change_pct == -45.0
    assert response(pts(0, 3)).change_pct is None and not response(pts(0, 3)).response
    assert response(pts(12)).change_pct == 0.0


def test_a_course_across_rooms_for_one_patient_only():
    a, b, c = Log("room-1", "s1"), Log("room-2", "s2", T0 + timedelta(days=3)), Log("room-3", "s3", T0 + timedelta(days=7))
    standard(a, phq=20)
    a.add(81, COMFORT_PLAN_SAVED, plan={"light": 10, "prefers_silence": True})
    standard(b, phq=14, item9=1)
    b.add(81, COMFORT_PLAN_SAVED, plan={"light": 30, "prefers_silence": False})
    b.add(82, COMFORT_PLAN_SAVED, plan="broken")  # not a plan: left out
    standard(c, phq=9)
    other = Log("room-1", "x1", T0 + timedelta(days=1))
    standard(other, patient="PT-9", phq=3)
    stray = Log("room-2", "s2")
    stray.add(0, K.ROOM_STARTED, session=False)
    events = c.events + a.events + other.events + b.events + stray.events  # any order
    vitals = [{**row, "room_id": "room-1"} for row in VITALS]
    course = build_course("PT-7", events, vitals)
    assert [s.room_id for s in course.sessions] == ["room-1", "room-2", "room-3"]
    assert course.total == course.infusions == 3 and course.latest is course.sessions[-1]
    assert course.sessions[0].peaks["sys"] == 162.0 and course.sessions[1].peaks["sys"] is None
    assert [p.score for p in course.phq9] == [20, 14, 9] and [p.score for p in course.gad7] == [14, 14, 14]
    assert course.item9_flag and course.comfort == {"light": 30, "prefers_silence": False}
    assert course.as_of == c.events[-1].ts
    summary = course.summary_json()
    assert summary["infusions"] == 3 and summary["last"]["session_id"] == "s3"
    assert summary["response"]["phq9"] == {"first": 20, "latest": 9, "change_pct": -55.0, "response": True}
    assert summary["response"]["gad7"]["response"] is False
    assert summary["phq9"][1] == {"at": "2026-03-05T08:01:00.000Z", "session_id": "s2", "score": 14, "item9": 1}
    assert "item9" not in summary["gad7"][0]
    assert summary["item9"] == [summary["phq9"][1]] and summary["as_of"] == "2026-03-09T09:20:00.000Z"
    full = course.to_json()
    assert full["total"] == 3 and [s["session_id"] for s in full["sessions"]] == ["s1", "s2", "s3"]
    assert comfort_plan(a.events)[1] == T0 + timedelta(minutes=81)
    # A room's own log (offline at check-in): its vitals rows carry no room id.
    own = build_course("PT-7", a.events, [row for row in VITALS if row.get("session_id")])
    assert own.total == 1 and own.sessions[0].peaks["sys"] == 162.0 and own.sessions[0].spo2_min == 84.0
    assert build_course("PT-7", a.events, [{**VITALS[0], "room_id": "room-9"}]).sessions[0].peaks["sys"] is None


def test_an_unknown_patient_has_an_empty_course():
    course = build_course("PT-404", [])
    assert course.summary_json() == {
        "patient_ref": "PT-404", "infusions": 0, "sessions": 0, "last": None, "phq9": [], "gad7": [],
        "response": {"phq9": {"first": None, "latest": None, "change_pct": None, "response": False},
                     "gad7": {"first": None, "latest": None, "change_pct": None, "response": False}},
        "item9_flag": False, "item9": [], "comfort": None, "as_of": None}
    assert comfort_plan([]) == (None, None)


def test_a_page_of_the_course_keeps_the_whole_count_and_the_last_session():
    a, b = Log("room-1", "s1"), Log("room-2", "s2", T0 + timedelta(days=3))
    first, last = course_session(standard(a)), course_session(standard(b))
    page = Course("PT-7", (first,), total=2, infusions=2, last=last)
    assert page.summary_json()["last"]["session_id"] == "s2" and page.to_json()["total"] == 2
    assert [s["session_id"] for s in page.to_json()["sessions"]] == ["s1"]
