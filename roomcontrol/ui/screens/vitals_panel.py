"""The vitals column: heart rate (green), SpO2 (cyan) with its pleth, NIBP (white) with its age, and trends."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from roomcontrol.domain.alarms import PRIORITY_RANK
from roomcontrol.ui import format as F
from roomcontrol.ui import theme
from roomcontrol.ui.widgets.trends import TrendsPlot
from roomcontrol.ui.widgets.vitals import PlethWave, VitalTile

STALE_S = 10.0
UNTRUSTED = frozenset({"sensor_off", "sensor_disconnect", "no_sensor", "artifact", "out_of_track", "pulse_search"})


class VitalsPanel(QWidget):
    def __init__(self, controller, blinker, scale: float = 1.0, trends: bool = True):
        super().__init__()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(theme.px(8, scale))
        self.hr = VitalTile("HR", "/min", theme.HR, ("heart_rate", "pulse_rate"), blinker, scale)
        self.spo2 = VitalTile("SpO₂", "%", theme.SPO2, ("spo2", "perfusion_index"), blinker, scale)
        self.nibp = VitalTile("NIBP", "mmHg", theme.NIBP, ("nibp_systolic", "nibp_diastolic", "nibp_mean"),
                              blinker, scale)
        self.pleth = PlethWave(theme.SPO2)
        self.spo2.body.addWidget(self.pleth, 3)
        for tile in (self.hr, self.spo2, self.nibp):
            box.addWidget(tile, 2)
        self.trends = TrendsPlot() if trends else None
        if self.trends is not None:
            box.addWidget(self.trends, 3)
            controller.history_loaded.connect(lambda _: self.trends.add_stored(controller.vitals_history))
        controller.pleth.connect(self.pleth.add)
        self.session_id = None

    def show_snapshot(self, snap) -> None:
        v, now = snap.vitals, snap.now
        hr = _fresh(v.get("heart_rate"), now) or _fresh(v.get("pulse_rate"), now)
        self.hr.title.setText("HR" if _fresh(v.get("heart_rate"), now) or not hr else "PR")
        self.hr.set_value(_num(hr), _note(v.get("heart_rate") or v.get("pulse_rate"), now))
        spo2 = _fresh(v.get("spo2"), now)
        pi = _fresh(v.get("perfusion_index"), now)
        self.spo2.set_value(_num(spo2), (f"PI {pi.value:.1f}" if pi and pi.value is not None else "")
                            or _note(v.get("spo2"), now))
        sys_, dia, mean = v.get("nibp_systolic"), v.get("nibp_diastolic"), v.get("nibp_mean")
        if sys_ and dia and sys_.value is not None and dia.value is not None:
            age = (now - sys_.received_ts).total_seconds()
            text = f"{sys_.value:.0f}/{dia.value:.0f}"
            extra = f"mean {mean.value:.0f} · " if mean and mean.value is not None else ""
            self.nibp.set_value(text, f"{extra}{F.ago(age)}")
        else:
            self.nibp.set_value("--/--", "no measurement yet")
        for tile in (self.hr, self.spo2, self.nibp):
            tile.set_alarm(*_worst(snap.alarms, tile.kinds))
        if self.trends is not None:
            sid = snap.session.session_id if snap.session else None
            if sid != self.session_id:
                self.session_id = sid
                self.trends.reset(snap.session.opened_at if snap.session else None)
            self.trends.add_snapshot(snap)
            self.trends.redraw()


def _fresh(reading, now):
    if reading is None or reading.value is None or reading.flags & UNTRUSTED:
        return None
    return reading if (now - reading.received_ts).total_seconds() <= STALE_S else None


def _num(reading) -> str:
    return "--" if reading is None else f"{reading.value:.0f}"


def _note(reading, now) -> str:
    if reading is None:
        return "waiting for the monitor"
    if reading.flags & {"sensor_off", "sensor_disconnect", "no_sensor"}:
        return "sensor off"
    if reading.flags & UNTRUSTED:
        return "signal poor"
    if (now - reading.received_ts).total_seconds() > STALE_S:
        return "no recent value"
    return ""


def _worst(alarms, kinds) -> tuple:
    hits = [a for a in alarms if a.condition.rpartition(".")[0] in kinds or
            (a.condition.startswith("vitals.") and "nibp_systolic" not in kinds)]
    if not hits:
        return None, False
    top = max(hits, key=lambda a: (a.acknowledged_by is None, PRIORITY_RANK[a.priority]))
    return top.priority, top.acknowledged_by is not None
