"""Issue 15 items 3, 4, 7 and 8 in the FHIR Bundle and the CSV files: an esketamine session whose pre-dose BP
needed a decision, whose patient missed a "tap if you're OK" check, whose BP raised the during-session advisory, and
whose discharge an administrator signed past an unmet rule with the REMS form completed. The Bundle validates and
carries a DetectedIssue per decision (the mitigation says who, when, why), an Observation for the missed check and a
QuestionnaireResponse of the REMS form with typed answers; -decisions.csv and -rems.csv hold the same; exporting twice
gives the same JSON and files; a session without any of it has none of them."""

from __future__ import annotations

import csv
import json

import pytest

from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.records.csvout import REMS_COLUMNS, write_csv
from roomcontrol.records.fhir import build_bundle, stable_uuid, validate_bundle
from roomcontrol.records.loader import load_record
from tests.core.discharge_help import CADSS_0, ESCORT, rems_form, vitals
from tests.core.helpers import BASELINE, NURSE, PADSS_10, make_room, open_esketamine, protocols_config, reconcile

ADMIN = "adm.kim"
WHY_MOAAS = "baseline MOAA/S is 4 (hearing loss)"


def esketamine_session(data_dir, guard: bool = False) -> str:
    """The session above on a FakeClock (about 0.3 s). `guard`: the patient taps the missed check late, and the BP
    alarms are left open, so the administrator discharges past them too (discharge.override)."""
    r = make_room(data_dir, protocols_config())
    open_esketamine(r, baseline=dict(BASELINE, nibp_systolic=150, nibp_diastolic=92), patient_ref="PT-2",
                    weight_kg=80, dose_mg=84)
    r.command("decide_pre_dose", NURSE, decision="proceed", reason="white-coat, 2nd reading falling")
    r.command("start_infusion", NURSE)

    def minutes(n: int, answer: bool = True) -> None:
        for _ in range(n):
            r.clock.advance(60)
            r.tick()
            if answer and r.state.session.check.waiting:  # the patient taps 5 s after the check is asked
                r.clock.advance(5)
                r.command("answer_check", "patient")

    minutes(10)
    r.command("complete_infusion", NURSE)
    reconcile(r)  # the devices drawn (draw_before_dose) and all given: a 0 mL waste under a witness
    minutes(19)
    minutes(4, answer=False)  # check 2 (at 30 min) times out after 120 s: the nurse goes and sees (or a late tap)
    if guard:
        r.command("answer_check", "patient")
    else:
        r.command("acknowledge_alarm", NURSE, condition="responsiveness")
    for sys_, dia in ((186, 112), (184, 111), (130, 84)):
        for kind, value in (("nibp_systolic", sys_), ("nibp_diastolic", dia)):
            r.post_reading(Reading(kind, value, UNITS[kind], r.clock.now(), source="test"))
        r.call(lambda: None).result(10)
        minutes(4)
    r.command("respond_advisory", NURSE, advisory="bp-high-twice", response="continued", reason="anxious, rechecking")
    if not guard:
        for condition in ("nibp_systolic.high", "nibp_diastolic.high"):
            r.command("acknowledge_alarm", NURSE, condition=condition)
    minutes(95)
    r.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    r.command("record_assessment", NURSE, scale="CADSS-6", items=CADSS_0)
    vitals(r)
    form = rems_form(r, psychostimulants=True, medications_which="methylphenidate 10 mg")
    who, extra = (ADMIN, {"override_reason": "BP alarms latched; 130/84 since"}) if guard else (NURSE, {})
    r.command("discharge", who, **ESCORT, rems=form, overrides={"moaas": WHY_MOAAS}, signed_by=ADMIN, **extra)
    sid = r.state.session.session_id
    r.close()
    return sid


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("decisions")
    return load_record(data_dir, esketamine_session(data_dir))


@pytest.fixture(scope="module")
def bundle(record):
    b = build_bundle(record)
    validate_bundle(b)
    return b


