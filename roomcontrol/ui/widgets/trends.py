"""Trends of the session so far (pyqtgraph, imported when first shown): heart rate and NIBP on one plot, SpO2 on
its own scale below. Minutes since the session opened on the x axis; points come from the snapshots (1 Hz) and the
stored vitals."""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any, Iterable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.domain.vitals import sensor_off
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme

HR_KINDS = ("heart_rate", "pulse_rate")
# Each plot's usual y range; it widens to take in every value shown (a desaturation to 79 stays on the plot).
Y_RANGES = {"top": (40.0, 180.0), "bottom": (85.0, 100.0)}
Y_MARGIN = 2.0  # room below the lowest value and above the highest, so a trace never runs along the edge


def y_range(values: Iterable[float], usual: tuple[float, float]) -> tuple[float, float]:
    """The usual range, widened to hold every value with a margin."""
    lo, hi = usual
    shown = list(values)
    if shown:
        lo, hi = min(lo, min(shown) - Y_MARGIN), max(hi, max(shown) + Y_MARGIN)
    return lo, hi


class TrendsPlot(QWidget):
    """The points are kept from the first snapshot; the pyqtgraph plot (its import alone is a large part of the
    room window's start-up) is built when the trends are first shown or asked for, after the window's first frame."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(140)
        self.start: datetime | None = None
        self.series: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("hr", "spo2", "sys", "dia")}
        self._seen: dict[str, datetime] = {}
        self._plot: Any = None
        self._dirty = False
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)

    def showEvent(self, event: QShowEvent) -> None:
        self._build()
        super().showEvent(event)

    @property
    def top(self) -> Any:
        return self._build().top

    @property
    def bottom(self) -> Any:
        return self._build().bottom

    @property
    def curves(self) -> dict[str, Any]:
        return self._build().curves

    def _build(self) -> Any:
        if self._plot is None:
            self._plot = _make_plot()
            self._box.addWidget(self._plot)
            self._dirty = True
            self.redraw()
        return self._plot

    def reset(self, start: datetime | None) -> None:
        self.start = start
        self._seen.clear()
        for xs, ys in self.series.values():
            xs.clear()
            ys.clear()
        self._dirty = True
        self.redraw()

    def add(self, kind: str, value: float | None, ts: datetime) -> None:
        key = {"heart_rate": "hr", "pulse_rate": "hr", "spo2": "spo2", "nibp_systolic": "sys",
               "nibp_diastolic": "dia"}.get(kind)
        if key is None or value is None or self.start is None or ts < self.start:
            return
        if self._seen.get(kind) == ts:
            return
        self._seen[kind] = ts
        xs, ys = self.series[key]
        x = (ts - self.start).total_seconds() / 60.0
        i = bisect.bisect(xs, x)  # stored history may arrive after the first live points
        near = [xs[j] for j in (i - 1, i) if 0 <= j < len(xs)]
        if key == "hr" and any(abs(x - n) < 1 / 60 for n in near):
            return  # heart rate and pulse rate both arrive: one point a second is enough
        xs.insert(i, x)
        ys.insert(i, float(value))
        self._dirty = True

    def add_snapshot(self, snap: RoomSnapshot) -> None:
        for kind, reading in snap.vitals.items():
            if sensor_off(reading):
                continue
            self.add(kind, reading.value, reading.received_ts)

    def add_stored(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row["kind"], row["value"], parse_iso(row["ts"]))

    def redraw(self) -> None:
        if not self._dirty or self._plot is None:
            return  # drawn when the plot is built
        self._dirty = False
        for key, curve in self.curves.items():
            xs, ys = self.series[key]
            curve.setData(xs, ys)
        last = max((xs[-1] for xs, _ in self.series.values() if xs), default=0.0)
        self.top.setXRange(0, max(10.0, last + 1), padding=0)
        for plot, name, keys in ((self.top, "top", ("hr", "sys", "dia")), (self.bottom, "bottom", ("spo2",))):
            lo, hi = y_range((y for key in keys for y in self.series[key][1]), Y_RANGES[name])
            plot.setYRange(lo, hi, padding=0.02)


def _make_plot() -> Any:
    """The pyqtgraph widget: heart rate and NIBP on top, SpO2 below, x axes linked."""
    import pyqtgraph as pg
    pg.setConfigOptions(antialias=True, background=theme.PANEL, foreground=theme.DIM)
    plot = pg.GraphicsLayoutWidget()
    plot.top = plot.addPlot(row=0, col=0)
    plot.bottom = plot.addPlot(row=1, col=0)
    plot.bottom.setXLink(plot.top)
    for item, (lo, hi) in ((plot.top, Y_RANGES["top"]), (plot.bottom, Y_RANGES["bottom"])):
        item.setMouseEnabled(x=False, y=False)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setYRange(lo, hi, padding=0.02)
        item.showGrid(x=False, y=True, alpha=0.15)
        item.getAxis("left").setWidth(36)
    plot.top.getAxis("bottom").setStyle(showValues=False)
    plot.bottom.setLabel("bottom", "min")
    plot.curves = {
        "hr": plot.top.plot(pen=pg.mkPen(theme.HR, width=2)),
        "sys": plot.top.plot(pen=None, symbol="t", symbolSize=9, symbolBrush=theme.NIBP, symbolPen=None),
        "dia": plot.top.plot(pen=None, symbol="t1", symbolSize=9, symbolBrush=theme.NIBP, symbolPen=None),
        "spo2": plot.bottom.plot(pen=pg.mkPen(theme.SPO2, width=2)),
    }
    plot.ci.layout.setRowStretchFactor(0, 3)
    plot.ci.layout.setRowStretchFactor(1, 2)
    return plot
