"""The protocol's decisions and forms in the FHIR Bundle (records/fhir.py builds the rest), so a receiving EHR reads
them as data, not only as the Procedure's notes:

- each decision on something the protocol flagged (records/decisions.py) → a `DetectedIssue`: the finding in
  `detail` (its readings), `identifiedDateTime` when it was found, `implicated` the session's Procedure, and the
  clinician's decision as its `mitigation` (action, date, author). FHIR R4 DetectedIssue: "an actual or potential
  clinical issue with … one or more … proposed clinical actions", its mitigation what was done and who. A pre-dose
  advisory and an advisory during the session are severity moderate; a discharge past an unmet protocol rule or an
  open high alarm, overridden by an administrator, is severity high and names the rule, the administrator and why.
  The same lines go in the Procedure's notes (decision_notes) for a system that reads only those.
- each "tap if you're OK" check missed → an `Observation` (category exam, the room's code "responsiveness-check",
  valueBoolean false: no tap within the protocol's time), effectivePeriod from the check asked to its time out, and
  a note saying what closed it (a late tap, a nurse seeing to the patient).
- the SPRAVATO REMS Patient Monitoring Form → a `QuestionnaireResponse` (status completed, authored = the discharge,
  author = the nurse who completed it, `questionnaire` urn:roomcontrol:questionnaire:spravato-rems-pmf|1), a group
  item per form section and one item per field with its answer typed: boolean, integer, string, dateTime
  (records/rems_answers.py). The Questionnaire itself rides along (created once: conditional on url and version),
  so a receiving server can resolve the canonical and check the answers against it.

Identifiers are stable_uuid(room, event id, what), as every resource of the Bundle.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.records import codes as C
from roomcontrol.records.decisions import (ADVISORY, DISCHARGE_GUARD, DISCHARGE_RULE, OUTCOME_WORDS, PRE_DOSE,
                                           checks_summary, decisions, missed_checks)
from roomcontrol.records.rems_answers import (QUESTIONNAIRE, QUESTIONNAIRE_VERSION, SECTIONS, Value, answers,
                                              form_event, questionnaire)

if TYPE_CHECKING:
    from roomcontrol.records.fhir import _Builder

GUARD_CODE = "high-alarm-open"  # discharge.override's guard, "active high-priority alarm", as a code
SEVERITY = {PRE_DOSE: "moderate", ADVISORY: "moderate", DISCHARGE_RULE: "high", DISCHARGE_GUARD: "high"}
ISSUE_SYSTEM = {PRE_DOSE: C.LOCAL_ADVISORY, ADVISORY: C.LOCAL_ADVISORY, DISCHARGE_RULE: C.LOCAL_DISCHARGE_RULE,
                DISCHARGE_GUARD: C.LOCAL_DISCHARGE_RULE}


def decision_notes(b: "_Builder") -> list[str]:
    """The Procedure's note lines: each decision (who, when, why), the checks asked/answered/missed, each miss."""
    r = b.r
    notes = [f"{iso_utc(d.at)}: {d.text(r.name)}" for d in decisions(r)]
    summary = checks_summary(r)
    if summary:
        notes.append(summary)
    for m in missed_checks(r):
        notes.append(f"Check {m.check} missed at {iso_utc(m.missed_at)} (no tap within {round(m.answer_within_s)} s): "
                     f"{m.outcome(r.name)}")
    form = form_event(r)
    if form is not None:
        notes.append(f"SPRAVATO REMS Patient Monitoring Form completed by {r.name(form.actor)} at {iso_utc(form.ts)}")
    return notes


def detected_issues(b: "_Builder") -> None:
    for d in decisions(b.r):
        codes = (d.about.split(", ") if d.kind == PRE_DOSE and d.about else
                 [GUARD_CODE] if d.kind == DISCHARGE_GUARD else [d.about])
        mitigation = {"action": {"coding": [{"system": C.LOCAL_DECISION, "code": d.outcome,
                                              "display": OUTCOME_WORDS.get(d.outcome, d.outcome)}],
                                 "text": OUTCOME_WORDS.get(d.outcome, d.outcome)
                                 + (f" by an administrator: {d.reason}" if d.by_admin else
                                    f": {d.reason}" if d.reason else "")},
                      "date": iso_utc(d.at), "author": b.who(d.by)}
        res = {"resourceType": "DetectedIssue", "status": "final",
               "code": {"coding": [{"system": ISSUE_SYSTEM[d.kind], "code": c} for c in codes if c],
                        "text": d.what},
               "severity": SEVERITY[d.kind], "patient": b.subject, "identifiedDateTime": iso_utc(d.found_at),
               "implicated": b.part_of(), "detail": d.finding, "mitigation": [mitigation]}
        b.add(res, d.event_id, "DetectedIssue")


def missed_check_observations(b: "_Builder") -> None:
    for m in missed_checks(b.r):
        res = {"resourceType": "Observation", "status": "final",
               "category": [{"coding": [{"system": C.OBS_CATEGORY, "code": "exam", "display": "Exam"}]}],
               "code": {"coding": [{"system": C.LOCAL_OBSERVATION, "code": "responsiveness-check",
                                    "display": "Patient tapped the screen when asked \"tap if you're OK\""}],
                        "text": "Responsiveness check (tap if OK)"},
               "subject": b.subject, "partOf": b.part_of(),
               "effectivePeriod": {"start": iso_utc(m.asked_at), "end": iso_utc(m.missed_at)},
               "valueBoolean": False,
               "note": [{"text": f"Check {m.check} missed: no tap within {round(m.answer_within_s)} s; "
                                 f"{m.outcome(b.r.name)}"
                                 + (f" at {iso_utc(m.seen_at)}" if m.seen_at else "")}]}
        b.add(res, m.event_id, "Observation/responsiveness")


def rems_questionnaire_response(b: "_Builder") -> None:
    e = form_event(b.r)
    if e is None:
        return
    given = answers(e.payload)
    items = []
    for section, text, _ in SECTIONS:
        fields = [{"linkId": a.link_id, "text": a.text, "answer": [_answer(a.type, a.value)]}
                  for a in given if a.section == section and a.value is not None]
        if fields:
            items.append({"linkId": section, "text": text, "item": fields})
    b.add_definition(questionnaire())  # the form the answers belong to, created once on the receiving server
    res = {"resourceType": "QuestionnaireResponse",
           "questionnaire": f"{QUESTIONNAIRE}|{QUESTIONNAIRE_VERSION}", "status": "completed",
           "subject": b.subject, "partOf": b.part_of(), "authored": iso_utc(e.ts), "author": b.who(e.actor),
           "item": items}
    b.add(res, e.id, "QuestionnaireResponse")


def _answer(kind: str, value: Value) -> dict[str, Any]:
    """A form value as the answer of its item's type (rems_answers.SECTIONS)."""
    if kind == "boolean":
        return {"valueBoolean": bool(value)}
    if kind == "integer":
        return {"valueInteger": int(round(float(value)))}  # type: ignore[arg-type]
    if kind == "dateTime":
        assert isinstance(value, datetime)
        return {"valueDateTime": iso_utc(value)}
    return {"valueString": str(value)}
