"""A small page-layout engine over QPainter for the PDF: flowing text, key-value grids and tables that break
across pages, with a header and a "page X of Y" footer on every page.

It runs twice: a dry pass only measures (to count the pages), the second draws. Units are device pixels of the
QPdfWriter (300 dpi); `mm()` and `pt()` convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

DPI = 300
FAMILY = "DejaVu Sans"
INK = QColor(0, 0, 0)
GREY = QColor(90, 90, 90)
RULE = QColor(150, 150, 150)
SHADE = QColor(236, 236, 236)
R = Qt.AlignmentFlag.AlignRight  # a column's alignment: figures right, times centred
C = Qt.AlignmentFlag.AlignHCenter


def mm(x: float) -> float:
    return x * DPI / 25.4


def pt(x: float) -> float:
    return x * DPI / 72.0


def font(size: float, bold: bool = False, italic: bool = False, condensed: bool = False) -> QFont:
    f = QFont(FAMILY)
    f.setStyleHint(QFont.StyleHint.SansSerif)
    f.setPointSizeF(size)
    f.setBold(bold)
    f.setItalic(italic)
    if condensed:
        f.setStretch(QFont.Stretch.Condensed)
    # No ligatures: text copied or extracted from the PDF (pdftotext, an EHR's scanner) reads "fi", not "ﬁ".
    for tag in ("liga", "clig", "dlig"):
        f.setFeature(QFont.Tag(tag), 0)
    return f


@dataclass(frozen=True)
class Column:
    title: str
    width: float              # share of the table width
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


class Doc:
    MARGIN_X = mm(16)
    MARGIN_TOP = mm(14)
    MARGIN_BOTTOM = mm(14)

    def __init__(self, device, painter: QPainter | None, page_w: float, page_h: float,
                 header: Callable[["Doc"], float], footer: Callable[["Doc"], None]):
        self.device = device
        self.p = painter             # None in the dry pass
        self.page_w, self.page_h = page_w, page_h
        self.left = self.MARGIN_X
        self.width = page_w - 2 * self.MARGIN_X
        self.bottom = page_h - self.MARGIN_BOTTOM - mm(8)   # room for the footer
        self._header, self._footer = header, footer
        self.page = 1
        self.y = self.MARGIN_TOP
        self.body = font(8.5)
        self.small = font(7.2)
        self.bold = font(8.5, bold=True)

    # -- pages --------------------------------------------------------------------------------------------
    @property
    def drawing(self) -> bool:
        return self.p is not None

    @property
    def painter(self) -> QPainter:
        """The painter of the drawing pass: drawing code checks `drawing` first."""
        if self.p is None:
            raise RuntimeError("the dry pass only measures")
        return self.p

    def start(self) -> None:
        self.y = self._header(self)

    def new_page(self) -> None:
        self._footer(self)
        if self.drawing:
            self.device.newPage()
        self.page += 1
        self.y = self.MARGIN_TOP
        self.y = self._header(self)

    def finish(self) -> None:
        self._footer(self)

    def ensure(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def space(self, h: float) -> None:
        self.y += h

    # -- measuring and drawing text -------------------------------------------------------------------------
    def metrics(self, f: QFont) -> QFontMetricsF:
        return QFontMetricsF(f, self.device)

    def text_height(self, text: str, f: QFont, width: float) -> float:
        r = self.metrics(f).boundingRect(QRectF(0, 0, width, 1e6), int(Qt.TextFlag.TextWordWrap), text)
        return max(r.height(), self.metrics(f).height())

    def text_width(self, text: str, f: QFont) -> float:
        return self.metrics(f).horizontalAdvance(text)

    def draw_text(self, rect: QRectF, text: str, f: QFont, align=Qt.AlignmentFlag.AlignLeft,
                  color: QColor = INK, wrap: bool = True) -> None:
        if not self.drawing:
            return
        p = self.painter
        p.setFont(f)
        p.setPen(color)
        flags = int(align) | int(Qt.AlignmentFlag.AlignTop)
        if wrap:
            flags |= int(Qt.TextFlag.TextWordWrap)
        p.drawText(rect, flags, text)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: QColor = RULE, width: float = pt(0.5),
             style=Qt.PenStyle.SolidLine) -> None:
        if not self.drawing:
            return
        pen = QPen(color)
        pen.setWidthF(width)
        pen.setStyle(style)
        self.painter.setPen(pen)
        self.painter.drawLine(QPointF(x1, y1), QPointF(x2, y2))

    def fill(self, rect: QRectF, color: QColor = SHADE) -> None:
        if self.drawing:
            self.painter.fillRect(rect, QBrush(color))

    def box(self, rect: QRectF, color: QColor = INK, width: float = pt(0.7)) -> None:
        if not self.drawing:
            return
        pen = QPen(color)
        pen.setWidthF(width)
        p = self.painter
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)

    # -- blocks -------------------------------------------------------------------------------------------
    def heading(self, text: str, keep: float = mm(14)) -> None:
        """A section heading, moved to the next page unless `keep` of what follows fits under it."""
        f = font(10.5, bold=True)
        h = self.metrics(f).height()
        self.ensure(h + mm(6) + keep)
        self.space(mm(3.5))
        self.draw_text(QRectF(self.left, self.y, self.width, h), text.upper(), f)
        self.y += h + mm(0.6)
        self.line(self.left, self.y, self.left + self.width, self.y, INK, pt(1.0))
        self.y += mm(1.8)

    def paragraph(self, text: str, f: QFont | None = None, color: QColor = INK, indent: float = 0) -> None:
        f = f or self.body
        h = self.text_height(text, f, self.width - indent)
        self.ensure(h)
        self.draw_text(QRectF(self.left + indent, self.y, self.width - indent, h), text, f, color=color)
        self.y += h + mm(1)

    def key_values(self, pairs: Sequence[tuple[str, str]], columns: int = 2, label_share: float = 0.36) -> None:
        """Label: value pairs in `columns` columns, row by row."""
        col_w = self.width / columns
        label_w = col_w * label_share
        for start in range(0, len(pairs), columns):
            row = pairs[start:start + columns]
            h = max(self.text_height(v, self.bold, col_w - label_w - mm(2)) for _, v in row)
            self.ensure(h)
            for n, (label, value) in enumerate(row):
                x = self.left + n * col_w
                self.draw_text(QRectF(x, self.y + pt(0.8), label_w, h), label, self.small, color=GREY)
                self.draw_text(QRectF(x + label_w, self.y, col_w - label_w - mm(2), h), value, self.bold)
            self.y += h + mm(1.2)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], f: QFont | None = None,
              empty: str = "None recorded.", emphasis: Sequence[bool] | None = None) -> None:
        f = f or self.body
        fb = QFont(f)
        fb.setBold(True)
        if not rows:
            self.paragraph(empty, self.body, GREY)
            return
        total = sum(c.width for c in columns)
        widths = [self.width * c.width / total for c in columns]
        pad = mm(1.2)

        def row_height(cells, fnt) -> float:
            return max(self.text_height(str(c), fnt, w - 2 * pad) for c, w in zip(cells, widths)) + 2 * pad * 0.6

        def draw_row(cells, fnt, shade: bool) -> None:
            h = row_height(cells, fnt)
            if shade:
                self.fill(QRectF(self.left, self.y, self.width, h))
            x = self.left
            for cell, w, col in zip(cells, widths, columns):
                self.draw_text(QRectF(x + pad, self.y + pad * 0.6, w - 2 * pad, h), str(cell), fnt, col.align)
                x += w
            self.y += h

        def header() -> None:
            h = row_height([c.title for c in columns], fb)
            self.line(self.left, self.y, self.left + self.width, self.y, INK, pt(0.8))
            draw_row([c.title for c in columns], fb, False)
            self.line(self.left, self.y, self.left + self.width, self.y, INK, pt(0.8))
            del h

        self.ensure(row_height([c.title for c in columns], fb) + row_height(rows[0], f))
        header()
        for n, cells in enumerate(rows):
            fnt = fb if emphasis and emphasis[n] else f
            h = row_height(cells, fnt)
            if self.y + h > self.bottom:
                self.new_page()
                header()
            draw_row(cells, fnt, n % 2 == 1)
        self.line(self.left, self.y, self.left + self.width, self.y, INK, pt(0.8))
        self.y += mm(1.5)


def page_margins() -> QMarginsF:
    return QMarginsF(0, 0, 0, 0)
