"""The vitals column: heart rate (green), SpO2 (cyan) with its pleth, NIBP (white) with its age, respiration (RR
and EtCO2, yellow: shown once the monitor sends them), and trends.
What each tile says comes decided in the snapshot (`snap.tiles`); this only lays it out."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.ui import theme
from roomcontrol.ui.controller import RoomController
from roomcontrol.ui.widgets.blink import Blinker
from roomcontrol.ui.widgets.trends import TrendsPlot
from roomcontrol.ui.widgets.vitals import PlethWave, VitalTile


class VitalsPanel(QWidget):
    def __init__(self, controller: RoomController, blinker: Blinker, scale: float = 1.0, trends: bool = True) -> None:
        super().__init__()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(8, scale))
        self.hr = VitalTile(theme.HR, blinker, scale)
        self.spo2 = VitalTile(theme.SPO2, blinker, scale)
        self.nibp = VitalTile(theme.NIBP, blinker, scale)
        self.resp = VitalTile(theme.RESP, blinker, scale * 0.8)
        self.tiles = {"hr": self.hr, "spo2": self.spo2, "nibp": self.nibp, "resp": self.resp}
        self.pleth = PlethWave(theme.SPO2)
        self.spo2.body.addWidget(self.pleth, 3)
        for key, tile in self.tiles.items():
            box.addWidget(tile, 1 if key == "resp" else 2)  # the respiration row is the compact one
        self.resp.hide()  # until the snapshot has a "resp" tile: a bare oximeter sends no RR
        self.trends = TrendsPlot() if trends else None
        if self.trends is not None:
            # The trends give way first when banners (alarms, a call) take height: the numerics keep theirs.
            self.trends.setMinimumHeight(theme.px(60, scale))
            box.addWidget(self.trends, 3)
            controller.history_loaded.connect(lambda _: self.trends.add_stored(controller.vitals_history))
        controller.pleth.connect(self.pleth.add)
        self.session_id: str | None = None

    def show_snapshot(self, snap: RoomSnapshot) -> None:
        for key, state in snap.tiles.items():
            self.tiles[key].show_state(state)
        if self.resp.isHidden() == ("resp" in snap.tiles):
            self.resp.setVisible("resp" in snap.tiles)
        if self.trends is not None:
            sid = snap.session.session_id if snap.session else None
            if sid != self.session_id:
                self.session_id = sid
                self.trends.reset(snap.session.opened_at if snap.session else None)
            self.trends.add_snapshot(snap)
            self.trends.redraw()
