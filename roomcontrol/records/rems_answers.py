"""The SPRAVATO REMS Patient Monitoring Form as answers (issue #15 item 8): each field of rems.form_completed with a
stable link id, the form's wording and a typed value, in the form's sections and order. The FHIR
QuestionnaireResponse (records/fhir_protocol.py) and <prefix>-rems.csv (records/csvout.py) are both built from
`answers()`, so they say the same.

Sections and wording follow the published form (SPRAVATO REMS Patient Monitoring Form – Outpatient Use Only,
Janssen; roomcontrol/domain/rems.py cites where): Concomitant Medication, Healthcare Provider Conducting Patient
Monitoring, Patient Treatment Session Information, Treatment Duration, REMS Evaluation Question, Monitoring of
Vital Signs, Monitoring of Blood Pressure, sedation / dissociation / respiratory depression and serious adverse
events. The patient and healthcare-setting sections are the clinic's records, not the room's; the date of
treatment is the first device's time (a dateTime with its zone: the receiving system tells the local date).
The link ids are the room's own (the Questionnaire urn:roomcontrol:questionnaire:spravato-rems-pmf); changing one
means a new QUESTIONNAIRE_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from roomcontrol.domain import kinds as K
from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.records.model import SessionRecord

QUESTIONNAIRE = "urn:roomcontrol:questionnaire:spravato-rems-pmf"
QUESTIONNAIRE_VERSION = "1"
TITLE = "SPRAVATO REMS Patient Monitoring Form (outpatient), as RoomControl records it"

Value = bool | int | float | str | datetime | None


@dataclass(frozen=True)
class Answer:
    section: str          # the section's link id
    link_id: str
    type: str             # the FHIR item type: boolean, integer, string, dateTime
    text: str
    value: Value          # None: not asked (a follow-up to a "no")


def _get(*path: str) -> Callable[[dict[str, Any]], Any]:
    def read(p: dict[str, Any]) -> Any:
        for key in path:
            p = p.get(key) if isinstance(p, dict) else None  # type: ignore[assignment]
        return p
    return read


def _bp(key: str, i: int) -> Callable[[dict[str, Any]], Any]:
    def read(p: dict[str, Any]) -> Any:
        pair = (p.get("blood_pressure") or {}).get(key)
        return int(pair[i]) if isinstance(pair, list) and len(pair) == 2 else None
    return read


def _mg(p: dict[str, Any]) -> Value:
    mg = p.get("dose_mg")
    return int(mg) if isinstance(mg, (int, float)) and float(mg).is_integer() else mg


def _time(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda p: parse_iso(p[key]) if p.get(key) else None


# (section link id, section text, ((link id, FHIR item type, text, reader), ...)), in the form's order
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str, str, Callable[[dict[str, Any]], Any]], ...]], ...] = (
    ("medication", "Concomitant medication: is the patient currently taking any of the following medication(s) "
                   "that may cause sedation or blood pressure changes?", (
        ("medication.benzodiazepines", "boolean", "Benzodiazepines", _get("medications", "benzodiazepines")),
        ("medication.sedative-hypnotics", "boolean", "Non-benzodiazepine sedative hypnotics",
         _get("medications", "sedative_hypnotics")),
        ("medication.psychostimulants", "boolean", "Psychostimulants", _get("medications", "psychostimulants")),
        ("medication.maois", "boolean", "Monoamine oxidase inhibitors (MAOIs)", _get("medications", "maois")),
        ("medication.which", "string", "Which medications", _get("medications", "which")))),
    ("provider", "Healthcare provider conducting patient monitoring", (
        ("provider.name", "string", "Monitoring staff", _get("monitored_by")),)),
    ("session", "Patient treatment session information (administration and monitoring)", (
        ("session.first-device", "dateTime", "Treatment date: time of the 1st device administration",
         _time("administration_started")),
        ("session.dose-mg", "integer", "Dose administered (mg)", _mg),
        ("session.devices", "integer", "Nasal spray devices", _get("devices")),
        ("session.lot", "string", "Lot number", _get("lot")))),
    ("duration", "Treatment duration", (
        ("duration.total-min", "integer",
         "Total time in minutes from the 1st device administration to completion of monitoring (at least 2 hours)",
         _get("total_monitoring_min")),)),
    ("evaluation", "REMS evaluation question", (
        ("evaluation.ready-min", "integer",
         "Without the 2-hour minimum, when would the patient have been ready to leave / no longer require "
         "monitoring (minutes from the start of administration)",
         _get("ready_min")),
        ("evaluation.ready-at", "dateTime", "Ready to leave at", _time("ready_at")))),
    ("vital-signs", "Monitoring of vital signs: in acceptable range", (
        ("vital-signs.before", "boolean", "Prior to administration", _get("vitals_acceptable", "before")),
        ("vital-signs.end", "boolean", "Prior to treatment session completion", _get("vitals_acceptable", "end")))),
    ("blood-pressure", "Monitoring of blood pressure (mmHg)", (
        ("blood-pressure.pre.systolic", "integer", "Prior to administration, systolic", _bp("bp_pre", 0)),
        ("blood-pressure.pre.diastolic", "integer", "Prior to administration, diastolic", _bp("bp_pre", 1)),
        ("blood-pressure.40min.systolic", "integer", "40 min post-administration, systolic", _bp("bp_40", 0)),
        ("blood-pressure.40min.diastolic", "integer", "40 min post-administration, diastolic", _bp("bp_40", 1)),
        ("blood-pressure.end.systolic", "integer", "Prior to treatment session completion, systolic", _bp("bp_end", 0)),
        ("blood-pressure.end.diastolic", "integer", "Prior to treatment session completion, diastolic",
         _bp("bp_end", 1)))),
    ("effects", "Did the patient experience", (
        ("effects.sedation", "boolean", "Sedation", _get("sedation", "observed")),
        ("effects.sedation.resolved", "boolean", "Sedation resolved", _get("sedation", "resolved")),
        ("effects.dissociation", "boolean", "Dissociation", _get("dissociation", "observed")),
        ("effects.dissociation.resolved", "boolean", "Dissociation resolved", _get("dissociation", "resolved")),
        ("effects.respiratory-depression", "boolean", "Respiratory depression",
         _get("respiratory_depression", "observed")),
        ("effects.respiratory-depression.resolved", "boolean", "Respiratory depression resolved",
         _get("respiratory_depression", "resolved")))),
    ("adverse-events", "Serious adverse events", (
        ("adverse-events.any", "boolean", "Any serious adverse event", _get("serious_adverse_events", "any")),
        ("adverse-events.what", "string", "What the serious adverse event was",
         _get("serious_adverse_events", "what")))),
)
LINK_IDS = tuple(link for _, _, items in SECTIONS for link, _, _, _ in items)
# A follow-up is asked when any of these is answered yes (Questionnaire.item.enableWhen, enableBehavior any).
FOLLOW_UPS = {"medication.which": ("medication.benzodiazepines", "medication.sedative-hypnotics",
                                   "medication.psychostimulants", "medication.maois"),
              "effects.sedation.resolved": ("effects.sedation",),
              "effects.dissociation.resolved": ("effects.dissociation",),
              "effects.respiratory-depression.resolved": ("effects.respiratory-depression",),
              "adverse-events.what": ("adverse-events.any",)}


def form_event(record: SessionRecord) -> Event | None:
    """The session's rems.form_completed, if it logged one (an esketamine discharge under a rems protocol)."""
    return next((e for e in record.events if e.kind == K.REMS_FORM_COMPLETED), None)


