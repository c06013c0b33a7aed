"""The record as a fold over the log: what it holds, and the refusals (unknown, ambiguous, open)."""

from __future__ import annotations

import pytest

from roomcontrol.records import commands
from roomcontrol.records.errors import AmbiguousSession, RecordError, SessionStillOpen, UnknownSession
from roomcontrol.records.loader import load_record
from roomcontrol.records.model import build_record
from roomcontrol.store import database
from roomcontrol.store.eventlog import read_events
from roomcontrol.ui.report import write_report
from roomcontrol.domain.wording import number
from tests.core.helpers import NURSE, PADSS_10, make_room, walk_to


def test_the_record_of_the_standard_session(played):
    data_dir, sid = played
    r = load_record(data_dir, sid)
    assert (r.patient_ref, r.course_no, r.outcome) == ("PT-1042", 3, "discharged")
    assert r.total_dose_mg == 36.25 and r.dose_given_mg == 36.25
    assert r.infusion.end_kind == "completed" and r.infusion.infused_min == 40
    [pause] = r.infusion.pauses
    assert pause.reason == "patient asked for a short break" and pause.minutes == 3
    assert [m.drug for m in r.medications] == ["ondansetron"]
    assert [(a.scale, a.score) for a in r.assessments] == [
        ("PHQ-9", 10), ("MOAA/S", 5), ("CADSS-6", 9), ("MOAA/S", 4), ("CADSS-6", 4), ("MOAA/S", 5), ("PADSS", 9),
        ("MOAA/S", 5), ("PADSS", 10), ("CADSS-6", 0)]
    assert r.closing.padss_score == 10 and r.closing.escort_confirmed is True
    [alarm] = r.alarms
    assert alarm.condition == "spo2.low" and alarm.cleared_at is not None
    assert r.baseline.values["heart_rate"] == 72
    grid = r.grid()
    assert grid[0].minute == 0 and grid[1].minute == 5 and len(grid) == 16   # 0..75 min of a 77-min session
    assert all(row.values["heart_rate"] for row in grid)
    assert "rn.ada" in r.staff and "patient" in r.staff_acts()


