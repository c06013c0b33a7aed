"""The session PDF's parts of a protocol's discharge (issue #15 items 7 and 8): the escort named, each rule an
administrator overrode, and a page mapped to the SPRAVATO REMS Patient Monitoring Form's sections (its fields as
rems.form_completed logged them). Read from the record's events, so the record model needs nothing new."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain import rems as R
from roomcontrol.domain.discharge_rules import RULE_LABELS
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.ui.report.layout import GREY, Column, Doc, mm

if TYPE_CHECKING:
    from roomcontrol.ui.report.pdf import Report


def _yes(value: Any) -> str:
    return "–" if value is None else ("Yes" if value else "No")


def _bp(pair: Any) -> str:
    return f"{pair[0]}/{pair[1]} mmHg" if isinstance(pair, list) and len(pair) == 2 else "–"


def escort_and_overrides(report: "Report", d: Doc) -> None:
    """Under the Discharge heading: the escort's name and phone, and the overridden rules with who and why."""
    r = report.r
    closing = next((e for e in r.events if e.kind == K.SESSION_DISCHARGED), None)
    named = (closing.payload.get("escort") if closing else None) or {}
    if named:
        d.key_values([("Escort", f"{named.get('name')}, phone {named.get('phone')}")], columns=1, label_share=0.18)
    overrides = [e for e in r.events if e.kind == K.DISCHARGE_RULE_OVERRIDDEN]
    if overrides:
        d.space(mm(1))
        d.table([Column("Time", 0.7), Column("Rule", 1.1), Column("Not met", 3.0), Column("Reason", 2.6),
                 Column("Overridden by", 1.3)],
                [[report.t(e.ts), RULE_LABELS.get(e.payload.get("rule", ""), e.payload.get("rule", "")),
                  e.payload.get("says", ""), e.payload.get("reason", ""), r.name(e.actor)] for e in overrides])


def rems_page(report: "Report", d: Doc) -> None:
    """A page of the form's sections, when the session logged one."""
    r = report.r
    e = next((e for e in r.events if e.kind == K.REMS_FORM_COMPLETED), None)
    if e is None:
        return
    p = e.payload
    d.new_page()
    d.heading("SPRAVATO REMS · Patient Monitoring Form (outpatient)")
    d.paragraph("The form's fields as the room recorded them at discharge (patient and healthcare-setting sections "
                "come from the clinic's records). Completed by " + r.name(e.actor) + " at " + report.t(e.ts) + ".",
                color=GREY)
    meds = p.get("medications") or {}
    d.heading("Concomitant medication", keep=mm(20))
    d.key_values([(w, _yes(meds.get(k))) for k, w in R.MEDICATIONS], label_share=0.62)
    d.key_values([("Which", meds.get("which") or "–")], columns=1, label_share=0.18)
    d.heading("Healthcare provider conducting patient monitoring", keep=mm(8))
    d.key_values([("Monitoring staff", str(p.get("monitored_by", "–")))], columns=1, label_share=0.18)
    started = p.get("administration_started")
    d.heading("Patient treatment session (administration and monitoring)", keep=mm(20))
    d.key_values([("Treatment date", parse_iso(started).astimezone(report.tz).strftime("%Y-%m-%d") if started
                   else "–"),
                  ("Dose administered", f"{p.get('dose_mg', 0):g} mg ({p.get('devices')} devices)"),
                  ("Lot number", str(p.get("lot", "–"))),
                  ("First device", report.t(parse_iso(started)) if started else "–"),
                  ("Treatment duration", f"{p.get('total_monitoring_min')} min (1st device to completion of "
                                         "monitoring; at least 2 h)"),
                  ("REMS evaluation", f"ready to leave {p.get('ready_min')} min after the start of administration"
                                      f" ({report.t(parse_iso(p['ready_at'])) if p.get('ready_at') else '–'})")])
    vitals, bp = p.get("vitals_acceptable") or {}, p.get("blood_pressure") or {}
    d.heading("Monitoring of vital signs and blood pressure", keep=mm(20))
    d.key_values([("Vitals acceptable before administration", _yes(vitals.get("before"))),
                  ("Vitals acceptable at completion", _yes(vitals.get("end")))], label_share=0.6)
    d.space(mm(1))
    d.table([Column(w, 1.0) for _, w in R.BLOOD_PRESSURES], [[_bp(bp.get(k)) for k, _ in R.BLOOD_PRESSURES]])
    d.heading("Sedation, dissociation, respiratory depression", keep=mm(20))
    d.table([Column("During the session, did the patient experience", 4.0), Column("Observed", 1.0),
             Column("Resolved", 1.0)],
            [[w, _yes((p.get(k) or {}).get("observed")), _yes((p.get(k) or {}).get("resolved"))]
             for k, w in R.EFFECTS])
    sae = p.get("serious_adverse_events") or {}
    d.heading("Serious adverse events", keep=mm(8))
    d.key_values([("Any", _yes(sae.get("any"))), ("What", sae.get("what") or "–")])
