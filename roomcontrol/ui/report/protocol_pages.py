"""The session PDF's sections that a treatment protocol brings (issue #15): the fixed dose given as nasal devices,
the controlled-substance record (draws, waste, witness, balance), and the responsiveness checks with the advisory
decisions (the pre-dose one among them). The escort, the overridden discharge rules and the REMS page are in
discharge_rules.py; pdf.py keeps the document's order and calls these where they stand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roomcontrol.domain import kinds as K
from roomcontrol.domain.wording import describe, number
from roomcontrol.records.decisions import check_counts
from roomcontrol.records.entries import plan_text
from roomcontrol.ui.report.entry_text import plan_corrected
from roomcontrol.ui.report.layout import C, R, Column, Doc, font, mm

if TYPE_CHECKING:
    from roomcontrol.ui.report.pdf import Report


def fixed_dose(report: "Report", d: Doc) -> None:
    """A fixed dose in mg given as nasal devices a set time apart: no rate, no bag, no titration."""
    r, inf, plan = report.r, report.r.infusion, report.r.plan
    d.heading("Dose")
    ended = report.ended("all devices given")
    pairs = report.protocol_pairs() + [
        ("PRESCRIBED dose", plan_text(plan) + (plan_corrected(r.prescribed) if r.prescribed else "")),
        ("First device", f"{report.t(inf.started_at)} by {r.name(inf.started_by)}" if inf.started_at
         else "not given"),
        ("Dosing ended", ended),
        ("Dose GIVEN", f"{number(r.dose_given_mg)} mg of {number(r.total_dose_mg)} mg prescribed"),
    ]
    devices = [e for e in r.events if e.kind == K.DOSE_DEVICE_GIVEN]
    if devices:  # each device as logged, with who gave it (the first one's row says no more)
        pairs[2] = ("Devices", "; ".join(f"{e.payload.get('n')} at {report.t(e.ts)} by {r.name(e.actor)}"
                                               for e in devices))
    d.key_values(pairs, label_share=0.3)
    if inf.stop_reason:
        d.paragraph(f"Stopped early: {inf.stop_reason}", font(8.5, bold=True))


def controlled(report: "Report", d: Doc) -> None:
    """The controlled-substance record: each draw (lot, expiry, by), the dose given, the waste and its witness,
    and drawn = given + wasted or the discrepancy with its explanation. Nothing drawn: no section."""
    r, cs = report.r, report.r.controlled
    if not cs.draws:
        return
    d.heading("Controlled substance")
    d.table([Column("Drawn", 1.6), Column("Concentration", 1.3, R), Column("Volume", 1.0, R),
             Column("Amount", 1.0, R), Column("Lot", 1.4), Column("Expiry", 1.1, C), Column("By", 1.6)],
            [[dr.drug, f"{number(dr.mg_per_ml)} mg/mL", f"{number(dr.ml)} mL", f"{number(dr.mg)} mg", dr.lot,
              dr.expiry, r.name(dr.by)] for dr in cs.draws])
    w = cs.waste
    if w is None:
        d.paragraph(f"NOT RECONCILED: {number(cs.drawn_mg)} mg drawn, no waste recorded (the session was "
                    f"{r.closing.kind}).", font(8.5, bold=True))
        return
    balance = (f"{number(cs.drawn_mg)} mg drawn = {number(w.given_mg)} mg given + {number(w.mg)} mg wasted"
               if abs(w.discrepancy_mg) <= 1e-9 else
               f"{number(cs.drawn_mg)} mg drawn − {number(w.given_mg)} mg given − {number(w.mg)} mg wasted = "
               f"{number(w.discrepancy_mg)} mg")
    pairs = [("Dose GIVEN", f"{number(w.given_mg)} mg (the infusion's own sum, above)"),
             ("Wasted", f"{number(w.mg)} mg ({number(w.ml)} mL) by {r.name(w.by)}"),
             ("WITNESS", f"{r.name(w.witness)}, who signed with their own PIN at the time"),
             ("Balance", balance)]
    if w.explanation:
        pairs.append(("DISCREPANCY explained", w.explanation))
    d.space(mm(0.5))
    d.key_values(pairs, columns=1, label_share=0.2)


def checks_advisories(report: "Report", d: Doc) -> None:
    """The "tap if you're OK" checks (a count and the answer times) and each advisory decision and response."""
    mine = [e for e in report.r.events if e.kind.startswith(("responsiveness.", "advisory."))]
    if not mine:
        return
    d.heading("Responsiveness checks and advisories")
    counts = check_counts(report.r)
    if counts.asked:
        answers = counts.answers_s
        median = f", median answer {number(answers[len(answers) // 2], 0)} s" if answers else ""
        d.key_values([("Tap if you're OK",
                       f"asked {counts.asked}, answered {len(answers)}{median}, missed {counts.missed}")])
    rows = [[report.t(e.ts, True), report.r.name(e.actor), describe(e)] for e in mine
            if e.kind in (K.RESPONSIVENESS_MISSED, K.ADVISORY_PRE_DOSE_DECIDED, K.ADVISORY_RESPONDED)]
    if rows:
        d.table([Column("Time", 0.9, C), Column("By", 1.0), Column("What", 6.5)], rows)
