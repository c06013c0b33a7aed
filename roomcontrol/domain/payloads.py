"""What an event's payload must be, checked without the session's guards: the typed command's deciders
(domain/commands.py) and a correction of its event (domain/corrections.py) pass the same values through these, so
a corrected event can never hold what the command would have refused."""

from __future__ import annotations

from typing import Any

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import KNOWN_CHECKLIST_ITEMS, SessionPolicy
from roomcontrol.domain.dose import plan_dose
from roomcontrol.domain.protocol import enabled, fixed_plan, session_policy
from roomcontrol.domain.scales import score

ROUTES = ("IV", "IM", "PO", "SL", "ODT", "IN", "SC", "INH")
UNITS = ("mg", "mcg", "g", "mL", "units", "L/min")
# Plausibility limits for a baseline: outside these the number was surely mistyped.
BASELINE_LIMITS = {"heart_rate": (20, 250), "spo2": (50, 100), "nibp_systolic": (50, 280),
                   "nibp_diastolic": (20, 180)}


def required_text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refused(f"{what} is required")
    value = value.strip()
    if len(value) > limit:
        raise Refused(f"{what} is longer than {limit} characters")
    return value


def check_course(course_no: object) -> None:
    if isinstance(course_no, bool) or not isinstance(course_no, int) or not 1 <= course_no <= 99:
        raise Refused(f"course number must be a whole number 1–99, got {course_no!r}")


def opened_payload(policy: SessionPolicy, patient_ref: Any, course_no: Any, weight_kg: Any, dose_mg_per_kg: Any,
                   planned_infusion_min: Any, concentration_mg_per_ml: Any = None, total_dose_mg: Any = None,
                   rate_mg_per_h: Any = None, rate_ml_per_h: Any = None, protocol: Any = None,
                   protocol_version: Any = None, dose_mg: Any = None, protocol_title: Any = None,
                   **fixed_dose: Any) -> dict[str, Any]:
    """A session.opened payload (its dose plan corrected): the totals and rates are computed again, never taken.
    The soft maximum is the opening's question; a correction records what was prescribed, inside the hard bounds
    (the session's protocol's, when the room still enables it). The protocol itself is never corrected."""
    check_course(course_no)
    ref = required_text(patient_ref, "patient reference", 64)
    under = enabled(policy, protocol)
    logged = {} if protocol is None else {"protocol": protocol, "protocol_version": protocol_version,
                                          **({} if protocol_title is None else {"protocol_title": protocol_title})}
    if under is not None and under.fixed_dose is not None:
        return {"patient_ref": ref, "course_no": course_no, **logged,
                **fixed_plan(under.fixed_dose, weight_kg, dose_mg)}
    plan = plan_dose(weight_kg, dose_mg_per_kg, planned_infusion_min, concentration_mg_per_ml,
                     session_policy(policy, under).bounds)
    return {"patient_ref": ref, "course_no": course_no, **logged, **plan.as_payload()}


def check_checklist_item(item: str, policy: SessionPolicy) -> None:
    if item not in KNOWN_CHECKLIST_ITEMS and item not in policy.required_checklist:
        raise Refused(f"unknown checklist item {item!r}")


def checklist_payload(policy: SessionPolicy, item: str, hours_since_solids: float | None = None,
                      hours_since_clear_fluids: float | None = None, **details: Any) -> dict[str, Any]:
    check_checklist_item(item, policy)
    payload = {"item": item, **details}
    if item == "npo":
        payload.update(_npo(hours_since_solids, hours_since_clear_fluids, policy))
    return payload


def baseline_payload(heart_rate: float, spo2: float, nibp_systolic: float, nibp_diastolic: float,
                     source: str = "typed") -> dict[str, Any]:
    values = {"heart_rate": heart_rate, "spo2": spo2, "nibp_systolic": nibp_systolic,
              "nibp_diastolic": nibp_diastolic}
    for name, value in values.items():
        low, high = BASELINE_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise Refused(f"baseline {name.replace('_', ' ')} {value!r} is not plausible ({low}–{high})")
    if nibp_diastolic >= nibp_systolic:
        raise Refused("baseline diastolic pressure must be below the systolic")
    if source not in ("typed", "monitor"):
        raise Refused("baseline source must be typed or monitor")
    return {**values, "source": source}


def assessment_payload(scale: str, items: dict[str, Any]) -> dict[str, Any]:
    total = score(scale, items)
    return {"scale": scale, "items": dict(items), "score": total}


def symptom_payload(symptom: str, severity: str | None = None, **details: Any) -> dict[str, Any]:
    payload = {"symptom": required_text(symptom, "the symptom", 80), **details}
    if severity is not None:
        if severity not in ("mild", "moderate", "severe"):
            raise Refused("severity must be mild, moderate or severe")
        payload["severity"] = severity
    return payload


def medication_payload(drug: str, dose: float, unit: str, route: str, indication: str | None = None) -> dict[str, Any]:
    if isinstance(dose, bool) or not isinstance(dose, (int, float)) or not dose > 0:
        raise Refused(f"medication dose must be a number above 0, got {dose!r}")
    if unit not in UNITS:
        raise Refused(f"medication unit must be one of {', '.join(UNITS)}")
    if route not in ROUTES:
        raise Refused(f"medication route must be one of {', '.join(ROUTES)}")
    payload = {"drug": required_text(drug, "the drug", 80), "dose": dose, "unit": unit, "route": route}
    if indication:
        payload["indication"] = required_text(indication, "the indication", 200)
    return payload


def note_payload(text: str) -> dict[str, Any]:
    return {"text": required_text(text, "the note", 2000)}


def _npo(solids: float | None, fluids: float | None, policy: SessionPolicy) -> dict[str, Any]:
    for what, hours, needed in (("solids", solids, policy.npo_solids_hours),
                                ("clear fluids", fluids, policy.npo_clear_fluids_hours)):
        if hours is None:
            raise Refused(f"NPO needs the hours since the last {what}")
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0:
            raise Refused(f"hours since the last {what} must be a number of hours, got {hours!r}")
        if hours < needed:
            raise Refused(f"NPO not met: {hours:g} h since the last {what}, the clinic requires {needed:g} h")
    return {"hours_since_solids": solids, "hours_since_clear_fluids": fluids}