def test_a_session_stopped_early_gives_the_share_of_the_dose(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "infusing")
    room.clock.advance(10 * 60)
    room.command("pause_infusion", NURSE, reason="anxious")
    room.clock.advance(5 * 60)
    room.command("stop_infusion", NURSE, reason="patient asked to stop")
    room.clock.advance(30 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    room.command("discharge", NURSE, escort_confirmed=True)
    sid = room.state.session.session_id
    room.close()
    r = load_record(tmp_path, sid)
    assert r.infusion.end_kind == "stopped" and r.infusion.stop_reason == "patient asked to stop"
    assert r.infusion.infused_min == 10 and r.dose_given_mg == round(40 * 10 / 40, 2)
    [pause] = r.infusion.pauses      # stopped while paused: the pause ends with the infusion
    assert pause.ended == r.infusion.ended_at and pause.resumed_by is None and pause.paused_by == NURSE
    # The phases are the session fold's: each change, in order, from opening to discharge.
    assert [phase for _, phase in r.phases] == ["pre_infusion", "infusing", "paused", "recovery", "discharged"]
    assert r.phases[0][0] == r.opened_at and r.phases[-1][0] == r.closed_at
    assert r.phase_at(pause.started) == "paused" and r.phase_at(r.closed_at) == "discharged"


def test_an_aborted_session_has_a_record(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "pre_infusion")
    room.command("abort_session", NURSE, reason="patient unwell on arrival")
    sid = room.state.session.session_id
    room.close()
    r = load_record(tmp_path, sid)
    assert r.outcome == "aborted" and r.closing.reason == "patient unwell on arrival"
    assert r.infusion.started_at is None and r.dose_given_mg == 0
    write_report(tmp_path, None, sid[:8], tmp_path / "aborted.pdf")
    assert (tmp_path / "aborted.pdf").stat().st_size > 1000
    commands.export_fhir(tmp_path, None, sid)   # validates: a Procedure not-done, no ketamine given


@pytest.fixture
def open_room(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "paused")
    sid = room.state.session.session_id
    room.close()
    return tmp_path, sid


def _one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and text
    return text


@pytest.mark.parametrize("call", [
    lambda d, s, tmp: write_report(d, None, s, tmp / "x.pdf"),
    lambda d, s, tmp: commands.export_fhir(d, None, s),
    lambda d, s, tmp: commands.export_csv(d, s, tmp / "csv"),
])
def test_an_open_session_is_refused_by_every_command(open_room, tmp_path_factory, call):
    data_dir, sid = open_room
    out = tmp_path_factory.mktemp("out")
    with pytest.raises(SessionStillOpen) as exc:
        call(data_dir, sid[:8], out)
    assert _one_line(exc) == f"session {sid[:8]} is still open (paused); a record is made only after discharge or abort"
    assert not (out / "x.pdf").exists() and not (out / "csv").exists()


def test_unknown_and_too_short_ids_are_refused(played, tmp_path):
    data_dir, sid = played
    for wrong in ("deadbeef", "", "abc", sid[:3]):
        with pytest.raises(UnknownSession) as exc:
            load_record(data_dir, wrong)
        assert "roomcontrol report --list" in _one_line(exc)
    with pytest.raises(RecordError) as exc:
        commands.export_fhir(tmp_path / "nowhere", None, sid)
    assert "no room database" in _one_line(exc)


def test_an_ambiguous_prefix_is_refused_and_a_unique_one_accepted(tmp_path, monkeypatch):
    ids = iter(["abcd1111-0000-4000-8000-000000000001", "abcd2222-0000-4000-8000-000000000002"])
    monkeypatch.setattr("roomcontrol.engine.room._new_session_id", lambda: next(ids))
    room = make_room(tmp_path)
    walk_to(room, "discharged")
    room.clock.advance(60)
    walk_to(room, "discharged")
    room.close()
    with pytest.raises(AmbiguousSession) as exc:
        load_record(tmp_path, "abcd")
    assert "matches 2 sessions" in _one_line(exc)
    assert load_record(tmp_path, "ABCD2222").session_id.startswith("abcd2222")
    listed = commands.list_sessions(tmp_path)
    assert [s.session_id[:8] for s in listed] == ["abcd1111", "abcd2222"]
    assert "abcd1111" in commands.format_sessions(listed)


def test_list_sessions_marks_the_open_one(open_room):
    data_dir, sid = open_room
    [s] = commands.list_sessions(data_dir)
    assert s.session_id == sid and s.is_open and "open" in commands.format_sessions([s])


def test_build_record_is_pure_over_events_and_rows(played):
    data_dir, sid = played
    db = database.connect(data_dir / "room.db", readonly=True)
    events = list(read_events(db, session_id=sid))
    db.conn.close()
    rows = [{"kind": "heart_rate", "value": 80.0, "unit": "/min", "ts": "2026-03-09T08:40:00.000Z",
             "flags": None, "source": "typed"},
            {"kind": "spo2", "value": 60.0, "unit": "%", "ts": "2026-03-09T08:40:00.000Z",
             "flags": '["sensor_off"]', "source": "x"}]
    r = build_record(events, rows)
    assert [v.kind for v in r.vitals] == ["heart_rate", "spo2"]
    assert r.samples("spo2") == [] and r.samples("spo2", trusted_only=False)[0].flags == ("sensor_off",)
    with pytest.raises(SessionStillOpen):
        build_record([e for e in events if e.kind != "session.discharged"], rows)
    with pytest.raises(RecordError):
        build_record([], rows)


def test_numbers_print_plainly():
    assert [number(v, 0) for v in (80.0, 100.0, 72.4)] == ["80", "100", "72"]
    assert [number(v) for v in (36.25, 40.0, 0.5, 3)] == ["36.25", "40", "0.5", "3"]