def answers(payload: dict[str, Any]) -> tuple[Answer, ...]:
    """Every field of the form, in order; a follow-up not asked (its question answered no) has value None."""
    return tuple(Answer(section, link, kind, text, read(payload))
                 for section, _, items in SECTIONS for link, kind, text, read in items)


def questionnaire() -> dict[str, Any]:
    """The form as the FHIR R4 Questionnaire the responses name (url|version): every field required, a follow-up
    enabled by a yes. The Bundle carries it beside a response, created once (conditional on url and version)."""
    items = []
    for section, text, fields in SECTIONS:
        children = []
        for link, kind, words, _ in fields:
            item: dict[str, Any] = {"linkId": link, "text": words, "type": kind, "required": True}
            if link in FOLLOW_UPS:
                item["enableWhen"] = [{"question": q, "operator": "=", "answerBoolean": True} for q in FOLLOW_UPS[link]]
                if len(FOLLOW_UPS[link]) > 1:
                    item["enableBehavior"] = "any"
            children.append(item)
        items.append({"linkId": section, "text": text, "type": "group", "item": children})
    return {"resourceType": "Questionnaire", "url": QUESTIONNAIRE, "version": QUESTIONNAIRE_VERSION,
            "name": "SpravatoRemsPatientMonitoringForm", "title": TITLE, "status": "active",
            "subjectType": ["Patient"], "item": items}
