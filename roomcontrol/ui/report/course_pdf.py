"""The course record PDF for the chart (issue #16): A4; the patient's course at a glance — PHQ-9 / GAD-7 over the
course with the response line, the dose planned and given per session — then a table of every session and the
comfort plan. Drawn from the course JSON the hub serves (docs/COURSE.md), so it needs nothing but that."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from roomcontrol import __version__
from roomcontrol.domain.ambient_words import light_colour
from roomcontrol.domain.comfort import music_words, read_plan
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.domain.wording import number
from roomcontrol.ui.report.layout import C, GREY, INK, R, RULE, Column, Doc, font, mm, pt
from roomcontrol.ui.report.pdf_writer import local_tz, write_pdf

PHQ_COLOUR, GAD_COLOUR = QColor(20, 20, 20), QColor(110, 110, 110)  # black and grey: charts are printed
GIVEN, PLANNED = QColor(60, 60, 60), QColor(200, 200, 200)


def _n(value: Any, unit: str = "") -> str:
    return "–" if value is None else f"{number(value)}{unit}"


def _plain(value: Any) -> str:
    """A value of a plan this version cannot read, shown as given."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "–"
    return number(value) if isinstance(value, (int, float)) else str(value)


def comfort_rows(raw: Any) -> list[tuple[str, str]]:
    """The comfort plan as the chart reads it: light and music in words (domain/ambient_words.py), the kelvin kept
    in brackets for the record; a plan this version cannot read, key by key as given."""
    try:
        p = read_plan(raw)
    except Refused:
        return [(str(k).replace("_", " "), _plain(v)) for k, v in raw.items()] if isinstance(raw, dict) else []
    music = "silence" if p.prefers_silence else f"{music_words(p)} at {p.volume:g} %"
    return [("Light", f"{light_colour(p.colour_temp_k)} at {p.light:g} % ({p.colour_temp_k} K)"), ("Music", music),
            ("Mist", "on" if p.diffuser else "off"), ("Eye mask", "yes" if p.eye_mask else "no"),
            ("Blanket", "yes" if p.blanket else "no"), ("Patient's words", f"“{p.note}”" if p.note else "–")]


