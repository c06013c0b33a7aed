"""Every guard of the session and the reason it gives, through the engine's real command path."""

import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import SessionPolicy
from tests.core.helpers import BASELINE, CHECKLIST, NURSE, OPEN_ARGS, PADSS_10, make_room, walk_to


@pytest.fixture
def room(tmp_path):
    r = make_room(tmp_path)
    yield r
    r.close()


def refused(room, name, match, **args):
    with pytest.raises(Refused, match=match):
        room.command(name, NURSE, **args)


def test_commands_need_an_open_session(room):
    for name in ("start_infusion", "resume_infusion", "complete_infusion"):
        refused(room, name, "no session is open")
    refused(room, "pause_infusion", "no session is open", reason="x")
    refused(room, "discharge", "no session is open", escort_confirmed=True)
    assert room.state.phase == "idle"


def test_one_open_session_per_room(room):
    room.command("open_session", NURSE, **OPEN_ARGS)
    refused(room, "open_session", "already open.*PT-7", **{**OPEN_ARGS, "patient_ref": "PT-8"})


@pytest.mark.parametrize("field,value,match", [
    ("weight_kg", 20, r"weight 20 kg is outside the allowed 30–250 kg"),
    ("weight_kg", 260, r"outside the allowed 30–250 kg"),
    ("dose_mg_per_kg", 2.5, r"dose 2.5 mg/kg is outside the allowed 0.1–2 mg/kg"),
    ("dose_mg_per_kg", 0.05, r"0.1–2 mg/kg"),
    ("planned_infusion_min", 10, r"planned infusion time 10 min is outside the allowed 20–240 min"),
    ("weight_kg", "heavy", r"open_session: weight_kg must be a number, got 'heavy'"),
    ("patient_ref", " ", r"patient reference is required"),
    ("course_no", 0, r"course number must be a whole number 1–99"),
])
def test_open_session_bounds_name_the_bound(room, field, value, match):
    refused(room, "open_session", match, **{**OPEN_ARGS, field: value})
    assert room.state.phase == "idle"


def test_dose_bounds_come_from_config(tmp_path):
    from roomcontrol.config.room import parse_config
    errors = []
    config = parse_config({"session": {"bounds": {"weight_kg": [40, 150]}}}, errors)
    assert errors == []
    r = make_room(tmp_path, config)
    with pytest.raises(Refused, match="40–150 kg"):
        r.command("open_session", NURSE, **{**OPEN_ARGS, "weight_kg": 160})
    r.close()


def test_dose_arithmetic_is_logged(room):
    [event] = room.command("open_session", NURSE, **{**OPEN_ARGS, "concentration_mg_per_ml": 0.4})
    p = event.payload
    assert p["total_dose_mg"] == 40.0          # 80 kg × 0.5 mg/kg
    assert p["rate_mg_per_h"] == 60.0          # 40 mg over 40 min
    assert p["rate_ml_per_h"] == 150.0         # 60 mg/h at 0.4 mg/mL


def test_infusion_needs_checklist_and_baseline(room):
    room.command("open_session", NURSE, **OPEN_ARGS)
    refused(room, "start_infusion", "not yet confirmed: consent, npo, escort, pregnancy screen, iv access")
    for item, extra in CHECKLIST[:3]:
        room.command("confirm_checklist", NURSE, item=item, **extra)
    refused(room, "start_infusion", "not yet confirmed: pregnancy screen, iv access$")
    for item, extra in CHECKLIST[3:]:
        room.command("confirm_checklist", NURSE, item=item, **extra)
    refused(room, "start_infusion", "no baseline vitals")
    room.command("record_baseline", NURSE, **BASELINE)
    room.command("start_infusion", NURSE)
    assert room.state.phase == "infusing"


def test_checklist_rules(room):
    room.command("open_session", NURSE, **OPEN_ARGS)
    refused(room, "confirm_checklist", "unknown checklist item", item="horoscope")
    refused(room, "confirm_checklist", "hours since the last solids", item="npo")
    refused(room, "confirm_checklist", r"NPO not met: 3 h since the last solids, the clinic requires 6 h",
            item="npo", hours_since_solids=3, hours_since_clear_fluids=3)
    refused(room, "confirm_checklist", r"NPO not met: 1 h since the last clear fluids.*2 h",
            item="npo", hours_since_solids=7, hours_since_clear_fluids=1)
    room.command("confirm_checklist", NURSE, item="consent")
    refused(room, "confirm_checklist", "consent is already confirmed", item="consent")


def test_baseline_plausibility(room):
    room.command("open_session", NURSE, **OPEN_ARGS)
    refused(room, "record_baseline", "heart rate 400 is not plausible", **{**BASELINE, "heart_rate": 400})
    refused(room, "record_baseline", "diastolic pressure must be below",
            **{**BASELINE, "nibp_systolic": 80, "nibp_diastolic": 90})


def test_checklist_and_baseline_only_before_infusion(room):
    walk_to(room, "infusing")
    refused(room, "confirm_checklist", "the session is infusing; this needs it pre-infusion", item="consent")
    refused(room, "record_baseline", "this needs it pre-infusion", **BASELINE)


