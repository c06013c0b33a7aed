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

Value = bool | int | float | str | datetime | None


@dataclass(frozen=True)
class Answer:
    section: str          # the section's link id
    link_id: str
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


# (section link id, section text, ((link id, text, reader), ...)), in the form's order
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str, Callable[[dict[str, Any]], Any]], ...]], ...] = (
    ("medication", "Concomitant medication: is the patient currently taking any of the following medication(s) "
                   "that may cause sedation or blood pressure changes?", (
        ("medication.benzodiazepines", "Benzodiazepines", _get("medications", "benzodiazepines")),
        ("medication.sedative-hypnotics", "Non-benzodiazepine sedative hypnotics",
         _get("medications", "sedative_hypnotics")),
        ("medication.psychostimulants", "Psychostimulants", _get("medications", "psychostimulants")),
        ("medication.maois", "Monoamine oxidase inhibitors (MAOIs)", _get("medications", "maois")),
        ("medication.which", "Which medications", _get("medications", "which")))),
    ("provider", "Healthcare provider conducting patient monitoring", (
        ("provider.name", "Monitoring staff", _get("monitored_by")),)),
    ("session", "Patient treatment session information (administration and monitoring)", (
        ("session.first-device", "Treatment date: time of the 1st device administration",
         _time("administration_started")),
        ("session.dose-mg", "Dose administered (mg)", _mg),
        ("session.devices", "Nasal spray devices", _get("devices")),
        ("session.lot", "Lot number", _get("lot")))),
    ("duration", "Treatment duration", (
        ("duration.total-min", "Total time in minutes from the 1st device administration to completion of "
                               "monitoring (at least 2 hours)", _get("total_monitoring_min")),)),
    ("evaluation", "REMS evaluation question", (
        ("evaluation.ready-min", "Without the 2-hour minimum, when would the patient have been ready to leave / no "
                                 "longer require monitoring (minutes from the start of administration)",
         _get("ready_min")),
        ("evaluation.ready-at", "Ready to leave at", _time("ready_at")))),
    ("vital-signs", "Monitoring of vital signs: in acceptable range", (
        ("vital-signs.before", "Prior to administration", _get("vitals_acceptable", "before")),
        ("vital-signs.end", "Prior to treatment session completion", _get("vitals_acceptable", "end")))),
    ("blood-pressure", "Monitoring of blood pressure (mmHg)", (
        ("blood-pressure.pre.systolic", "Prior to administration, systolic", _bp("bp_pre", 0)),
        ("blood-pressure.pre.diastolic", "Prior to administration, diastolic", _bp("bp_pre", 1)),
        ("blood-pressure.40min.systolic", "40 min post-administration, systolic", _bp("bp_40", 0)),
        ("blood-pressure.40min.diastolic", "40 min post-administration, diastolic", _bp("bp_40", 1)),
        ("blood-pressure.end.systolic", "Prior to treatment session completion, systolic", _bp("bp_end", 0)),
        ("blood-pressure.end.diastolic", "Prior to treatment session completion, diastolic", _bp("bp_end", 1)))),
    ("effects", "Did the patient experience", (
        ("effects.sedation", "Sedation", _get("sedation", "observed")),
        ("effects.sedation.resolved", "Sedation resolved", _get("sedation", "resolved")),
        ("effects.dissociation", "Dissociation", _get("dissociation", "observed")),
        ("effects.dissociation.resolved", "Dissociation resolved", _get("dissociation", "resolved")),
        ("effects.respiratory-depression", "Respiratory depression", _get("respiratory_depression", "observed")),
        ("effects.respiratory-depression.resolved", "Respiratory depression resolved",
         _get("respiratory_depression", "resolved")))),
    ("adverse-events", "Serious adverse events", (
        ("adverse-events.any", "Any serious adverse event", _get("serious_adverse_events", "any")),
        ("adverse-events.what", "What the serious adverse event was", _get("serious_adverse_events", "what")))),
)
LINK_IDS = tuple(link for _, _, items in SECTIONS for link, _, _ in items)


def form_event(record: SessionRecord) -> Event | None:
    """The session's rems.form_completed, if it logged one (an esketamine discharge under a rems protocol)."""
    return next((e for e in record.events if e.kind == K.REMS_FORM_COMPLETED), None)


def answers(payload: dict[str, Any]) -> tuple[Answer, ...]:
    """Every field of the form, in order; a follow-up not asked (its question answered no) has value None."""
    return tuple(Answer(section, link, text, read(payload))
                 for section, _, items in SECTIONS for link, text, read in items)
