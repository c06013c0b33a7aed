"""The session record PDF: A4, first page = who, what dose, the checks and the vitals chart; then the 5-minute
vitals table, alarms, symptoms and medications, assessments, discharge, who did what, and the full event log."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path

from PySide6.QtCore import QRectF

from roomcontrol import __version__
from roomcontrol.records.entries import duration
from roomcontrol.records.model import SessionRecord
from roomcontrol.domain.wording import CHECKLIST_LABELS, condition_label, describe, details, label, number, phase_label
from roomcontrol.ui.report import protocol_pages
from roomcontrol.ui.report.chart import Chart
from roomcontrol.ui.report.discharge_rules import escort_and_overrides, rems_page
from roomcontrol.ui.report.entry_text import corrected_mark, plan_corrected, reading_text
from roomcontrol.ui.report.layout import C, GREY, INK, R, Column, Doc, font, mm, pt
from roomcontrol.ui.report.pdf_writer import local_tz, write_pdf


class Report:
    def __init__(self, record: SessionRecord, clinic_name: str, room_name: str, tz: tzinfo,
                 generated_at: datetime):
        self.r = record
        self.clinic, self.room = clinic_name, room_name
        self.tz = tz
        self.generated_at = generated_at
        self.pages = 0

    # -- formatting ---------------------------------------------------------------------------------------
    def t(self, ts: datetime | None, seconds: bool = False) -> str:
        if ts is None:
            return "–"
        return ts.astimezone(self.tz).strftime("%H:%M:%S" if seconds else "%H:%M")

    def date(self, ts: datetime) -> str:
        local = ts.astimezone(self.tz)
        return f"{local.day} {local:%b %Y}"

    def tz_name(self) -> str:
        offset = self.r.opened_at.astimezone(self.tz).strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"

    # -- page furniture -----------------------------------------------------------------------------------
    def header(self, d: Doc) -> float:
        y = Doc.MARGIN_TOP
        if d.page == 1:
            big, sub = font(16, bold=True), font(10)
            h = d.metrics(big).height()
            d.draw_text(QRectF(d.left, y, d.width, h), self.clinic, big, wrap=False)
            d.draw_text(QRectF(d.left, y + pt(4), d.width, h), "Session record", font(11, bold=True), R,
                        wrap=False)
            y += h
            hs = d.metrics(sub).height()
            room_w = d.metrics(sub).horizontalAdvance(self.room) + mm(6)
            d.draw_text(QRectF(d.left, y, d.width - room_w, hs), self.kind_line(), sub, color=GREY, wrap=False)
            d.draw_text(QRectF(d.left, y, d.width, hs), self.room, sub, R, color=GREY, wrap=False)
            y += hs + mm(1.5)
            d.line(d.left, y, d.left + d.width, y, INK, pt(1.6))
            y += mm(2.5)
            return self._identity(d, y)
        f = font(7.5)
        h = d.metrics(f).height()
        d.draw_text(QRectF(d.left, y, d.width, h), f"{self.clinic} · {self.room} · Session record", f, wrap=False)
        d.draw_text(QRectF(d.left, y, d.width, h),
                    f"Patient {self.r.patient_ref} · course {self.r.course_no} · {self.date(self.r.opened_at)}",
                    font(7.5, bold=True), R, wrap=False)
        y += h + mm(1)
        d.line(d.left, y, d.left + d.width, y, INK, pt(0.8))
        return y + mm(3)

    def kind_line(self) -> str:
        """Under the clinic's name: the protocol's title (its id and version head the dose section), or the one kind
        of session there was before protocols."""
        p = self.r.protocol
        return "Intravenous ketamine infusion" if p is None else p.title

    def _identity(self, d: Doc, y: float) -> float:
        r = self.r
        cells = [("PATIENT REFERENCE", r.patient_ref), ("COURSE NO.", f"{r.course_no}"),
                 ("DATE", self.date(r.opened_at)), ("SESSION", r.session_id[:8]),
                 ("OPENED", f"{self.t(r.opened_at)} by {r.name(r.opened_by)}"),
                 ("OUTCOME", f"{r.outcome.capitalize()} {self.t(r.closed_at)}"),
                 ("WEIGHT", f"{number(r.plan.get('weight_kg'))} kg"),
                 ("TIMES", f"local, {self.tz_name()}")]
        cols, cell_h = 4, mm(10.5)
        w = d.width / cols
        box = QRectF(d.left, y, d.width, cell_h * 2)
        d.box(box, INK, pt(0.9))
        for n, (lab, value) in enumerate(cells):
            cx, cy = d.left + (n % cols) * w, y + (n // cols) * cell_h
            if n % cols:
                d.line(cx, cy, cx, cy + cell_h, GREY, pt(0.4))
            d.draw_text(QRectF(cx + mm(2), cy + mm(1.2), w - mm(3), mm(3)), lab, font(6.2), color=GREY, wrap=False)
            size = 12 if n == 0 else 9.5
            d.draw_text(QRectF(cx + mm(2), cy + mm(4.2), w - mm(3), mm(6)), value, font(size, bold=True),
                        wrap=False)
        d.line(d.left, y + cell_h, d.left + d.width, y + cell_h, GREY, pt(0.4))
        return y + cell_h * 2 + mm(1)

    def footer(self, d: Doc) -> None:
        f = font(6.5)
        y = d.page_h - Doc.MARGIN_BOTTOM - mm(4)
        d.line(d.left, y - mm(1), d.left + d.width, y - mm(1), GREY, pt(0.4))
        gen = self.generated_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        text = (f"Patient {self.r.patient_ref} · session {self.r.session_id} · from the room's event log, "
                f"seq {self.r.first_seq}–{self.r.last_seq}, last hash {self.r.last_hash[:12]} · "
                f"made {gen} by RoomControl {__version__}")
        d.draw_text(QRectF(d.left, y, d.width - mm(22), mm(6)), text, f, color=GREY)
        d.draw_text(QRectF(d.left, y, d.width, mm(4)), f"Page {d.page} of {self.pages or '?'}",
                    font(7, bold=True), R, wrap=False)

    # -- content ------------------------------------------------------------------------------------------
    def body(self, d: Doc) -> None:
        self.dose(d)
        protocol_pages.controlled(self, d)
        self.chart(d)
        self.checks(d)
        self.vitals_table(d)
        self.alarms(d)
        protocol_pages.checks_advisories(self, d)
        self.symptoms_medications(d)
        self.assessments(d)
        self.notes(d)
        self.discharge(d)
        self.who(d)
        self.event_log(d)
        rems_page(self, d)

    def protocol_pairs(self) -> list[tuple[str, str]]:
        p = self.r.protocol
        if p is None:
            return [("Protocol", "none: the room's own session values")]
        return [("Protocol", f"{p.id}, version {p.version}")]

    def ended(self, completed: str) -> str:
        """How the dose ended: `completed` (the words for a dose given in full), stopped early, or aborted."""
        r, inf = self.r, self.r.infusion
        if inf.end_kind == "completed":
            return f"{self.t(inf.ended_at)} {completed}, by {r.name(inf.ended_by)}"
        if inf.end_kind == "stopped":
            return f"{self.t(inf.ended_at)} STOPPED EARLY, by {r.name(inf.ended_by)}"
        return "not started" if inf.started_at is None else f"{self.t(inf.ended_at)} (session aborted)"

    def dose(self, d: Doc) -> None:
        if self.r.fixed_dose:
            protocol_pages.fixed_dose(self, d)
            return
        r, inf, plan = self.r, self.r.infusion, self.r.plan
        d.heading("Dose and infusion")
        rate = f"{number(inf.rate_mg_per_h)} mg/h"
        if plan.get("rate_ml_per_h"):
            rate += f" = {number(plan['rate_ml_per_h'])} mL/h of {number(plan.get('concentration_mg_per_ml'))} mg/mL"
        ended = self.ended("completed")
        rx = r.prescribed
        pairs = self.protocol_pairs() + [
            ("PRESCRIBED dose", f"{number(plan.get('dose_mg_per_kg'))} mg/kg × {number(plan.get('weight_kg'))} kg = "
                                f"{number(r.total_dose_mg)} mg over {duration(inf.planned_min)}"
                                + (plan_corrected(rx) if rx else "")),
            ("Rate", rate + (" prescribed; titrated (below)" if inf.titrated else "")),
            ("Infusion started",
             f"{self.t(inf.started_at)} by {r.name(inf.started_by)}" if inf.started_at else "not started"),
            ("Infusion ended", ended),
            ("Time infused", f"{duration(inf.infused_min)} of {duration(inf.planned_min)} (pauses excluded)"),
            ("Dose GIVEN", f"{number(r.dose_given_mg)} mg = {number(inf.rate_mg_per_h)} mg/h × "
                           f"{duration(inf.infused_min)} infused" if not inf.titrated else
                           f"{number(r.dose_given_mg)} mg over {len(inf.segments)} rate segments "
                           f"({duration(inf.infused_min)} infused, titrated {len(inf.rate_changes)}×; below)"),
        ]
        if rx is not None and rx.high_dose_confirmed_by:
            pairs.insert(2, ("High dose", f"above the usual maximum of {number(rx.soft_max_mg_per_kg)} mg/kg, "
                                          f"confirmed by {r.name(rx.high_dose_confirmed_by)}"))
        d.key_values(pairs, label_share=0.3)
        if inf.stop_reason:
            d.paragraph(f"Stopped early: {inf.stop_reason}", font(8.5, bold=True))
        if inf.segments:
            self.segments(d)
        if inf.pauses:
            rows = []
            for n, p in enumerate(inf.pauses, 1):
                rows.append([f"{n}", self.t(p.started), self.t(p.ended), duration(p.minutes), p.reason,
                             r.name(p.paused_by) + (f" / {r.name(p.resumed_by)}" if p.resumed_by and
                                                    p.resumed_by != p.paused_by else "")])
            d.space(mm(0.5))
            d.table([Column("Pause", 0.6, C), Column("Paused", 0.9, C), Column("Resumed", 0.9, C),
                     Column("Length", 0.9, R), Column("Reason", 4.5), Column("By", 1.4)], rows)
        else:
            d.paragraph("No pauses.", color=GREY)

    def segments(self, d: Doc) -> None:
        """The infusion at each rate: from–to, rate, running time and mg, then the total; and each rate change."""
        r, inf = self.r, self.r.infusion
        conc = r.plan.get("concentration_mg_per_ml")
        rows = []
        for n, seg in enumerate(inf.segments, 1):
            end = seg.end or r.closing.at
            rate = f"{number(seg.rate_mg_per_h)} mg/h" + (f" ({number(seg.rate_mg_per_h / conc)} mL/h)" if conc else "")
            rows.append([f"{n}", self.t(seg.start), self.t(end), rate, duration(seg.running_s(end) / 60.0),
                         f"{number(round(seg.mg(end), 2))} mg"])
        rows.append(["", "", "", "Total", duration(inf.infused_min), f"{number(r.dose_given_mg)} mg"])
        d.space(mm(0.5))
        d.table([Column("Segment", 0.8, C), Column("From", 0.9, C), Column("To", 0.9, C), Column("Rate", 2.2),
                 Column("Running", 1.2, R), Column("Given", 1.2, R)], rows,
                emphasis=[False] * (len(rows) - 1) + [True])
        if inf.rate_changes:
            d.space(mm(0.5))
            d.table([Column("Rate change", 0.9, C), Column("From → to", 1.8), Column("Infused", 1.1, R),
                     Column("Reason", 3.6), Column("By", 1.4)],
                    [[self.t(c.at), f"{number(c.from_mg_per_h)} → {number(c.to_mg_per_h)} mg/h",
                      duration(c.at_infused_s / 60.0), c.reason, r.name(c.by)] for c in inf.rate_changes])

    def checks(self, d: Doc) -> None:
        d.heading("Checks before dosing and baseline" if self.r.fixed_dose else "Pre-infusion checks and baseline")
        rows = [[CHECKLIST_LABELS.get(c.item, label(c.item)), self.t(c.at), self.r.name(c.by), details(c.details) or "confirmed"]
                for c in self.r.checklist]
        b = self.r.baseline
        if b:
            v = b.values
            rows.append(["Baseline vitals", self.t(b.at), self.r.name(b.by),
                         f"HR {number(v.get('heart_rate'))} /min, SpO2 {number(v.get('spo2'))} %, "
                         f"NIBP {number(v.get('nibp_systolic'))}/{number(v.get('nibp_diastolic'))} mmHg ({b.source})"])
        d.table([Column("Check", 1.5), Column("Time", 0.7, C), Column("By", 1.0), Column("Details", 5.0)], rows,
                empty="No checks recorded.")

    def chart(self, d: Doc) -> None:
        chart = Chart(d, self.r, self.tz)
        chart.fit(d.bottom - d.y - d.metrics(font(10.5, bold=True)).height() - mm(6))  # under its heading
        d.heading("Vitals, whole session", keep=chart.height())
        chart.draw(d.y)
        d.y += chart.height()

    def vitals_table(self, d: Doc) -> None:
        d.heading("Vitals every 5 minutes")
        rows = []
        for row, (_, chosen) in zip(self.r.grid(), self.r.grid_samples()):
            v = row.values
            nibp = "–" if v["nibp_systolic"] is None and v["nibp_diastolic"] is None else \
                f"{number(v['nibp_systolic'], 0)}/{number(v['nibp_diastolic'], 0)}"
            sample = chosen.get("nibp_systolic")
            if self.r.validation_of(sample.ts if sample else None):
                nibp += " ✓"  # charted by the nurse (vitals.validated)
            rows.append([self.t(row.at), f"{row.minute}", self.r.phase_name(row.phase),
                         number(v["heart_rate"], 0), number(v["spo2"], 0), nibp, number(v["respiratory_rate"], 0),
                         number(v["etco2"], 0)])
        b = self.r.baseline
        if b:
            v = b.values
            rows.insert(0, [self.t(b.at), "BL", "baseline", number(v.get("heart_rate")), number(v.get("spo2")),
                            f"{number(v.get('nibp_systolic'))}/{number(v.get('nibp_diastolic'))}", "–", "–"])
        d.table([Column("Time", 0.9, C), Column("Length", 0.9, R), Column("Phase", 1.3), Column("HR /min", 1.0, R),
                 Column("SpO2 %", 1.0, R), Column("NIBP mmHg", 1.3, R), Column("RR /min", 1.0, R),
                 Column("EtCO2 mmHg", 1.1, R)], rows,
                empty="No vitals were stored for this session.",
                emphasis=[r[1] == "BL" for r in rows])
        d.paragraph("Each row: the reading nearest the time, within 2.5 min either side; readings flagged sensor-off "
                    "or artefact are left out; – = none; ✓ = charted by the nurse (below).", font(6.8, italic=True),
                    GREY)
        if self.r.validated:
            d.heading("Readings charted by the nurse")
            d.table([Column("Reading at", 0.9, C), Column("For", 2.2), Column("Reading", 2.2),
                     Column("Charted", 0.9, C), Column("By", 1.4)],
                    [[self.t(v.reading_at) if v.reading_at else "–", v.item, reading_text(v.reading),
                      self.t(v.at), self.r.name(v.by)] for v in self.r.validated])

    def alarms(self, d: Doc) -> None:
        d.heading("Alarms")
        rows = []
        for n, a in enumerate(self.r.alarms, 1):
            prio = a.priority + (f" → {a.top_priority}" if a.top_priority != a.priority else "")
            ack = f"{self.t(a.acknowledged_at)} {self.r.name(a.acknowledged_by)}" if a.acknowledged_at else "–"
            if a.audio_paused_by:
                ack += f"; sound paused by {', '.join(self.r.name(x) for x in a.audio_paused_by)}"
            cleared = f"{self.t(a.cleared_at)} {a.clear_reason or ''}".strip() if a.cleared_at else "not cleared"
            rows.append([f"A{n}", self.t(a.raised_at, True), a.text or condition_label(a.condition),
                         number(a.value, 0) if a.value is not None else "–", prio, ack, cleared])
        d.table([Column("Ref", 0.5, C), Column("Raised", 0.9, C), Column("Alarm", 1.8), Column("Value", 0.6, R),
                 Column("Priority", 1.1), Column("Acknowledged", 1.6), Column("Cleared", 1.7)], rows,
                empty="No alarms.")

    def symptoms_medications(self, d: Doc) -> None:
        d.heading("Symptoms and medications")
        items = []
        for n, s in enumerate(self.r.symptoms, 1):
            extra = details(s.details)
            items.append((s.at, [f"S{n}", self.t(s.at), "Symptom",
                                 s.symptom + (f", {s.severity}" if s.severity else "") + (f" ({extra})" if extra else "")
                                 + corrected_mark(s), self.r.name(s.by)]))
        for n, m in enumerate(self.r.medications, 1):
            items.append((m.at, [f"M{n}", self.t(m.at), "Medication",
                                 f"{m.drug} {number(m.dose)} {m.unit} {m.route}"
                                 + (f", for {m.indication}" if m.indication else "") + corrected_mark(m),
                                 self.r.name(m.by)]))
        rows = [cells for _, cells in sorted(items, key=lambda t: t[0])]
        d.table([Column("Ref", 0.5, C), Column("Time", 0.7, C), Column("Type", 1.1), Column("Details", 4.6),
                 Column("By", 1.1)], rows, empty="No symptoms noted and no medications given besides ketamine.")

    def assessments(self, d: Doc) -> None:
        d.heading("Assessments")
        rows = []
        for a in self.r.assessments:
            items = ", ".join(f"{label(k)} {v}" for k, v in a.items.items())
            score = f"{a.score}" + (f" / {a.max_score}" if a.max_score is not None else "")
            flag = ""
            if a.flag:
                ack = (f"acknowledged by {self.r.name(a.flag_acknowledged_by)} at {self.t(a.flag_acknowledged_at)}"
                       if a.flag_acknowledged_by else "NOT acknowledged by a nurse")
                flag = f". FLAGGED: {a.flag}; {ack}"
            rows.append([self.t(a.at), a.scale, score, items + corrected_mark(a) + flag, self.r.name(a.by)])
        d.table([Column("Time", 0.7, C), Column("Scale", 0.9), Column("Score", 0.8, C), Column("Items", 5.0),
                 Column("By", 1.0)], rows, empty="No assessments recorded.")

    def notes(self, d: Doc) -> None:
        if not self.r.notes:
            return
        d.heading("Notes")
        d.table([Column("Time", 0.7, C), Column("Note", 6.5), Column("By", 1.0)],
                [[self.t(n.at), n.text, self.r.name(n.by)] for n in self.r.notes])

    def discharge(self, d: Doc) -> None:
        c = self.r.closing
        if c.kind == "discharged":
            d.heading("Discharge")
            escort = "YES, confirmed" if c.escort_confirmed else "NO, not confirmed"
            pairs = [("Discharged", f"{self.t(c.at)} by {self.r.name(c.by)}"),
                     ("PADSS at discharge", f"{c.padss_score} / 10"),
                     ("Escort confirmed", escort), ("Recovery", duration(c.recovery_min))]
            d.key_values(pairs)
            escort_and_overrides(self, d)
        else:
            d.heading("Session aborted")
            d.key_values([("Aborted", f"{self.t(c.at)} by {self.r.name(c.by)}"),
                          ("In phase", phase_label(c.phase) if c.phase else "–"),
                          ("Reason", c.reason or "–")])
        d.space(mm(5))
        d.ensure(mm(10))
        third = d.width / 3
        for n, text in enumerate(("Nurse (name, signature)", "Physician (name, signature)", "Date")):
            x = d.left + n * third
            d.line(x, d.y + mm(5), x + third - mm(6), d.y + mm(5), INK, pt(0.6))
            d.draw_text(QRectF(x, d.y + mm(5.6), third, mm(4)), text, font(6.8), color=GREY, wrap=False)
        d.y += mm(10)

    def who(self, d: Doc) -> None:
        d.heading("Who did what")
        rows = [[self.r.name(actor), "; ".join(acts)] for actor, acts in self.r.staff_acts().items()]
        d.table([Column("Person", 1.2), Column("Acts", 6.0)], rows, empty="No acts by staff recorded.")

    def event_log(self, d: Doc) -> None:
        d.heading("Event log of the session")
        rows = [[self.t(e.ts, True), f"{e.seq}", self.r.name(e.actor), describe(e)] for e in self.r.events]
        d.table([Column("Time", 0.9, C), Column("Seq", 0.5, R), Column("By", 1.0), Column("Event", 6.0)], rows,
                f=font(7.2))


def render_pdf(record: SessionRecord, path: Path | str, *, clinic_name: str, room_name: str,
               tz: tzinfo | None = None, generated_at: datetime | None = None) -> Path:
    """Draw the record into a PDF at `path` (A4). Times print in `tz` (default: this computer's zone)."""
    report = Report(record, clinic_name, room_name, tz or local_tz(), generated_at or datetime.now(timezone.utc))
    return write_pdf(report, path,
                     f"Session record {record.patient_ref} course {record.course_no} {record.session_id[:8]}")