class CourseReport:
    def __init__(self, course: dict[str, Any], clinic_name: str, tz: tzinfo, generated_at: datetime):
        self.c, self.clinic, self.tz, self.generated_at = course, clinic_name, tz, generated_at
        self.pages = 0

    def day(self, iso: str) -> str:
        local = parse_iso(iso).astimezone(self.tz)
        return f"{local.day} {local:%b %Y}"

    # -- furniture ----------------------------------------------------------------------------------------
    def header(self, d: Doc) -> float:
        y = Doc.MARGIN_TOP
        big = font(16 if d.page == 1 else 7.5, bold=d.page == 1)
        h = d.metrics(big).height()
        d.draw_text(QRectF(d.left, y, d.width, h), self.clinic, big, wrap=False)
        d.draw_text(QRectF(d.left, y + (pt(4) if d.page == 1 else 0), d.width, h),
                    f"Course record · patient {self.c['patient_ref']}", font(11 if d.page == 1 else 7.5, bold=True),
                    R, wrap=False)
        y += h + mm(1)
        d.line(d.left, y, d.left + d.width, y, INK, pt(1.6 if d.page == 1 else 0.8))
        return y + mm(3)

    def footer(self, d: Doc) -> None:
        f = font(7)
        y = d.page_h - Doc.MARGIN_BOTTOM - mm(4)
        made = self.generated_at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        as_of = self.day(self.c["as_of"]) if self.c.get("as_of") else "–"
        d.draw_text(QRectF(d.left, y, d.width, mm(4)), f"From the clinic hub's synced room logs, as of {as_of} · "
                    f"made {made} by RoomControl {__version__}", f, color=GREY, wrap=False)
        d.draw_text(QRectF(d.left, y, d.width, mm(4)), f"page {d.page} of {self.pages or d.page}", f, R, color=GREY,
                    wrap=False)

    # -- body ---------------------------------------------------------------------------------------------
    def body(self, d: Doc) -> None:
        c = self.c
        sessions = c["sessions"]
        span = f"{self.day(sessions[0]['opened_at'])} – {self.day(sessions[-1]['opened_at'])}" if sessions else "–"
        d.key_values([("Patient", c["patient_ref"]), ("Sessions", f"{c['total']} ({c['infusions']} infused)"),
                      ("Course", span), ("PHQ-9", self._response("phq9")), ("GAD-7", self._response("gad7")),
                      ("PHQ-9 item 9", self._item9())])
        d.space(mm(3))
        d.heading("PHQ-9 and GAD-7 over the course")
        self.scores_chart(d)
        d.heading("Ketamine per session: planned and given")
        self.dose_chart(d)
        d.heading("Sessions")
        cols = [Column("Date · room", 1.15), Column("Protocol", 0.8), Column("Dose mg (mg/kg)", 1.0, R),
                Column("Rate mg/h", 0.75, R), Column("Infused", 0.8, R), Column("BP peak (base)", 0.95, R),
                Column("HR · SpO₂ min", 0.85, R), Column("Alarms", 0.75, R), Column("CADSS · MOAA/S", 0.85, R),
                Column("Notable", 2.1)]
        d.table(cols, [self._row(s) for s in sessions], font(7.2), empty="No sessions.")
        d.heading("Comfort plan (saved at the last discharge)", keep=mm(20))
        plan = c.get("comfort")
        if plan:
            d.key_values(comfort_rows(plan), columns=2, label_share=0.28)
        else:
            d.paragraph("None saved.", d.body, GREY)

    def _response(self, key: str) -> str:
        r = self.c["response"][key]
        if r["first"] is None:
            return "not taken"
        change = "" if r["change_pct"] is None else f" ({number(r['change_pct'])} %)"
        return f"{r['first']} → {r['latest']}{change}" + (" — RESPONSE (≥ 50 % fall)" if r["response"] else "")

    def _item9(self) -> str:
        hits = self.c.get("item9") or []
        if not hits:
            return "never above 0"
        return "FLAGGED: " + ", ".join(f"{p['item9']} on {self.day(p['at'])}" for p in hits)

    def _row(self, s: dict[str, Any]) -> list[str]:
        rates = [seg["rate_mg_per_h"] for seg in s["segments"]]
        steps = [r for i, r in enumerate(rates) if i == 0 or r != rates[i - 1]]
        base, peak = s["baseline"], s["peaks"]
        return [f"{self.day(s['opened_at'])} · {s['room_id']}" + ("" if s["outcome"] == "discharged"
                                                                  else f" ({s['outcome']})"),
                f"{s['protocol'] or '–'}" + (f" v{s['protocol_version']}" if s["protocol_version"] else ""),
                f"{_n(s['given_mg'])} of {_n(s['planned_mg'])}" + (f" ({_n(s['mg_per_kg'])})" if s["mg_per_kg"] else ""),
                " → ".join(number(r) for r in steps) or _n(s["rate_mg_per_h"]),
                f"{round(s['infused_s'] / 60)} min" + (f", {len(s['pauses'])} pause" if s["pauses"] else ""),
                f"{_n(peak['sys'])}/{_n(peak['dia'])} ({_n(base['sys'])}/{_n(base['dia'])})",
                f"{_n(peak['hr'])} · {_n(s['spo2_min'], ' %')}",
                f"{s['alarms']['total']}" + (f" ({s['alarms']['high']} high)" if s["alarms"]["high"] else ""),
                f"{_n(s['cadss_peak'])} · {_n(s['moaas_min'])}",
                "; ".join(s["notable"]) or "–"]

    # -- charts -------------------------------------------------------------------------------------------
    def _frame(self, d: Doc, height: float, y_max: float, y_label: str, ticks: list[float]) -> tuple[QRectF, Any]:
        """The plot area with its y axis; returns it and y(value) → page y."""
        d.ensure(height + mm(8))
        plot = QRectF(d.left + mm(12), d.y + mm(2), d.width - mm(14), height)
        d.y += height + mm(9)

        def y_of(v: float) -> float:
            return plot.bottom() - plot.height() * v / y_max

        if d.drawing:
            d.draw_text(QRectF(d.left, plot.top() - mm(4), mm(40), mm(4)), y_label, font(6.5), color=GREY,
                        wrap=False)
            for t in ticks:
                d.line(plot.left(), y_of(t), plot.right(), y_of(t), RULE, pt(0.3))
                d.draw_text(QRectF(d.left, y_of(t) - mm(1.6), mm(10.5), mm(3.2)), number(t), font(6.5), R,
                            color=GREY, wrap=False)
            d.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), INK, pt(0.8))
        return plot, y_of

    def _x_positions(self, plot: QRectF) -> dict[str, float]:
        """session_id → x: sessions spaced by their date over the course (a week between shows as a week)."""
        sessions = self.c["sessions"]
        if not sessions:
            return {}
        t0 = parse_iso(sessions[0]["opened_at"])
        days = [max(0.0, (parse_iso(s["opened_at"]) - t0).total_seconds() / 86400) for s in sessions]
        span = max(days[-1], 1.0)
        pad = mm(8)
        return {s["session_id"]: plot.left() + pad + (plot.width() - 2 * pad) * dd / span
                for s, dd in zip(sessions, days)}

    def _x_labels(self, d: Doc, plot: QRectF, xs: dict[str, float]) -> None:
        for s in self.c["sessions"]:
            local = parse_iso(s["opened_at"]).astimezone(self.tz)
            d.draw_text(QRectF(xs[s["session_id"]] - mm(8), plot.bottom() + mm(1), mm(16), mm(3.5)),
                        f"{local.day} {local:%b}", font(6.5), C, color=GREY, wrap=False)

    def scores_chart(self, d: Doc) -> None:
        plot, y_of = self._frame(d, mm(42), 27, "score (PHQ-9 0–27, GAD-7 0–21)", [0, 5, 10, 15, 20, 27])
        if not d.drawing:
            return
        xs = self._x_positions(plot)
        p = d.painter
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        first = self.c["response"]["phq9"]["first"]
        if first:
            half = y_of(first / 2)
            pen = QPen(INK, pt(0.6), Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(plot.left(), half), QPointF(plot.right(), half))
            d.draw_text(QRectF(plot.right() - mm(60), half - mm(3.6), mm(60), mm(3.4)),
                        f"response: PHQ-9 ≤ {number(first / 2)} (half the first)", font(6.5), R, wrap=False)
        legend_x = plot.left() + mm(2)
        for key, label, colour, style in (("phq9", "PHQ-9", PHQ_COLOUR, Qt.PenStyle.SolidLine),
                                          ("gad7", "GAD-7", GAD_COLOUR, Qt.PenStyle.DashDotLine)):
            points = [QPointF(self._score_x(pt_, xs), y_of(pt_["score"])) for pt_ in self.c[key]]
            p.setPen(QPen(colour, pt(1.4), style))
            for a, b in zip(points, points[1:]):
                p.drawLine(a, b)
            p.setBrush(QBrush(colour))
            for point, raw in zip(points, self.c[key]):
                p.setPen(QPen(colour, pt(0.6)))
                if key == "phq9" and (raw.get("item9") or 0) > 0:  # the flagged answer, marked on its point
                    p.drawRect(QRectF(point.x() - mm(1.1), point.y() - mm(1.1), mm(2.2), mm(2.2)))
                    d.draw_text(QRectF(point.x() - mm(10), point.y() - mm(5.5), mm(20), mm(3.2)),
                                f"item 9: {raw['item9']}", font(6.5, bold=True), C, wrap=False)
                else:
                    p.drawEllipse(point, mm(0.8), mm(0.8))
                d.draw_text(QRectF(point.x() + mm(1), point.y() + mm(0.6), mm(8), mm(3)), str(raw["score"]),
                            font(6.2), color=colour, wrap=False)
            p.setPen(QPen(colour, pt(1.4), style))
            p.drawLine(QPointF(legend_x, plot.top() + mm(2)), QPointF(legend_x + mm(6), plot.top() + mm(2)))
            d.draw_text(QRectF(legend_x + mm(7), plot.top() + mm(0.4), mm(20), mm(3.2)), label, font(6.8),
                        wrap=False)
            legend_x += mm(24)
        self._x_labels(d, plot, xs)

    def _score_x(self, point: dict[str, Any], xs: dict[str, float]) -> float:
        return xs.get(point.get("session_id") or "", min(xs.values(), default=0.0))

    def dose_chart(self, d: Doc) -> None:
        sessions = self.c["sessions"]
        top = max([s["planned_mg"] or 0 for s in sessions] + [s["given_mg"] for s in sessions] + [10])
        step = 10 if top <= 60 else 20 if top <= 120 else 50
        y_max = step * (int(top * 1.15 // step) + 1)  # room above the tallest bar for its label
        plot, y_of = self._frame(d, mm(32), y_max, "ketamine mg", [float(v) for v in range(0, int(y_max) + 1, step)])
        if not d.drawing:
            return
        xs = self._x_positions(plot)
        p = d.painter
        w = mm(5)
        for s in sessions:
            x = xs[s["session_id"]]
            if s["planned_mg"]:
                p.setPen(QPen(GREY, pt(0.6)))
                p.setBrush(QBrush(PLANNED))
                p.drawRect(QRectF(x - w / 2, y_of(s["planned_mg"]), w, plot.bottom() - y_of(s["planned_mg"])))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(GIVEN))
            p.drawRect(QRectF(x - w / 2 + mm(1), y_of(s["given_mg"]), w - mm(2), plot.bottom() - y_of(s["given_mg"])))
            label = f"{number(s['given_mg'])}" + (f" · {number(s['mg_per_kg'])}/kg" if s["mg_per_kg"] else "")
            d.draw_text(QRectF(x - mm(12), y_of(max(s["given_mg"], s["planned_mg"] or 0)) - mm(3.6), mm(24), mm(3.2)),
                        label, font(6.2), C, wrap=False)
        legend = plot.right() - mm(40), plot.top() + mm(0.3)  # top right: the scale leaves room above the bars
        d.fill(QRectF(legend[0], legend[1] + mm(0.4), mm(3), mm(2.4)), PLANNED)
        d.draw_text(QRectF(legend[0] + mm(4), legend[1], mm(16), mm(3.2)), "planned", font(6.8), wrap=False)
        d.fill(QRectF(legend[0] + mm(20), legend[1] + mm(0.4), mm(3), mm(2.4)), GIVEN)
        d.draw_text(QRectF(legend[0] + mm(24), legend[1], mm(16), mm(3.2)), "given", font(6.8), wrap=False)
        self._x_labels(d, plot, xs)


def render_course_pdf(course: dict[str, Any], path: Path | str, *, clinic_name: str, tz: tzinfo | None = None,
                      generated_at: datetime | None = None) -> Path:
    """Draw the course (the hub's course JSON, all sessions) into an A4 PDF at `path`."""
    report = CourseReport(course, clinic_name, tz or local_tz(), generated_at or datetime.now(timezone.utc))
    return write_pdf(report, path, f"Course record {course['patient_ref']}")
