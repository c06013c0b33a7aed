"""The SPRAVATO REMS Patient Monitoring Form (issue #15 item 8): its fields, which are required, and the payload
of rems.form_completed, for a session whose protocol says `rems = true`.

The fields follow the form's sections (SPRAVATO REMS Patient Monitoring Form – Outpatient Use Only, Janssen;
text as published, e.g. https://manualspro.net/445029-spravato-patient-monitoring-form-instructions, and the form
overview at https://jnjmedicalconnect.com/products/spravato/video-spravato-rems-patient-monitoring-form-overview):
Concomitant Medication (benzodiazepines, non-benzodiazepine sedative hypnotics, psychostimulants, MAOIs: yes/no
each), Healthcare Provider Conducting Patient Monitoring, Patient Treatment Session Information (dose, lot number),
Treatment Duration (total minutes from the 1st device to the completion of monitoring, at least 2 hours), the REMS
Evaluation Question (when would the patient have been ready to leave, in minutes from the start of administration),
Monitoring of Vital Signs (acceptable before administration and at completion), Monitoring of Blood Pressure (prior
to administration, 40 min after, prior to completion), sedation / dissociation / respiratory depression (experienced?
resolved?), and serious adverse events. The patient and setting sections are the clinic's, not the room's.

`missing(form)` lists the labels of what is still empty (the button shows them); `form_payload(form, session, now)`
validates a complete form and adds what the room computes (dose, minutes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from roomcontrol.domain.errors import Refused
from roomcontrol.domain.session import Session
from roomcontrol.domain.timefmt import iso_utc, parse_iso

MEDICATIONS = (("benzodiazepines", "Benzodiazepines"),
               ("sedative_hypnotics", "Non-benzodiazepine sedative hypnotics"),
               ("psychostimulants", "Psychostimulants"),
               ("maois", "MAOIs"))
EFFECTS = (("sedation", "Sedation"), ("dissociation", "Dissociation"),
           ("respiratory_depression", "Respiratory depression"))
BLOOD_PRESSURES = (("bp_pre", "BP prior to administration"), ("bp_40", "BP 40 min after administration"),
                   ("bp_end", "BP prior to completion"))
YES_NO = (*((k, w) for k, w in MEDICATIONS),
          ("vitals_ok_before", "Vitals acceptable before administration"),
          ("vitals_ok_end", "Vitals acceptable at completion"),
          *((k, w) for k, w in EFFECTS),
          ("serious_adverse_events", "Serious adverse events"))
TEXTS = (("monitored_by", "Monitoring staff"), ("lot", "Lot number"))
# A yes needs these too: which medications, whether each effect resolved, what the adverse event was.
FOLLOW_UPS = {**{k: ("medications_which", "Which medications") for k, _ in MEDICATIONS},
              **{k: (f"{k}_resolved", f"{w} resolved?") for k, w in EFFECTS},
              "serious_adverse_events": ("serious_adverse_events_what", "What the serious adverse event was")}
BP_LIMITS = ((50, 280), (20, 180))  # systolic, diastolic: outside, the number was mistyped


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def missing(form: Mapping[str, Any]) -> list[str]:
    """The labels of the required fields still empty, in the form's order."""
    out = [w for k, w in TEXTS if _blank(form.get(k))]
    out += [w for k, w in YES_NO if form.get(k) is None]
    for key, (follow, words) in FOLLOW_UPS.items():
        if form.get(key) is True and _blank(form.get(follow)) and words not in out:
            out.append(words)
    out += [w for k, w in BLOOD_PRESSURES if _blank(form.get(k))]
    if _blank(form.get("ready_at")):
        out.append("When the patient would have been ready to leave")
    return out


def blood_pressure(text: object, words: str) -> list[int]:
    """'128/82' → [128, 82], or Refused naming the field."""
    m = re.fullmatch(r"\s*(\d{2,3})\s*/\s*(\d{2,3})\s*", text) if isinstance(text, str) else None
    if m is None:
        raise Refused(f"{words} must be systolic/diastolic in mmHg, like 128/82; got {text!r}")
    sys_, dia = int(m.group(1)), int(m.group(2))
    (slo, shi), (dlo, dhi) = BP_LIMITS
    if not (slo <= sys_ <= shi and dlo <= dia <= dhi and dia < sys_):
        raise Refused(f"{words} {sys_}/{dia} is not plausible ({slo}–{shi} / {dlo}–{dhi}, diastolic below "
                      "systolic)")
    return [sys_, dia]


def _text(form: Mapping[str, Any], key: str, words: str, limit: int) -> str:
    value = form.get(key)
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise Refused(f"{words} must be a text of at most {limit} characters")
    return value.strip()


def form_payload(form: Mapping[str, Any], s: Session, now: datetime) -> dict[str, Any]:
    """The rems.form_completed payload of a complete form; Refused naming what is missing or wrong."""
    gaps = missing(form)
    if gaps:
        raise Refused("the REMS Patient Monitoring Form is missing: " + ", ".join(gaps))
    for key, words in YES_NO:
        if not isinstance(form[key], bool):
            raise Refused(f"{words} must be answered yes or no")
    started = s.infusion_started_at
    if started is None:
        raise Refused("the REMS form needs the time of the first device: dosing has not started")
    try:
        ready = parse_iso(str(form["ready_at"]))
    except ValueError:
        raise Refused(f"when the patient would have been ready to leave must be a time, got {form['ready_at']!r}")
    if not started <= ready <= now:
        raise Refused("when the patient would have been ready to leave must lie between the first device and now")
    any_drug = any(form[k] for k, _ in MEDICATIONS)
    return {
        "medications": {**{k: form[k] for k, _ in MEDICATIONS},
                        "which": _text(form, "medications_which", "Which medications", 200) if any_drug else None},
        "monitored_by": _text(form, "monitored_by", "Monitoring staff", 80),
        "dose_mg": s.plan.get("dose_mg"), "devices": s.plan.get("devices"),
        "lot": _text(form, "lot", "Lot number", 40),
        "administration_started": iso_utc(started),
        "total_monitoring_min": int((now - started).total_seconds() // 60),
        "ready_at": iso_utc(ready), "ready_min": int((ready - started).total_seconds() // 60),
        "vitals_acceptable": {"before": form["vitals_ok_before"], "end": form["vitals_ok_end"]},
        "blood_pressure": {k: blood_pressure(form[k], w) for k, w in BLOOD_PRESSURES},
        **{k: {"observed": form[k], "resolved": _resolved(form, k, w) if form[k] else None} for k, w in EFFECTS},
        "serious_adverse_events": {
            "any": form["serious_adverse_events"],
            "what": _text(form, "serious_adverse_events_what", "What the serious adverse event was", 500)
            if form["serious_adverse_events"] else None},
    }


def _resolved(form: Mapping[str, Any], key: str, words: str) -> bool:
    value = form[f"{key}_resolved"]
    if not isinstance(value, bool):
        raise Refused(f"{words} resolved? must be answered yes or no")
    return value
