"""The vitals chart of the whole session, drawn for a black-and-white printer: every series is told apart by its
line style or marker, never by colour alone; phases are hatch patterns; the baseline is a dash-dot line with its
value and a marker at the time it was taken; alarms, symptoms and medications are numbered flags that the tables
of the report refer to (A1, S1, M1)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from roomcontrol.records.model import SessionRecord
from roomcontrol.ui.report.layout import GREY, INK, Doc, font, mm, pt

LIGHT = QColor(205, 205, 205)
UPPER_H, UPPER_MIN_H = mm(62), mm(40)  # the upper plot (HR, BP, RR, EtCO2): its height, and as short as it gets
TITLE_BAND = mm(3.4)  # the strip at the top of each plot that holds its axis title, above the highest value
PHASE_PATTERNS = {  # phase → brush pattern (its words: domain/wording)
    "pre_infusion": Qt.BrushStyle.NoBrush,
    "infusing": Qt.BrushStyle.BDiagPattern,
    "paused": Qt.BrushStyle.DiagCrossPattern,
    "recovery": Qt.BrushStyle.Dense6Pattern,
}


def _pen(width_pt: float, style=Qt.PenStyle.SolidLine, color: QColor = INK) -> QPen:
    pen = QPen(color)
    pen.setWidthF(pt(width_pt))
    pen.setStyle(style)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


SERIES = {  # kind → (legend, pen)
    "heart_rate": ("Heart rate /min", lambda: _pen(1.3)),
    "respiratory_rate": ("Resp. rate /min", lambda: _pen(1.0, Qt.PenStyle.DotLine)),
    "etco2": ("EtCO2 mmHg", lambda: _pen(0.9, Qt.PenStyle.DashLine)),
    "spo2": ("SpO2 % (lower panel)", lambda: _pen(1.0)),
}


def flags_for(record: SessionRecord) -> list[tuple[datetime, str]]:
    """The numbered flags of the chart, in the same numbering as the report's tables."""
    out = [(a.raised_at, f"A{n}") for n, a in enumerate(record.alarms, 1)]
    out += [(s.at, f"S{n}") for n, s in enumerate(record.symptoms, 1)]
    out += [(m.at, f"M{n}") for n, m in enumerate(record.medications, 1)]
    return sorted(out)


