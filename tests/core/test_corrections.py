"""Corrections (`correct_event`): new events that point at the entry they correct, through the engine's real path."""

import pytest

from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.session import replay
from roomcontrol.domain.wording import describe
from roomcontrol.store.eventlog import read_events, verify_chain
from tests.core.helpers import NURSE, OPEN_ARGS, PADSS_10, make_room, walk_to


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    yield r
    r.close()


def refused(room, match, actor=NURSE, **args):
    before = room.log.last_seq
    with pytest.raises(Refused, match=match):
        room.command("correct_event", actor, **args)
    assert room.log.last_seq == before  # a refusal logs nothing


def seq_of(room, kind) -> int:
    return [e for e in read_events(room.db) if e.kind == kind][-1].seq


def test_a_corrected_medication_dose(room):
    walk_to(room, "infusing")
    [given] = room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV")
    [fix] = room.command("correct_event", NURSE, seq=given.seq, reason="8 mg was drawn up and given",
                         changes={"dose": 8})
    assert fix.kind == K.EVENT_CORRECTED and fix.session_id == given.session_id and fix.actor == NURSE
    assert fix.payload == {
        "corrects_seq": given.seq, "corrects_id": given.id, "corrects_kind": "medication.given",
        "reason": "8 mg was drawn up and given", "changes": {"dose": 8}, "was": {"dose": 4},
        "corrected": {"drug": "ondansetron", "dose": 8, "unit": "mg", "route": "IV"}}
    assert describe(fix) == (f"Corrected #{given.seq} (medication given: ondansetron): dose 4 → 8; "
                             "reason: 8 mg was drawn up and given")
    assert [e.payload for e in read_events(room.db) if e.seq == given.seq] == [given.payload]  # untouched


@pytest.mark.parametrize("args,match", [
    ({"seq": 999, "reason": "typo", "changes": {"dose": 8}}, r"there is no entry #999 in this room's log"),
    ({"seq": "x", "reason": "typo", "changes": {"dose": 8}}, r"correct_event: seq must be a whole number, got 'x'"),
    ({"reason": "typo", "changes": {"dose": 8}}, r"correct_event: missing seq"),
    ({"seq": "MED", "reason": "", "changes": {"dose": 8}}, r"a reason for the correction is required"),
    ({"seq": "MED", "changes": {"dose": 8}}, r"correct_event: missing reason"),
    ({"seq": "MED", "reason": "typo", "changes": {}}, r"say what to correct"),
    ({"seq": "MED", "reason": "typo", "changes": {"colour": "red"}},
     r"the medication given has no field 'colour'; what can be corrected: dose, drug, route, unit"),
    ({"seq": "MED", "reason": "typo", "changes": {"indication": "nausea"}}, r"no field 'indication'"),
    ({"seq": "MED", "reason": "typo", "changes": {"dose": -1}}, r"medication dose must be a number above 0, got -1"),
    ({"seq": "MED", "reason": "typo", "changes": {"route": "XX"}}, r"medication route must be one of IV"),
    ({"seq": "MED", "reason": "typo", "changes": {"drug": " "}}, r"the drug is required"),
    ({"seq": "MED", "reason": "typo", "changes": {"dose": 4}}, r"changes nothing: the medication given already"),
    ({"seq": "MED", "reason": "typo", "changes": {"dose": 8}, "colour": 1},
     r"correct_event: unknown argument 'colour'; it takes seq, reason, changes"),
])
def test_refusals(room, args, match):
    walk_to(room, "infusing")
    [given] = room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV")
    if args.get("seq") == "MED":
        args = {**args, "seq": given.seq}
    refused(room, match, **args)


@pytest.mark.parametrize("kind,match", [
    (K.ALARM_RAISED, r"cannot be corrected: alarms are the monitor's own record\. Only these can be corrected: "
                     r"medication given, symptom noted, note, assessment, baseline vitals, checklist confirmation, dose plan"),
    (K.INFUSION_STARTED, r"\(infusion.started\) cannot be corrected: it moved the session from one phase"),
    (K.SESSION_OPENED, r"the dose plan has no field 'value'; what can be corrected: .*dose_mg_per_kg"),
    (K.ROOM_STARTED, r"cannot be corrected: it is not a charted entry"),
])
def test_wrong_kinds_are_refused_plainly(room, kind, match):
    walk_to(room, "infusing")
    room.clock.advance(1)
    from roomcontrol.domain.vitals import UNITS, Reading
    room.post_reading(Reading("spo2", 80.0, UNITS["spo2"], room.clock.now()))  # raises spo2.low
    room.clock.advance(20)
    room.tick()
    room.post_reading(Reading("spo2", 80.0, UNITS["spo2"], room.clock.now()))
    room.tick()
    refused(room, match, seq=seq_of(room, kind), reason="typo", changes={"value": 90})