def of_type(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_each_decision_is_a_detected_issue_with_who_when_and_why(record, bundle):
    procedure_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure")
    issues = of_type(bundle, "DetectedIssue")
    assert [(i["code"]["coding"][0]["code"], i["severity"]) for i in issues] == [
        ("pre-dose-bp", "moderate"), ("bp-high-twice", "moderate"), ("moaas", "high")]
    pre, during, rule = issues
    assert pre["detail"].endswith("BP 150/92")
    assert pre["mitigation"] == [{"action": {"coding": [{"system": "urn:roomcontrol:decision", "code": "proceed",
                                                          "display": "proceeded with the dose"}],
                                             "text": "proceeded with the dose: white-coat, 2nd reading falling"},
                                  "date": pre["identifiedDateTime"],
                                  "author": {"identifier": {"system": "urn:roomcontrol:staff-id", "value": NURSE},
                                             "display": NURSE}}]
    assert "BP 186/112, 184/111 (4 min apart)" in during["detail"]
    assert during["identifiedDateTime"] < during["mitigation"][0]["date"]  # found when its alarm rose, answered later
    assert during["mitigation"][0]["action"]["text"] == "continued: anxious, rechecking"
    # the override: which rule, what was not met, the administrator and the reason
    assert rule["code"]["text"] == "Discharge rule MOAA/S not met"
    assert rule["detail"] == "No MOAA/S scored since the last dose; 5 is required"
    assert rule["mitigation"][0]["author"]["identifier"]["value"] == ADMIN
    assert rule["mitigation"][0]["action"]["text"] == f"discharged past it by an administrator: {WHY_MOAAS}"
    assert all(i["implicated"] == [{"reference": procedure_url}] and i["patient"]["identifier"]["value"] == "PT-2"
               for i in issues)
    # uuid5 of the room, the deciding event and the resource type
    decided = next(e for e in record.events if e.kind == "advisory.pre_dose_decided")
    assert pre["identifier"][0]["value"] == f"urn:uuid:{stable_uuid(record.room_id, decided.id, 'DetectedIssue')}"


def test_the_procedure_notes_say_the_same_for_a_system_that_reads_only_notes(bundle):
    notes = [n["text"] for n in of_type(bundle, "Procedure")[0]["note"]]
    assert any(n.endswith("proceeded with the dose by Ada Lovelace: white-coat, 2nd reading falling") for n in notes)
    assert any(n.endswith(f"discharged past it by an administrator, {ADMIN}: {WHY_MOAAS}") for n in notes)
    assert "Tap if you're OK checks: asked 9, answered 8, missed 1" in notes
    assert any(n.startswith("Check 2 missed at ") and n.endswith("seen to by Ada Lovelace") for n in notes)


def test_the_missed_check_is_an_observation(bundle):
    missed = [o for o in of_type(bundle, "Observation") if o["code"]["text"] == "Responsiveness check (tap if OK)"]
    assert len(missed) == 1
    o = missed[0]
    assert o["valueBoolean"] is False and o["category"][0]["coding"][0]["code"] == "exam"
    assert o["effectivePeriod"] == {"start": "2026-01-05T09:30:05.000Z", "end": "2026-01-05T09:32:05.000Z"}
    assert o["note"][0]["text"] == ("Check 2 missed: no tap within 120 s; seen to by Ada Lovelace at "
                                    "2026-01-05T09:33:05.000Z")


def test_the_rems_form_is_a_questionnaire_response_with_typed_answers(record, bundle):
    [qr] = of_type(bundle, "QuestionnaireResponse")
    form = next(e for e in record.events if e.kind == "rems.form_completed")
    assert qr["questionnaire"] == "urn:roomcontrol:questionnaire:spravato-rems-pmf|1"
    assert (qr["status"], qr["authored"], qr["author"]["identifier"]["value"]) == (
        "completed", "2026-01-05T11:20:40.000Z", NURSE)
    assert qr["identifier"] == {"system": "urn:ietf:rfc:3986",  # 0..1 in R4: one Identifier, not a list
                                "value": f"urn:uuid:{stable_uuid(record.room_id, form.id, 'QuestionnaireResponse')}"}
    assert [s["linkId"] for s in qr["item"]] == ["medication", "provider", "session", "duration", "evaluation",
                                                 "vital-signs", "blood-pressure", "effects", "adverse-events"]
    answer = {i["linkId"]: i["answer"][0] for s in qr["item"] for i in s["item"]}
    assert answer["medication.psychostimulants"] == {"valueBoolean": True}
    assert answer["medication.benzodiazepines"] == {"valueBoolean": False}
    assert answer["medication.which"] == {"valueString": "methylphenidate 10 mg"}
    assert answer["provider.name"] == {"valueString": "Ada Lovelace"}
    assert answer["session.first-device"] == {"valueDateTime": "2026-01-05T09:00:00.000Z"}
    assert answer["session.dose-mg"] == {"valueInteger": 84} and answer["session.devices"] == {"valueInteger": 3}
    assert answer["session.lot"] == {"valueString": "EK2291"}
    assert answer["duration.total-min"] == {"valueInteger": 140}
    assert answer["evaluation.ready-min"] == {"valueInteger": 90}
    assert answer["evaluation.ready-at"] == {"valueDateTime": "2026-01-05T10:30:00.000Z"}
    assert answer["vital-signs.before"] == answer["vital-signs.end"] == {"valueBoolean": True}
    assert [answer[f"blood-pressure.{when}.{part}"]["valueInteger"] for when in ("pre", "40min", "end")
            for part in ("systolic", "diastolic")] == [120, 80, 138, 86, 124, 80]
    assert answer["effects.sedation"] == answer["effects.sedation.resolved"] == {"valueBoolean": True}
    assert answer["effects.dissociation"] == {"valueBoolean": False}
    assert answer["adverse-events.any"] == {"valueBoolean": False}
    # a follow-up to a "no" was not asked: no item, never an empty answer
    assert not {"effects.dissociation.resolved", "adverse-events.what"} & set(answer)


def test_the_questionnaire_rides_along_and_the_answers_fit_it(bundle):
    [entry] = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Questionnaire"]
    q = entry["resource"]
    assert (q["url"], q["version"], q["status"]) == ("urn:roomcontrol:questionnaire:spravato-rems-pmf", "1", "active")
    assert entry["request"]["ifNoneExist"] == "url=urn:roomcontrol:questionnaire:spravato-rems-pmf&version=1"
    declared = {i["linkId"]: i for s in q["item"] for i in s["item"]}
    [qr] = of_type(bundle, "QuestionnaireResponse")
    for section in qr["item"]:
        for item in section["item"]:  # every answer is of its question's type
            [(key, _)] = item["answer"][0].items()
            assert key == "value" + declared[item["linkId"]]["type"][0].upper() + declared[item["linkId"]]["type"][1:]
    assert declared["effects.sedation.resolved"]["enableWhen"] == [
        {"question": "effects.sedation", "operator": "=", "answerBoolean": True}]
    assert declared["medication.which"]["enableBehavior"] == "any"
    assert all(i["required"] for i in declared.values())


def test_exporting_twice_gives_the_same_json_and_files(record, bundle, tmp_path):
    assert json.dumps(build_bundle(record), sort_keys=True) == json.dumps(bundle, sort_keys=True)
    first = {p.name: p.read_bytes() for p in write_csv(record, tmp_path / "a")}
    assert first == {p.name: p.read_bytes() for p in write_csv(record, tmp_path / "b")}


def test_csv_decisions_and_rems(record, tmp_path):
    paths = {p.name.split("-", 2)[2]: p for p in write_csv(record, tmp_path)}
    with paths["decisions.csv"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["kind"], r["about"], r["decision"], r["by"], r["by_admin"]) for r in rows] == [
        ("pre-dose", "pre-dose-bp", "proceed", NURSE, "0"), ("check", "check 2", "missed", NURSE, "0"),
        ("advisory", "bp-high-twice", "continued", NURSE, "0"), ("discharge-rule", "moaas", "overridden", ADMIN, "1")]
    assert rows[0]["reason"] == "white-coat, 2nd reading falling" and rows[0]["finding"].endswith("BP 150/92")
    assert rows[1]["reason"] == "seen to by rn.ada" and rows[1]["finding"] == "no tap within 120 s"
    assert rows[3]["reason"] == WHY_MOAAS and rows[3]["finding"].startswith("No MOAA/S scored")
    assert all((r["session_id"], r["protocol"]) == (record.session_id, "esketamine-nasal") for r in rows)
    with paths["rems.csv"].open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        [row] = list(reader)
    assert tuple(reader.fieldnames) == REMS_COLUMNS
    assert (row["completed_by"], row["medication.psychostimulants"], row["medication.maois"],
            row["session.dose-mg"], row["blood-pressure.40min.systolic"], row["duration.total-min"],
            row["effects.dissociation.resolved"]) == (NURSE, "yes", "no", "84", "138", "140", "")


