"""Corrections as a pure rule (roomcontrol.domain.corrections.correct): a log is a list of Events, `find` and
`corrections_of` read it, and the result is the event.corrected to log or Refused. tests/core/test_corrections.py
checks the same through a running room."""

from datetime import datetime, timezone

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.corrections import correct, entry_name
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.policy import SessionPolicy

TS = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
MEDICATION = {"drug": "ondansetron", "dose": 4, "unit": "mg", "route": "IV"}
PADSS = {"vital_signs": 2, "activity": 1, "nausea_vomiting": 2, "pain": 2, "bleeding": 2}


def event(seq: int, kind: str, payload: dict, session_id: str = "s1") -> Event:
    return Event(seq, f"e{seq}", "room-1", session_id, TS, kind, "nurse.kim", payload)


def log_of(*payloads: tuple[str, dict]) -> list[Event]:
    return [event(seq, kind, payload) for seq, (kind, payload) in enumerate(payloads, 1)]


def run(log: list[Event], actor: str = "nurse.kim", **args) -> NewEvent:
    by_seq = {e.seq: e for e in log}
    return correct(args, actor, by_seq.get, lambda original: [e for e in log if e.session_id == original.session_id],
                   SessionPolicy())


def test_a_corrected_dose_says_what_changed_and_what_it_was():
    new = run(log_of((K.MEDICATION_GIVEN, MEDICATION)), seq=1, reason=" typo ", changes={"dose": 8})
    assert new == NewEvent(K.EVENT_CORRECTED, {
        "corrects_seq": 1, "corrects_id": "e1", "corrects_kind": K.MEDICATION_GIVEN, "reason": "typo",
        "changes": {"dose": 8}, "was": {"dose": 4}, "corrected": {**MEDICATION, "dose": 8}}, "nurse.kim", "s1")


def test_a_correction_of_a_correction_builds_on_the_latest_and_points_at_the_original():
    log = log_of((K.MEDICATION_GIVEN, MEDICATION))
    first = run(log, seq=1, reason="typo", changes={"dose": 8})
    log.append(event(2, first.kind, first.payload))
    second = run(log, seq=2, reason="still wrong", changes={"route": "IM"})  # named by the correction's number
    assert second.payload["corrects_seq"] == 1 and second.payload["supersedes_seq"] == 2
    assert second.payload["corrected"] == {**MEDICATION, "dose": 8, "route": "IM"}
    assert second.payload["was"] == {"route": "IV"}


def test_a_cleared_field_is_given_as_none():
    log = log_of((K.MEDICATION_GIVEN, {**MEDICATION, "indication": "nausea"}))
    new = run(log, seq=1, reason="not for nausea", changes={"indication": None})
    assert new.payload["changes"] == {"indication": None} and new.payload["was"] == {"indication": "nausea"}
    assert "indication" not in new.payload["corrected"]


def test_assessment_items_are_merged_and_the_score_recomputed():
    log = log_of((K.ASSESSMENT_RECORDED, {"scale": "PADSS", "items": PADSS, "score": 9}))
    new = run(log, seq=1, reason="walked unaided", changes={"items": {"activity": 2}})
    assert new.payload["corrected"] == {"scale": "PADSS", "items": {**PADSS, "activity": 2}, "score": 10}
    assert new.payload["changes"] == {"items": {"activity": 2}, "score": 10}
    assert new.payload["was"] == {"items": {"activity": 1}, "score": 9}


@pytest.mark.parametrize("kind, payload, changes", [
    (K.SYMPTOM_NOTED, {"symptom": "nausea", "severity": "mild"}, {"severity": "severe"}),
    (K.NOTE_ADDED, {"text": "calm"}, {"text": "calm, asleep"}),
    (K.VITALS_BASELINE, {"heart_rate": 70, "spo2": 98, "nibp_systolic": 120, "nibp_diastolic": 80,
                         "source": "typed"}, {"spo2": 97}),
    (K.CHECKLIST_CONFIRMED, {"item": "escort", "name": "Sam"}, {"name": "Alex"}),
])
def test_each_correctable_kind_is_corrected(kind, payload, changes):
    new = run(log_of((kind, payload)), seq=1, reason="wrong", changes=changes)
    assert new.payload["corrected"] == {**payload, **changes} and new.payload["changes"] == changes