class Chart:
    def __init__(self, doc: Doc, record: SessionRecord, tz: tzinfo):
        self.doc, self.r, self.tz = doc, record, tz
        self.t0 = record.opened_at
        span = (record.closed_at - record.opened_at).total_seconds()
        self.minutes = max(10, int((span / 60 + 9) // 10 * 10))  # axis end, a whole 10 min
        self.upper_h = UPPER_H

    def fit(self, available: float) -> None:
        """Shorten the upper plot (down to UPPER_MIN_H) so the chart fits in `available`, if that is enough: a long
        dose section (titration segments, a nasal dose) then leaves the chart on page 1 instead of a blank half page."""
        short = self.height() - available
        if 0 < short <= UPPER_H - UPPER_MIN_H:
            self.upper_h = UPPER_H - short

    def points(self, kind: str) -> list[tuple[datetime, float]]:
        """(time, value) of the trusted samples of one kind (a trusted sample always has a value)."""
        return [(s.ts, s.value) for s in self.r.samples(kind) if s.value is not None]

    def x(self, ts: datetime, area: QRectF) -> float:
        return area.left() + (ts - self.t0).total_seconds() / 60.0 / self.minutes * area.width()

    @staticmethod
    def y(value: float, area: QRectF, lo: float, hi: float) -> float:
        return area.bottom() - (value - lo) / (hi - lo) * area.height()

    def height(self) -> float:
        return mm(129) - UPPER_H + self.upper_h

    def draw(self, top: float) -> None:
        d = self.doc
        if not d.drawing:
            return
        p = d.painter
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        left = d.left + mm(11)
        width = d.width - mm(11) - mm(20)
        strip = QRectF(left, top, width, mm(5))
        flags = QRectF(left, strip.bottom() + mm(1), width, mm(5))
        # Each plot's frame has a band at its top for the axis title, above its highest value: no trace reaches it.
        upper_frame = QRectF(left, flags.bottom() + mm(1), width, self.upper_h + TITLE_BAND)
        lower_frame = QRectF(left, upper_frame.bottom() + mm(4.5), width, mm(22) + TITLE_BAND)
        upper, lower = (f.adjusted(0, TITLE_BAND, 0, 0) for f in (upper_frame, lower_frame))  # where values go
        frames = [upper_frame, lower_frame]
        self._phases(strip, frames)
        self._titles: list[tuple[QRectF, str]] = []
        self._flags(flags, frames)
        hi = self._upper_max()
        self._axes(upper_frame, upper, 0, hi, 20, "/min  mmHg")
        self._axes(lower_frame, lower, self._spo2_min(), 100, 2 if 100 - self._spo2_min() <= 12 else 5, "SpO2 %")
        self._time_axis(lower)
        self._baseline(upper, lower, hi)
        for kind in ("respiratory_rate", "etco2", "heart_rate"):
            self._series(kind, upper, 0, hi)
        self._series("spo2", lower, self._spo2_min(), 100)
        self._nibp(upper, 0, hi)
        for area, title in self._titles:
            tf = font(6.2, italic=True)
            box = QRectF(area.left() + pt(0.4), area.top() + pt(0.4), d.text_width(title, tf) + mm(3),
                         TITLE_BAND - pt(0.4))  # inside the frame's line, the band's full height
            p.fillRect(box, QColor(255, 255, 255))
            d.draw_text(box.adjusted(mm(1.5), pt(0.6), 0, 0), title, tf, color=GREY, wrap=False)
        self._legend(QRectF(d.left, lower.bottom() + mm(9), d.width, mm(5)))
        p.restore()

    # -- parts --------------------------------------------------------------------------------------------
    def _upper_max(self) -> float:
        values = [v for k in ("heart_rate", "respiratory_rate", "nibp_systolic") for _, v in self.points(k)]
        if self.r.baseline:
            values += [v for v in self.r.baseline.values.values() if v is not None]
        top = max(values + [140])
        return float(min(260, (int(top) // 20 + 1) * 20))

    def _spo2_min(self) -> float:
        values = [v for _, v in self.points("spo2")]
        low = min(values + [90])
        return float(max(50, (int(low) - 2) // 2 * 2))

    def _phases(self, strip: QRectF, areas: list[QRectF]) -> None:
        p = self.doc.painter
        phases = [(ts, ph) for ts, ph in self.r.phases if ph in PHASE_PATTERNS]
        for n, (start, phase) in enumerate(phases):
            end = phases[n + 1][0] if n + 1 < len(phases) else self.r.closed_at
            x1, x2 = self.x(start, strip), self.x(end, strip)
            if x2 - x1 < 1:
                continue
            label, pattern = self.r.phase_name(phase), PHASE_PATTERNS[phase]
            rect = QRectF(x1, strip.top(), x2 - x1, strip.height())
            p.setPen(_pen(0.6))
            p.setBrush(QBrush(QColor(120, 120, 120), pattern) if pattern != Qt.BrushStyle.NoBrush else Qt.BrushStyle.NoBrush)
            p.drawRect(rect)
            fnt = font(6.5, bold=True)
            tw = self.doc.text_width(label, fnt) + mm(2)
            if tw < rect.width():
                box = QRectF(rect.center().x() - tw / 2, rect.top() + mm(0.6), tw, rect.height() - mm(1.2))
                p.fillRect(box, QColor(255, 255, 255))
                self.doc.draw_text(box, label, fnt, Qt.AlignmentFlag.AlignHCenter, wrap=False)
            if phase in ("infusing", "paused"):
                # light shading of the infusion time through the plots, and its edges as dashed lines
                for area in areas:
                    p.fillRect(QRectF(x1, area.top(), x2 - x1, area.height()),
                               QColor(244, 244, 244) if phase == "infusing" else QColor(228, 228, 228))
        for ts, edge in ((self.r.infusion.started_at, "start"), (self.r.infusion.ended_at, "end")):
            if ts is None:
                continue
            for area in areas:
                x = self.x(ts, area)
                p.setPen(_pen(0.6, Qt.PenStyle.DashLine, GREY))
                p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

    def _flags(self, row: QRectF, areas: list[QRectF]) -> None:
        p = self.doc.painter
        fnt = font(6.2, bold=True)
        last_right = -1e9
        level = 0
        for ts, name in flags_for(self.r):
            x = self.x(ts, row)
            w = self.doc.text_width(name, fnt) + mm(1.6)
            level = level + 1 if x - w / 2 < last_right else 0
            box = QRectF(x - w / 2 + level * (w + mm(0.5)), row.top(), w, row.height() - mm(0.8))
            p.setPen(_pen(0.6))
            p.setBrush(QColor(255, 255, 255))
            p.drawRect(box)
            self.doc.draw_text(box.adjusted(0, mm(0.5), 0, 0), name, fnt, Qt.AlignmentFlag.AlignHCenter, wrap=False)
            last_right = box.right()
            for area in areas:
                p.setPen(_pen(0.4, Qt.PenStyle.DotLine, GREY))
                p.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

    def _axes(self, frame: QRectF, area: QRectF, lo: float, hi: float, step: float, title: str) -> None:
        """Grid and values in `area` (where the values go); the frame, the minute lines and the title in `frame`."""
        p, d = self.doc.painter, self.doc
        fnt = font(6.5)
        value = -(-lo // step) * step
        while value <= hi + 1e-6:
            y = self.y(value, area, lo, hi)
            p.setPen(_pen(0.3, color=LIGHT))
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            d.draw_text(QRectF(area.left() - mm(10), y - mm(1.5), mm(9), mm(3)), f"{value:g}", fnt,
                        Qt.AlignmentFlag.AlignRight, wrap=False)
            value += step
        for minute in range(0, self.minutes + 1, 10):
            x = frame.left() + minute / self.minutes * frame.width()
            p.setPen(_pen(0.3, color=LIGHT))
            p.drawLine(QPointF(x, frame.top()), QPointF(x, frame.bottom()))
        p.setPen(_pen(0.8))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(frame)
        self._titles.append((frame, title))

    def _time_axis(self, area: QRectF) -> None:
        d = self.doc
        fnt, small = font(6.5), font(6.0)
        # a label every 10 min for an infusion's hour or so; every 30 or 60 min for a long (pain, nasal) session
        every = 10 if self.minutes <= 120 else 30 if self.minutes <= 240 else 60
        for minute in range(0, self.minutes + 1, every):
            x = area.left() + minute / self.minutes * area.width()
            clock = (self.t0 + timedelta(minutes=minute)).astimezone(self.tz).strftime("%H:%M")
            d.draw_text(QRectF(x - mm(8), area.bottom() + mm(0.8), mm(16), mm(3)), f"{minute}", fnt,
                        Qt.AlignmentFlag.AlignHCenter, wrap=False)
            d.draw_text(QRectF(x - mm(8), area.bottom() + mm(3.6), mm(16), mm(3)), clock, small,
                        Qt.AlignmentFlag.AlignHCenter, color=GREY, wrap=False)

    def _baseline(self, upper: QRectF, lower: QRectF, hi: float) -> None:
        b = self.r.baseline
        if b is None:
            return
        p, d = self.doc.painter, self.doc
        fnt = font(6.0)
        labels = []
        for kind, short, area, lo, top in (("heart_rate", "HR", upper, 0, hi), ("nibp_systolic", "Sys", upper, 0, hi),
                                           ("nibp_diastolic", "Dia", upper, 0, hi),
                                           ("spo2", "SpO2", lower, self._spo2_min(), 100)):
            value = b.values.get(kind)
            if value is None:
                continue
            y = self.y(value, area, lo, top)
            p.setPen(_pen(0.7, Qt.PenStyle.DashDotLine, GREY))
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            labels.append((area, y, f"BL {short} {value:g}"))
        # labels right of the plot, pushed apart so they never overlap
        labels.sort(key=lambda t: t[1])
        last = -1e9
        for area, y, text in labels:
            y = max(y, last + mm(2.8))
            d.draw_text(QRectF(area.right() + mm(1), y - mm(1.3), mm(19), mm(3)), text, fnt, wrap=False)
            last = y
        # where it was taken: a filled triangle under the time axis of the upper plot, labelled
        x = self.x(b.at, upper)
        tri = QPolygonF([QPointF(x, upper.bottom()), QPointF(x - mm(1.2), upper.bottom() + mm(2)),
                         QPointF(x + mm(1.2), upper.bottom() + mm(2))])
        p.setPen(_pen(0.5))
        p.setBrush(INK)
        p.drawPolygon(tri)
        d.draw_text(QRectF(x + mm(1.4), upper.bottom() + mm(0.1), mm(20), mm(3)), "Baseline", font(6.0, bold=True),
                    wrap=False)

    def _series(self, kind: str, area: QRectF, lo: float, hi: float) -> None:
        p = self.doc.painter
        samples = self.points(kind)
        if not samples:
            return
        times = [ts for ts, _ in samples]
        gaps = sorted((b - a).total_seconds() for a, b in zip(times, times[1:]))
        typical = gaps[len(gaps) // 2] if gaps else 60
        max_gap = max(120.0, 3 * typical)
        path = QPainterPath()
        prev = None
        for ts, value in samples:
            point = QPointF(self.x(ts, area), self.y(min(max(value, lo), hi), area, lo, hi))
            if prev is None or (ts - prev).total_seconds() > max_gap:
                path.moveTo(point)
            else:
                path.lineTo(point)
            prev = ts
        p.setPen(SERIES[kind][1]())
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)

    def _nibp(self, area: QRectF, lo: float, hi: float) -> None:
        p = self.doc.painter
        sys_ = dict(self.points("nibp_systolic"))
        dia = dict(self.points("nibp_diastolic"))
        w = mm(1.3)
        for ts in sorted(set(sys_) | set(dia)):
            x = self.x(ts, area)
            ys = self.y(sys_[ts], area, lo, hi) if ts in sys_ else None
            yd = self.y(dia[ts], area, lo, hi) if ts in dia else None
            p.setPen(_pen(0.5))
            if ys is not None and yd is not None:
                p.drawLine(QPointF(x, ys), QPointF(x, yd))
            p.setPen(_pen(1.0))
            if ys is not None:  # systolic: a V pointing down onto the value
                p.drawPolyline(QPolygonF([QPointF(x - w, ys - w * 1.4), QPointF(x, ys), QPointF(x + w, ys - w * 1.4)]))
            if yd is not None:  # diastolic: a ^ pointing up onto the value
                p.drawPolyline(QPolygonF([QPointF(x - w, yd + w * 1.4), QPointF(x, yd), QPointF(x + w, yd + w * 1.4)]))

    def _legend(self, row: QRectF) -> None:
        p, d = self.doc.painter, self.doc
        fnt = font(6.8)
        x = row.left() + mm(11)
        y = row.top() + row.height() / 2

        def label(text: str) -> None:
            nonlocal x
            d.draw_text(QRectF(x, row.top() + mm(0.6), d.text_width(text, fnt) + mm(2), row.height()), text, fnt,
                        wrap=False)
            x += d.text_width(text, fnt) + mm(4)

        for kind in ("heart_rate", "respiratory_rate", "etco2", "spo2"):
            if kind == "etco2" and not self.points(kind):
                continue  # most rooms have no capnograph: no legend for a line that is not there
            p.setPen(SERIES[kind][1]())
            p.drawLine(QPointF(x, y), QPointF(x + mm(8), y))
            x += mm(9.5)
            label(SERIES[kind][0])
        w = mm(1.1)
        p.setPen(_pen(1.0))
        cx = x + mm(1.5)
        p.drawPolyline(QPolygonF([QPointF(cx - w, y - mm(2.2)), QPointF(cx, y - mm(0.8)), QPointF(cx + w, y - mm(2.2))]))
        p.drawPolyline(QPolygonF([QPointF(cx - w, y + mm(2.2)), QPointF(cx, y + mm(0.8)), QPointF(cx + w, y + mm(2.2))]))
        p.setPen(_pen(0.5))
        p.drawLine(QPointF(cx, y - mm(0.8)), QPointF(cx, y + mm(0.8)))
        x += mm(4)
        label("NIBP sys/dia mmHg")
        p.setPen(_pen(0.7, Qt.PenStyle.DashDotLine, GREY))
        p.drawLine(QPointF(x, y), QPointF(x + mm(8), y))
        x += mm(9.5)
        label("Baseline (BL)")
        x = row.left() + mm(11)
        row = QRectF(row.left(), row.top() + mm(5), row.width(), row.height())
        y += mm(5)
        for phase in ("infusing", "paused", "recovery"):
            name, pattern = self.r.phase_name(phase), PHASE_PATTERNS[phase]
            rect = QRectF(x, y - mm(1.5), mm(5), mm(3))
            p.setPen(_pen(0.5))
            p.setBrush(QBrush(QColor(120, 120, 120), pattern))
            p.drawRect(rect)
            x += mm(6.5)
            label(name)
        label("A1 S1 M1: alarm, symptom, medication (tables)")
        label("Time: minutes since opening / clock")
