"""Trends of the session so far (pyqtgraph): heart rate and NIBP on one plot, SpO2 on its own scale below.
Minutes since the session opened on the x axis; points come from the snapshots (1 Hz) and the stored vitals."""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any, Iterable

import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.domain.vitals import sensor_off
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme

pg.setConfigOptions(antialias=True, background=theme.PANEL, foreground=theme.DIM)
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


class TrendsPlot(pg.GraphicsLayoutWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(140)
        self.start: datetime | None = None
        self.series: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("hr", "spo2", "sys", "dia")}
        self._seen: dict[str, datetime] = {}
        self.top = self.addPlot(row=0, col=0)
        self.bottom = self.addPlot(row=1, col=0)
        self.bottom.setXLink(self.top)
        for plot, (lo, hi) in ((self.top, Y_RANGES["top"]), (self.bottom, Y_RANGES["bottom"])):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setYRange(lo, hi, padding=0.02)
            plot.showGrid(x=False, y=True, alpha=0.15)
            plot.getAxis("left").setWidth(36)
        self.top.getAxis("bottom").setStyle(showValues=False)
        self.bottom.setLabel("bottom", "min")
        self.curves = {
            "hr": self.top.plot(pen=pg.mkPen(theme.HR, width=2)),
            "sys": self.top.plot(pen=None, symbol="t", symbolSize=9, symbolBrush=theme.NIBP, symbolPen=None),
            "dia": self.top.plot(pen=None, symbol="t1", symbolSize=9, symbolBrush=theme.NIBP, symbolPen=None),
            "spo2": self.bottom.plot(pen=pg.mkPen(theme.SPO2, width=2)),
        }
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self._dirty = False

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
        if not self._dirty:
            return
        self._dirty = False
        for key, curve in self.curves.items():
            xs, ys = self.series[key]
            curve.setData(xs, ys)
        last = max((xs[-1] for xs, _ in self.series.values() if xs), default=0.0)
        self.top.setXRange(0, max(10.0, last + 1), padding=0)
        for plot, name, keys in ((self.top, "top", ("hr", "sys", "dia")), (self.bottom, "bottom", ("spo2",))):
            lo, hi = y_range((y for key in keys for y in self.series[key][1]), Y_RANGES[name])
            plot.setYRange(lo, hi, padding=0.02)