@pytest.mark.parametrize("kind, payload, changes, match", [
    (K.SYMPTOM_NOTED, {"symptom": "nausea"}, {"symptom": " "}, "the symptom is required"),
    (K.VITALS_BASELINE, {"heart_rate": 70, "spo2": 98, "nibp_systolic": 120, "nibp_diastolic": 80,
                         "source": "typed"}, {"nibp_diastolic": 130}, "diastolic pressure must be below"),
    (K.ASSESSMENT_RECORDED, {"scale": "PADSS", "items": PADSS, "score": 9}, {"items": {"pain": 3}},
     "PADSS pain must be a whole number 0–2"),
    (K.ASSESSMENT_RECORDED, {"scale": "PADSS", "items": PADSS, "score": 9}, {"items": {}},
     "PADSS items to correct must be a table"),
    (K.MEDICATION_GIVEN, {**MEDICATION, "batch": "X1"}, {"dose": 8},
     "the corrected medication given is not valid: .*batch"),
])
def test_a_correction_passes_the_validation_of_its_command(kind, payload, changes, match):
    with pytest.raises(Refused, match=match):
        run(log_of((kind, payload)), seq=1, reason="wrong", changes=changes)


@pytest.mark.parametrize("actor, args, match", [
    ("nurse.kim", {"seq": 1, "reason": "x", "changes": {"dose": 8}, "why": "x"},
     "correct_event takes seq, reason and changes, not why"),
    ("system", {"seq": 1}, "corrected by a member of staff, not by 'system'"),
    ("vitals", {"seq": 1}, "not by 'vitals'"),
    ("nurse.kim", {"seq": True}, "its number in the log \\(seq\\), got True"),
    ("nurse.kim", {"seq": "1"}, "got '1'"),
    ("nurse.kim", {"seq": 9}, "there is no entry #9 in this room's log"),
    ("nurse.kim", {"seq": 1, "reason": "  "}, "a reason for the correction is required"),
    ("nurse.kim", {"seq": 1, "reason": "x", "changes": {}}, "changes must name at least one field"),
    ("nurse.kim", {"seq": 1, "reason": "x", "changes": [("dose", 8)]}, "changes must name at least one field"),
    ("nurse.kim", {"seq": 1, "reason": "x", "changes": {"drug": "ondansetron"}},
     "the correction changes nothing: the medication given already says so"),
    ("nurse.kim", {"seq": 1, "reason": "x", "changes": {"colour": "red"}},
     "the medication given has no field 'colour'; what can be corrected: drug, dose, unit, route"),
])
def test_refusals(actor, args, match):
    with pytest.raises(Refused, match=match):
        run(log_of((K.MEDICATION_GIVEN, MEDICATION)), actor, **args)


def test_fields_fixed_by_the_entry_say_what_to_do_instead():
    log = log_of((K.ASSESSMENT_RECORDED, {"scale": "PADSS", "items": PADSS, "score": 9}),
                 (K.CHECKLIST_CONFIRMED, {"item": "consent"}))
    with pytest.raises(Refused, match="the score is computed from the items: correct the items"):
        run(log, seq=1, reason="x", changes={"score": 10})
    with pytest.raises(Refused, match="confirm the right item, or add a note"):
        run(log, seq=2, reason="x", changes={"item": "escort"})


@pytest.mark.parametrize("kind, why", [
    (K.ALARM_RAISED, "alarms are the monitor's own record"),
    (K.DEVICE_LOST, "device events are the room's own record of its devices"),
    (K.INFUSION_STARTED, "it moved the session from one phase to the next"),
    (K.NURSE_CALLED, "it is not a charted entry"),
])
def test_entries_that_are_not_charted_cannot_be_corrected(kind, why):
    with pytest.raises(Refused, match=f"entry #1 \\({kind}\\) cannot be corrected: {why}. Only these can be "
                                      "corrected: medication given, symptom noted, note, assessment, "
                                      "baseline vitals, checklist confirmation, dose plan. Add a note"):
        run(log_of((kind, {})), seq=1, reason="x", changes={"a": 1})


def test_a_correction_pointing_nowhere_is_refused():
    log = log_of((K.EVENT_CORRECTED, {"corrects_seq": 7}))
    with pytest.raises(Refused, match="entry #1 is a correction of an entry that is not in this room's log"):
        run(log, seq=1, reason="x", changes={"dose": 8})


def test_entry_names():
    assert entry_name(K.ASSESSMENT_RECORDED, {"scale": "CADSS-6"}) == "CADSS-6 assessment"
    assert entry_name(K.ASSESSMENT_RECORDED) == "assessment"
    assert entry_name("nurse.called") == "nurse.called"