def test_pause_resume_and_infusion_time_excludes_pauses(room):
    walk_to(room, "infusing")
    clock = room.clock
    refused(room, "resume_infusion", "the session is infusing; this needs it paused")
    refused(room, "pause_infusion", "a reason for the pause is required", reason="")
    clock.advance(600)
    room.command("pause_infusion", NURSE, reason="nausea")
    refused(room, "pause_infusion", "this needs it infusing", reason="again")
    clock.advance(300)
    assert room.snapshot().infusion_elapsed_s == 600
    room.command("resume_infusion", NURSE)
    clock.advance(120)
    snap = room.snapshot()
    assert snap.infusion_elapsed_s == 720
    assert snap.infusion_remaining_s == 40 * 60 - 720
    assert room.state.session.pauses[0].reason == "nausea"


def test_complete_only_when_the_plan_is_met(room):
    walk_to(room, "infusing")
    room.clock.advance(20 * 60)
    refused(room, "complete_infusion", "only 20 of 40 min infused; to end now, stop the infusion with a reason")
    refused(room, "stop_infusion", "a reason for stopping early is required", reason=" ")
    [stopped, recovery] = room.command("stop_infusion", NURSE, reason="hypertension 190/110")
    assert stopped.kind == "infusion.stopped" and stopped.payload["infused_min"] == 20.0
    assert recovery.kind == "recovery.started"
    assert room.state.phase == "recovery"


def test_discharge_guards(room):
    walk_to(room, "recovery")
    refused(room, "discharge", "recovery has lasted 0 min; discharge needs at least 30 min", escort_confirmed=True)
    room.clock.advance(31 * 60)
    refused(room, "discharge", "no PADSS score recorded", escort_confirmed=True)
    room.command("record_assessment", NURSE, scale="PADSS", items={**PADSS_10, "activity": 0, "pain": 1})
    refused(room, "discharge", "PADSS is 7; discharge needs 9 or more", escort_confirmed=True)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    refused(room, "discharge", "escort has not been confirmed", escort_confirmed=False)
    [event] = room.command("discharge", NURSE, escort_confirmed=True)
    assert event.payload == {"padss_score": 10, "escort_confirmed": True, "recovery_min": 31.0}
    assert room.state.phase == "discharged"
    room.command("open_session", NURSE, **{**OPEN_ARGS, "patient_ref": "PT-9"})  # the room is free again


def test_discharge_rules_are_configurable(tmp_path):
    policy = SessionPolicy(min_recovery_min=0, min_padss_for_discharge=0, require_escort=False,
                           required_checklist=(), require_baseline_vitals=False)
    r = make_room(tmp_path, RoomConfig(session=policy))
    r.command("open_session", NURSE, **OPEN_ARGS)
    r.command("start_infusion", NURSE)
    r.command("stop_infusion", NURSE, reason="patient request")
    r.command("record_assessment", NURSE, scale="PADSS", items={k: 0 for k in PADSS_10})
    r.command("discharge", NURSE)
    assert r.state.phase == "discharged"
    r.close()


def test_assessments_validate_items(room):
    walk_to(room, "infusing")
    refused(room, "record_assessment", "PADSS is scored in recovery", scale="PADSS", items=PADSS_10)
    refused(room, "record_assessment", "unknown scale", scale="MOOD", items={})
    refused(room, "record_assessment", "CADSS-6 is missing", scale="CADSS-6", items={"unreal": 1})
    refused(room, "record_assessment", "GAD-7 q1 must be a whole number 0–3", scale="GAD-7",
            items={f"q{n}": 5 for n in range(1, 8)})
    [e] = room.command("record_assessment", NURSE, scale="GAD-7", items={f"q{n}": 1 for n in range(1, 8)})
    assert e.payload["score"] == 7


def test_medication_and_symptoms(room):
    walk_to(room, "infusing")
    refused(room, "give_medication", "route must be one of", drug="ondansetron", dose=4, unit="mg", route="XX")
    refused(room, "give_medication", "dose must be a number above 0", drug="ondansetron", dose=0, unit="mg",
            route="IV")
    refused(room, "note_symptom", "severity must be", symptom="nausea", severity="awful")
    room.command("note_symptom", NURSE, symptom="nausea", severity="mild")
    [e] = room.command("give_medication", NURSE, drug="ondansetron", dose=4, unit="mg", route="IV")
    assert e.payload == {"drug": "ondansetron", "dose": 4, "unit": "mg", "route": "IV"}


def test_abort_from_any_open_phase_and_not_after(room):
    walk_to(room, "paused")
    refused(room, "abort_session", "a reason is required", reason="")
    [e] = room.command("abort_session", NURSE, reason="vasovagal episode")
    assert e.payload["phase"] == "paused"
    assert room.state.phase == "aborted"
    refused(room, "abort_session", "no session is open", reason="again")


def test_unknown_command_and_wrong_arguments(room):
    refused(room, "teleport", "unknown command")
    refused(room, "open_session", "open_session: unknown argument 'colour'; it takes patient_ref, weight_kg",
            **OPEN_ARGS, colour="blue")
    refused(room, "open_session", "open_session: missing weight_kg", patient_ref="PT-7")
    refused(room, "open_session", "open_session: weight_kg must be a number, got True", patient_ref="PT-7",
            weight_kg=True)
    refused(room, "open_session", "open_session: course_no must be a whole number, got 1.5", **OPEN_ARGS,
            course_no=1.5)
    refused(room, "start_infusion", "start_infusion: unknown argument 'rate'; it takes no arguments", rate=3)