def test_device_events_are_refused(room):
    from roomcontrol.domain.events import NewEvent
    walk_to(room, "infusing")
    lost = room.record(NewEvent(K.DEVICE_LOST, {"device": "vitals"}, "vitals", room.state.session.session_id))
    refused(room, "device events are the room's own record", seq=lost.seq, reason="x", changes={"device": "audio"})


def test_only_staff_correct(room):
    walk_to(room, "infusing")
    [note] = room.command("add_note", NURSE, text="patient calm")
    for actor in ("system", "patient", "vitals"):
        refused(room, f"corrected by a member of staff, not by '{actor}'", actor=actor, seq=note.seq, reason="x",
                changes={"text": "patient anxious"})


def test_fields_that_are_not_corrected_directly(room):
    walk_to(room, "pre_infusion")
    [consent] = room.command("confirm_checklist", NURSE, item="consent")
    refused(room, "confirm the right item", seq=consent.seq, reason="x", changes={"item": "escort"})
    [npo] = room.command("confirm_checklist", NURSE, item="npo", hours_since_solids=8, hours_since_clear_fluids=3)
    refused(room, r"NPO not met: 2 h since the last solids", seq=npo.seq, reason="misheard",
            changes={"hours_since_solids": 2})
    [fix] = room.command("correct_event", NURSE, seq=npo.seq, reason="misheard", changes={"hours_since_solids": 12})
    assert fix.payload["corrected"] == {"item": "npo", "hours_since_solids": 12, "hours_since_clear_fluids": 3}
    [gad] = room.command("record_assessment", NURSE, scale="GAD-7", items={f"q{n}": 1 for n in range(1, 8)})
    refused(room, "the score is computed from the items", seq=gad.seq, reason="x", changes={"score": 3})
    refused(room, "scale of an assessment cannot be corrected", seq=gad.seq, reason="x", changes={"scale": "PHQ-9"})
    refused(room, "GAD-7 q2 must be a whole number 0–3, got 7", seq=gad.seq, reason="x", changes={"items": {"q2": 7}})
    refused(room, "GAD-7 has no item q9", seq=gad.seq, reason="x", changes={"items": {"q9": 1}})


def test_corrected_baseline_and_symptom_are_validated_and_the_baseline_counts(room):
    walk_to(room, "pre_infusion")
    [base] = room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
    refused(room, "diastolic pressure must be below", seq=base.seq, reason="x", changes={"nibp_diastolic": 130})
    refused(room, "heart rate 700 is not plausible", seq=base.seq, reason="x", changes={"heart_rate": 700})
    room.command("correct_event", NURSE, seq=base.seq, reason="transposed", changes={"heart_rate": 76})
    assert room.state.session.baseline["heart_rate"] == 76
    [sym] = room.command("note_symptom", NURSE, symptom="nausea", severity="mild")
    refused(room, "severity must be mild, moderate or severe", seq=sym.seq, reason="x", changes={"severity": "awful"})
    [fix] = room.command("correct_event", NURSE, seq=sym.seq, reason="x", changes={"severity": "moderate"})
    assert describe(fix).startswith(f"Corrected #{sym.seq} (symptom noted: nausea): severity mild → moderate")


def test_a_correction_of_a_correction_builds_on_the_latest(room):
    walk_to(room, "infusing")
    [given] = room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV")
    [first] = room.command("correct_event", NURSE, seq=given.seq, reason="was 8", changes={"dose": 8})
    [second] = room.command("correct_event", NURSE, seq=first.seq, reason="route was IM", changes={"route": "IM"})
    assert second.payload["corrects_seq"] == given.seq and second.payload["supersedes_seq"] == first.seq
    assert second.payload["changes"] == {"route": "IM"} and second.payload["was"] == {"route": "IV"}
    assert second.payload["corrected"] == {"drug": "ondansetron", "dose": 8, "unit": "mg", "route": "IM"}
    # naming the original again also builds on the latest correction
    [third] = room.command("correct_event", NURSE, seq=given.seq, reason="6 after all", changes={"dose": 6})
    assert third.payload["supersedes_seq"] == second.seq and third.payload["was"] == {"dose": 8}
    assert third.payload["corrected"]["route"] == "IM"