def test_an_admin_discharge_past_an_open_high_alarm(tmp_path):
    record = load_record(tmp_path, esketamine_session(tmp_path, guard=True))
    bundle = build_bundle(record)
    validate_bundle(bundle)
    guard = of_type(bundle, "DetectedIssue")[-1]
    assert guard["severity"] == "high" and guard["code"]["coding"][0]["code"] == "high-alarm-open"
    assert guard["detail"] == "active high-priority alarm: NIBP systolic high, NIBP diastolic high"
    assert guard["mitigation"][0]["author"]["identifier"]["value"] == ADMIN
    assert guard["mitigation"][0]["action"]["text"].endswith("by an administrator: BP alarms latched; 130/84 since")
    [missed] = [o for o in of_type(bundle, "Observation") if "valueBoolean" in o]
    assert missed["note"][0]["text"] == "Check 2 missed: no tap within 120 s; answered late by the patient after 180 s"


def test_a_cancelled_dose_after_a_delay(tmp_path):
    r = make_room(tmp_path, protocols_config())
    open_esketamine(r, baseline=dict(BASELINE, nibp_systolic=150, nibp_diastolic=92), patient_ref="PT-3", weight_kg=70)
    r.command("decide_pre_dose", NURSE, decision="delay")
    r.clock.advance(600)
    r.command("decide_pre_dose", NURSE, decision="cancel", reason="still 150/92 after 10 min rest")
    sid = r.state.session.session_id
    r.close()
    record = load_record(tmp_path, sid)
    bundle = build_bundle(record)
    validate_bundle(bundle)
    procedure = of_type(bundle, "Procedure")[0]
    assert procedure["status"] == "not-done"
    assert procedure["statusReason"]["text"] == "pre-dose advisory: still 150/92 after 10 min rest"
    assert [(i["mitigation"][0]["action"]["coding"][0]["code"], i["mitigation"][0]["action"]["text"])
            for i in of_type(bundle, "DetectedIssue")] == [
        ("delay", "delayed the dose"), ("cancel", "cancelled the session: still 150/92 after 10 min rest")]
    assert not of_type(bundle, "QuestionnaireResponse")


def test_a_session_without_decisions_has_none_of_them(played, tmp_path):
    data_dir, sid = played
    record = load_record(data_dir, sid)
    bundle = build_bundle(record)
    assert not of_type(bundle, "DetectedIssue") and not of_type(bundle, "QuestionnaireResponse")
    assert not [o for o in of_type(bundle, "Observation") if "valueBoolean" in o]
    names = [p.name for p in write_csv(record, tmp_path)]
    assert not [n for n in names if n.endswith(("-decisions.csv", "-rems.csv"))]
