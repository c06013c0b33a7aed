"""A session record as a FHIR R4 transaction Bundle, sent twice without creating anything twice.

Every resource gets a deterministic identifier: UUIDv5 of the room id, the event id it comes from (or, for a
vitals reading, the session id, kind and time) and the resource type. The same UUID is the entry's fullUrl
(`urn:uuid:…`), so references inside the Bundle resolve, and the entry is a *conditional create*
(`request.ifNoneExist = identifier=urn:ietf:rfc:3986|urn:uuid:…`): a server that already holds it creates nothing.
The Bundle carries no export time, so exporting a session twice gives the very same JSON.

Resources: one Procedure (the infusion: status, period, pauses and stop reason in notes, performers; the protocol
as `instantiatesCanonical` urn:roomcontrol:protocol:<id>|<version> and its title as the code's text), one
MedicationAdministration for the ketamine (dose given, summed over the rate segments, one note per segment) and one per other drug
given, vital-sign Observations with LOINC and IEEE 11073 codes side by side (the baseline, every NIBP measurement,
and HR, SpO2, respiratory rate and EtCO2 at each 5-minute mark of the record's vitals table), an Observation per scale
score (LOINC for PHQ-9 and GAD-7, the room's own code system for PADSS and CADSS-6), and an Observation per
symptom noted. The protocol's decisions (pre-dose decision, advisory responses, an administrator's discharge
overrides) as DetectedIssues, each missed "tap if you're OK" check as an Observation and the SPRAVATO REMS form as a
QuestionnaireResponse come from records/fhir_protocol.py, and say the same in the Procedure's notes. The patient and
the staff are referred to by identifier (the room knows no FHIR ids of its own).

Validated with the fhir.resources models. fhir.resources ships FHIR R5 and R4B (4.3) models, not 4.0.1; every
element used here is the same in R4 and R4B, so a Bundle that validates against R4B is valid R4 JSON.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from roomcontrol.config import RoomConfig
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.records import codes as C
from roomcontrol.records import fhir_protocol as P
from roomcontrol.records.entries import VitalSample, plan_text
from roomcontrol.records.model import SessionRecord
from roomcontrol.domain.wording import number

# Fixed for ever: changing it would give every exported resource a new identity.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:roomcontrol:fhir")
VITALS_EVERY_S = 300
GRID_FHIR_KINDS = ("heart_rate", "spo2", "respiratory_rate", "etco2")
SINGLE_IDENTIFIER = ("QuestionnaireResponse",)


def stable_uuid(room_id: str, source_id: str, what: str) -> str:
    """UUIDv5 of room id + event id (or another stable name) + what is made of it."""
    return str(uuid.uuid5(NAMESPACE, f"{room_id}/{source_id}/{what}"))


class _Builder:
    def __init__(self, record: SessionRecord, config: RoomConfig | None, patient_system: str, staff_system: str):
        self.r = record
        self.config = config
        self.patient_system = patient_system
        self.staff_system = staff_system
        self.entries: list[dict] = []
        self.procedure_url: str | None = None

    # -- helpers ------------------------------------------------------------------------------------------
    def add(self, resource: dict, source_id: str, what: str) -> str:
        uid = stable_uuid(self.r.room_id, source_id, what)
        url = f"urn:uuid:{uid}"
        kind = resource.pop("resourceType")
        identifier = {"system": C.URI_IDENTIFIER, "value": url}
        # QuestionnaireResponse.identifier is 0..1 in R4 and R4B (a list elsewhere)
        resource = {"resourceType": kind, "identifier": identifier if kind in SINGLE_IDENTIFIER else [identifier],
                    **_clean(resource)}
        self.entries.append({"fullUrl": url, "resource": resource,
                             "request": {"method": "POST", "url": kind,
                                         "ifNoneExist": f"identifier={C.URI_IDENTIFIER}|{url}"}})
        return url

    def add_definition(self, resource: dict) -> str:
        """A definition (a Questionnaire) shared by every session: its identity is its url and version, the same
        fullUrl in every Bundle, created once (ifNoneExist on url and version)."""
        url, version, kind = resource["url"], resource["version"], resource["resourceType"]
        full_url = f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{url}|{version}')}"
        if all(e["fullUrl"] != full_url for e in self.entries):
            self.entries.append({"fullUrl": full_url, "resource": resource,
                                 "request": {"method": "POST", "url": kind,
                                             "ifNoneExist": f"url={url}&version={version}"}})
        return full_url

    @property
    def subject(self) -> dict:
        return {"identifier": {"system": self.patient_system, "value": self.r.patient_ref},
                "display": f"Patient {self.r.patient_ref}"}

    def who(self, actor: str) -> dict:
        if actor == "patient":
            return self.subject
        return {"identifier": {"system": self.staff_system, "value": actor}, "display": actor}

    def part_of(self) -> list[dict]:
        return [{"reference": self.procedure_url}] if self.procedure_url else []

    @staticmethod
    def quantity(value, unit: str, ucum: str | None = None) -> dict:
        q = {"value": value, "unit": unit}
        if ucum:
            q.update(system=C.UCUM, code=ucum)
        return q

    def location(self) -> dict | None:
        if self.config is None:
            return None
        return {"display": f"{self.config.clinic_name}, {self.config.room_name}"}

    # -- resources ----------------------------------------------------------------------------------------
    def procedure(self) -> None:
        r, inf = self.r, self.r.infusion
        if inf.started_at is None:
            status = "not-done"
        else:
            status = "completed" if inf.end_kind == "completed" else "stopped"
        given = "" if r.fixed_dose else f"; infused {number(inf.infused_min)} min"
        notes = [f"Planned: {plan_text(r.plan)}{given}."]
        protocol = r.protocol
        if protocol is not None:
            notes.insert(0, f"Protocol: {protocol.title} ({protocol.cited})")
        for n, p in enumerate(inf.pauses, 1):
            end = iso_utc(p.ended) if p.ended else "end of infusion"
            notes.append(f"Pause {n}: {iso_utc(p.started)} to {end}, reason: {p.reason}")
        notes += P.decision_notes(self)  # the pre-dose decision, advisory responses, overrides, missed checks
        c = r.closing
        if c.kind == "discharged":
            notes.append(f"Discharged {iso_utc(c.at)} by {c.by}: PADSS {c.padss_score}, escort "
                         f"{'confirmed' if c.escort_confirmed else 'NOT confirmed'}, recovery {number(c.recovery_min)} min.")
        else:
            notes.append(f"Session aborted {iso_utc(c.at)} by {c.by}: {c.reason}")
        performers = []
        for actor in r.staff:
            performers.append({"actor": self.who(actor)})
        res = {"resourceType": "Procedure", "status": status,
               **({"instantiatesCanonical": [f"{C.PROTOCOL_CANONICAL}:{protocol.id}|{protocol.version}"]}
                  if protocol is not None else {}),
               "code": {"text": protocol.title if protocol is not None else "Intravenous ketamine infusion"},
               "subject": self.subject,
               "note": [{"text": t} for t in notes]}
        if inf.started_at is not None:
            res["performedPeriod"] = {"start": iso_utc(inf.started_at),
                                      **({"end": iso_utc(inf.ended_at)} if inf.ended_at else {})}
        else:
            res["statusReason"] = {"text": c.reason or "infusion never started"}
        if status == "stopped" and inf.stop_reason:
            res["statusReason"] = {"text": inf.stop_reason}
        if performers:
            res["performer"] = performers
        loc = self.location()
        if loc:
            res["location"] = loc
        res["outcome"] = {"text": f"{c.kind}"}
        self.procedure_url = self.add(res, inf.event_id or r.opened_event_id, "Procedure")

    def ketamine(self) -> None:
        r, inf = self.r, self.r.infusion
        if inf.started_at is None:
            return
        assert inf.event_id is not None  # started: the infusion.started event's
        # a fixed dose given as nasal devices is esketamine (Spravato: 28 mg devices), the only such product
        drug = "esketamine" if r.fixed_dose else "ketamine"
        code, display = C.DRUGS[drug]
        route = C.ROUTES["IN" if r.fixed_dose else "IV"]
        text = (f"{plan_text(r.plan)}, intranasal; given {number(r.dose_given_mg)} of {number(r.total_dose_mg)} mg "
                "planned" if r.fixed_dose else
                f"{number(r.plan.get('dose_mg_per_kg'))} mg/kg IV over {number(inf.planned_min)} min; "
                f"given {number(r.dose_given_mg)} of {number(r.total_dose_mg)} mg planned "
                f"(rate × running time over {len(inf.segments)} rate segment"
                f"{'s' if len(inf.segments) != 1 else ''}, pauses excluded)")
        dosage = {"text": text,
                  "route": {"coding": [{"system": C.SNOMED, "code": route[0], "display": route[1]}]},
                  "dose": self.quantity(r.dose_given_mg, "mg", "mg")}
        # dosage is 0..1 with one rate (R4B/R5): a titrated infusion has no single rate, so its segments and
        # changes go in the notes, each with its times, rate and mg
        if inf.rate_mg_per_h and not inf.titrated:
            dosage["rateQuantity"] = self.quantity(inf.rate_mg_per_h, "mg/h", "mg/h")
        notes = []
        if inf.titrated:
            for n, seg in enumerate(inf.segments, 1):
                end = seg.end or r.closing.at
                notes.append(f"Rate segment {n}: {iso_utc(seg.start)} to {iso_utc(end)} at "
                             f"{number(seg.rate_mg_per_h)} mg/h: {number(round(seg.mg(end), 2))} mg")
            for c in inf.rate_changes:
                notes.append(f"Rate changed {iso_utc(c.at)} by {c.by} from {number(c.from_mg_per_h)} to "
                             f"{number(c.to_mg_per_h)} mg/h: {c.reason}")
        cs = r.controlled  # the controlled-substance record: lots drawn, the waste and its witness, in words
        for dr in cs.draws:
            notes.append(f"Drawn: {dr.drug} {number(dr.mg)} mg ({number(dr.ml)} mL of {number(dr.mg_per_ml)} mg/mL), "
                         f"lot {dr.lot}, expires {dr.expiry}, by {dr.by}")
        performers = [{"actor": self.who(inf.started_by)}] if inf.started_by else []
        if cs.waste is not None:
            w = cs.waste
            notes.append(f"Wasted: {number(w.mg)} mg ({number(w.ml)} mL) by {w.by}, witnessed by {w.witness}; "
                         f"drawn {number(cs.drawn_mg)} mg, given {number(w.given_mg)} mg, discrepancy "
                         f"{number(w.discrepancy_mg)} mg" + (f": {w.explanation}" if w.explanation else ""))
            performers.append({"function": {"text": "witness of the controlled-substance waste"},
                               "actor": self.who(w.witness)})
        res = {"resourceType": "MedicationAdministration",
               "status": "completed" if inf.end_kind == "completed" else "stopped",
               "medicationCodeableConcept": {"coding": [{"system": C.ATC, "code": code, "display": display}],
                                             "text": drug},
               "subject": self.subject,
               "effectivePeriod": {"start": iso_utc(inf.started_at),
                                   **({"end": iso_utc(inf.ended_at)} if inf.ended_at else {})},
               "performer": performers or None,
               "partOf": self.part_of(),
               "note": [{"text": t} for t in notes] or None,
               "dosage": dosage}
        if inf.stop_reason:
            res["statusReason"] = [{"text": inf.stop_reason}]
        self.add(_clean(res), inf.event_id, "MedicationAdministration")

    def medications(self) -> None:
        for m in self.r.medications:
            concept: dict[str, Any] = {"text": m.drug}
            if m.drug.lower() in C.DRUGS:
                code, display = C.DRUGS[m.drug.lower()]
                concept["coding"] = [{"system": C.ATC, "code": code, "display": display}]
            dosage = {"text": f"{number(m.dose)} {m.unit} {m.route}",
                      "dose": self.quantity(m.dose, m.unit, C.UNITS.get(m.unit))}
            if m.route in C.ROUTES:
                code, display = C.ROUTES[m.route]
                dosage["route"] = {"coding": [{"system": C.SNOMED, "code": code, "display": display}],
                                   "text": m.route}
            res = {"resourceType": "MedicationAdministration", "status": "completed",
                   "medicationCodeableConcept": concept, "subject": self.subject,
                   "effectiveDateTime": iso_utc(m.at), "performer": [{"actor": self.who(m.by)}],
                   "partOf": self.part_of(),
                   "reasonCode": [{"text": m.indication}] if m.indication else None,
                   "dosage": dosage}
            self.add(_clean(res), m.event_id, "MedicationAdministration")

    def _vital(self, kind: str, value, at: datetime, source_id: str, note: str | None = None,
               performer: str | None = None) -> None:
        loinc, display, mdc, mdc_ref, ucum, unit = C.VITALS[kind]
        coding = [{"system": C.LOINC, "code": loinc, "display": display}]
        if kind == "spo2":
            coding.append({"system": C.LOINC, "code": C.SPO2_EXTRA_LOINC[0], "display": C.SPO2_EXTRA_LOINC[1]})
        coding.append({"system": C.MDC, "code": mdc, "display": mdc_ref})
        res = {"resourceType": "Observation", "status": "final", "category": [_vital_signs()],
               "code": {"coding": coding, "text": display}, "subject": self.subject,
               "partOf": self.part_of(), "effectiveDateTime": iso_utc(at),
               "performer": [self.who(performer)] if performer else None,
               "valueQuantity": self.quantity(value, unit, ucum),
               "note": [{"text": note}] if note else None}
        self.add(_clean(res), source_id, f"Observation/{kind}")

    def _bp(self, values: dict, at: datetime, source_id: str, note: str | None = None,
            performer: str | None = None) -> None:
        components = []
        for kind, (loinc, display, mdc, mdc_ref) in C.BP_COMPONENTS.items():
            if values.get(kind) is None:
                continue
            components.append({"code": {"coding": [{"system": C.LOINC, "code": loinc, "display": display},
                                                   {"system": C.MDC, "code": mdc, "display": mdc_ref}],
                                        "text": display},
                               "valueQuantity": self.quantity(values[kind], "mmHg", "mm[Hg]")})
        if not components:
            return
        loinc, display, mdc, mdc_ref = C.BP_PANEL
        res = {"resourceType": "Observation", "status": "final", "category": [_vital_signs()],
               "code": {"coding": [{"system": C.LOINC, "code": loinc, "display": display},
                                   {"system": C.MDC, "code": mdc, "display": mdc_ref}],
                        "text": "Non-invasive blood pressure"},
               "subject": self.subject, "partOf": self.part_of(), "effectiveDateTime": iso_utc(at),
               "performer": [self.who(performer)] if performer else None,
               "note": [{"text": note}] if note else None, "component": components}
        self.add(_clean(res), source_id, "Observation/nibp")

    def vitals(self, every_s: int) -> None:
        r = self.r
        if r.baseline:
            b = r.baseline
            note = f"Baseline before the infusion ({b.source})"
            for kind in ("heart_rate", "spo2"):
                if b.values.get(kind) is not None:
                    self._vital(kind, b.values[kind], b.at, b.event_id, note, b.by)
            self._bp(b.values, b.at, b.event_id, note, b.by)
        # Every NIBP measurement: systolic, diastolic and mean stored with one time.
        by_time: dict[datetime, dict[str, VitalSample]] = {}
        for kind in C.BP_COMPONENTS:
            for s in r.samples(kind):
                by_time.setdefault(s.ts, {})[kind] = s
        for ts in sorted(by_time):
            values = {k: s.value for k, s in by_time[ts].items()}
            charted = r.validation_of(ts)  # the nurse validated it (vitals.validated): her name and when
            said = (f"Validated by {r.name(charted.by)} at {iso_utc(charted.at)} for {charted.item}"
                    if charted else None)
            self._bp(values, ts, f"{r.session_id}/nibp/{iso_utc(ts)}", said, charted.by if charted else None)
        # Streaming kinds: the reading charted at each mark of the vitals table.
        seen = set()
        for _, chosen in r.grid_samples(every_s, GRID_FHIR_KINDS):
            for kind, s in chosen.items():
                if s is None or (kind, s.ts) in seen:
                    continue
                seen.add((kind, s.ts))
                self._vital(kind, s.value, s.ts, f"{r.session_id}/{kind}/{iso_utc(s.ts)}")

    def scales(self) -> None:
        for a in self.r.assessments:
            if a.scale in C.SCALES:
                total, display, _panel = C.SCALES[a.scale]
                code = {"coding": [{"system": C.LOINC, "code": total, "display": display}],
                        "text": f"{a.scale} total score"}
                item_codes = C.SCALE_ITEMS.get(a.scale, {})
            else:
                code = {"coding": [{"system": C.LOCAL_SCALE, "code": a.scale,
                                    "display": C.SCALE_NAMES.get(a.scale, a.scale)}],
                        "text": f"{a.scale} score"}
                item_codes = {}
            components = []
            for item, value in a.items.items():
                if item in item_codes:
                    coding = {"system": C.LOINC, "code": item_codes[item]}
                else:
                    coding = {"system": f"{C.LOCAL_SCALE}:{a.scale}", "code": item}
                components.append({"code": {"coding": [coding], "text": item.replace("_", " ")},
                                   "valueInteger": value})
            max_score = a.max_score
            res = {"resourceType": "Observation", "status": "final",
                   "category": [{"coding": [{"system": C.OBS_CATEGORY, "code": "survey", "display": "Survey"}]}],
                   "code": code, "subject": self.subject, "partOf": self.part_of(),
                   "effectiveDateTime": iso_utc(a.at), "performer": [self.who(a.by)],
                   "valueInteger": a.score,
                   "note": [{"text": f"score {a.score} of {max_score}"}] if max_score is not None else None,
                   "component": components or None}
            self.add(_clean(res), a.event_id, "Observation/score")

    def symptoms(self) -> None:
        for s in self.r.symptoms:
            concept: dict[str, Any] = {"text": s.symptom}
            if s.symptom.lower() in C.SYMPTOMS:
                code, display = C.SYMPTOMS[s.symptom.lower()]
                concept["coding"] = [{"system": C.SNOMED, "code": code, "display": display}]
            res = {"resourceType": "Observation", "status": "final",
                   "category": [{"coding": [{"system": C.OBS_CATEGORY, "code": "exam", "display": "Exam"}]}],
                   "code": concept, "subject": self.subject, "partOf": self.part_of(),
                   "effectiveDateTime": iso_utc(s.at), "performer": [self.who(s.by)]}
            if s.severity in C.SEVERITIES:
                code, display = C.SEVERITIES[s.severity]
                res["valueCodeableConcept"] = {"coding": [{"system": C.SNOMED, "code": code, "display": display}],
                                               "text": s.severity}
            else:
                res["valueString"] = "present"
            self.add(_clean(res), s.event_id, "Observation/symptom")


def _vital_signs() -> dict:
    return {"coding": [{"system": C.OBS_CATEGORY, "code": "vital-signs", "display": "Vital Signs"}]}


def _clean(resource: dict) -> dict:
    """Drop empty optional elements (FHIR forbids empty arrays and nulls)."""
    return {k: v for k, v in resource.items() if v not in (None, [], {}, "")}


def build_bundle(record: SessionRecord, config: RoomConfig | None = None, *,
                 patient_system: str = C.DEFAULT_PATIENT_SYSTEM, staff_system: str = C.DEFAULT_STAFF_SYSTEM,
                 vitals_every_s: int = VITALS_EVERY_S) -> dict:
    """The transaction Bundle (plain JSON-ready dict) of one closed session's record."""
    b = _Builder(record, config, patient_system, staff_system)
    b.procedure()
    b.ketamine()
    b.medications()
    b.vitals(vitals_every_s)
    b.scales()
    b.symptoms()
    P.detected_issues(b)
    P.missed_check_observations(b)
    P.rems_questionnaire_response(b)
    bundle_id = stable_uuid(record.room_id, record.session_id, "Bundle")
    return {"resourceType": "Bundle", "id": bundle_id,
            "identifier": {"system": C.URI_IDENTIFIER, "value": f"urn:uuid:{bundle_id}"},
            "type": "transaction", "entry": b.entries}


def validate_bundle(bundle: dict) -> None:
    """Raise ValueError (pydantic's ValidationError) unless `bundle` is a valid Bundle per the FHIR models."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(bundle)


__all__ = ["build_bundle", "validate_bundle", "stable_uuid", "NAMESPACE"]