def test_a_corrected_padss_decides_discharge(room):
    walk_to(room, "recovery")
    room.clock.advance(31 * 60)
    [padss] = room.command("record_assessment", NURSE, scale="PADSS", items={**PADSS_10, "activity": 0, "pain": 1})
    with pytest.raises(Refused, match="PADSS is 7; discharge needs 9"):
        room.command("discharge", NURSE, escort_confirmed=True)
    [fix] = room.command("correct_event", NURSE, seq=padss.seq, reason="activity and pain swapped with the row below",
                         changes={"items": {"activity": 2, "pain": 2}})
    assert fix.payload["changes"] == {"items": {"activity": 2, "pain": 2}, "score": 10}
    assert fix.payload["was"] == {"items": {"activity": 0, "pain": 1}, "score": 7}
    assert describe(fix) == (f"Corrected #{padss.seq} (PADSS assessment): activity 0 → 2, pain 1 → 2, "
                             "score 7 → 10; reason: activity and pain swapped with the row below")
    assert room.state.session.scores["PADSS"] == 10
    [out] = room.command("discharge", NURSE, escort_confirmed=True)
    assert out.payload["padss_score"] == 10


def test_a_corrected_padss_can_also_block_discharge_and_only_the_latest_score_counts(room):
    walk_to(room, "recovery")
    room.clock.advance(31 * 60)
    [old] = room.command("record_assessment", NURSE, scale="PADSS", items={**PADSS_10, "pain": 0})
    [new] = room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    room.command("correct_event", NURSE, seq=old.seq, reason="x", changes={"items": {"pain": 1}})
    assert room.state.session.scores["PADSS"] == 10  # an older PADSS corrected: the latest still stands
    room.command("correct_event", NURSE, seq=new.seq, reason="bleeding at the IV site",
                 changes={"items": {"bleeding": 0, "activity": 0}})
    with pytest.raises(Refused, match="PADSS is 6; discharge needs 9"):
        room.command("discharge", NURSE, escort_confirmed=True)


def test_closed_sessions_can_be_corrected_in_their_own_session(room):
    walk_to(room, "discharged")
    closed = room.state.session
    [padss] = [e for e in read_events(room.db) if e.kind == K.ASSESSMENT_RECORDED]
    room.command("open_session", NURSE, **{**OPEN_ARGS, "patient_ref": "PT-9"})
    [fix] = room.command("correct_event", NURSE, seq=padss.seq, reason="chart fix", changes={"items": {"pain": 1}})
    assert fix.session_id == closed.session_id != room.state.session.session_id
    assert room.state.session.patient_ref == "PT-9" and room.state.phase == "pre_infusion"


def test_a_note_outside_a_session(room):
    [note] = room.command("add_note", NURSE, text="room cleaned")
    [fix] = room.command("correct_event", NURSE, seq=note.seq, reason="typo", changes={"text": "room cleaned, mopped"})
    assert fix.session_id is None
    assert describe(fix) == f"Corrected #{note.seq} (note): text room cleaned → room cleaned, mopped; reason: typo"


def test_replay_after_restart_equals_living(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "recovery")
    room.clock.advance(31 * 60)
    [padss] = room.command("record_assessment", NURSE, scale="PADSS", items={**PADSS_10, "pain": 0, "activity": 0})
    room.command("correct_event", NURSE, seq=padss.seq, reason="swapped rows", changes={"items": {"pain": 2}})
    living = room.state
    assert living.session.scores["PADSS"] == 8
    assert replay(read_events(room.db)) == living
    room.close()
    again = make_room(tmp_path, clock=room.clock)
    assert again.state.session == living.session
    assert verify_chain(again.db).ok
    again.command("correct_event", NURSE, seq=padss.seq, reason="activity 2 as well",
                  changes={"items": {"activity": 2}})
    assert again.state.session.scores["PADSS"] == 10
    again.command("discharge", NURSE, escort_confirmed=True)
    again.close()


def test_the_session_keeps_the_recorded_fasting_hours_and_their_correction(room):
    walk_to(room, "pre_infusion")
    [npo] = room.command("confirm_checklist", NURSE, item="npo", hours_since_solids=8, hours_since_clear_fluids=3)
    assert room.state.session.checked["npo"] == {"hours_since_solids": 8, "hours_since_clear_fluids": 3}
    room.command("correct_event", NURSE, seq=npo.seq, reason="asked again", changes={"hours_since_solids": 9})
    assert room.state.session.checked["npo"] == {"hours_since_solids": 9, "hours_since_clear_fluids": 3}
    assert replay(read_events(room.db)).session.checked["npo"]["hours_since_solids"] == 9
