"""The respiration tile on the real screen: it appears when the (simulated) monitor sends RR and EtCO2, in the
monitor's yellow, and a respiratory depression colours it with its alarm."""

from __future__ import annotations

from roomcontrol.ui import theme
from tests.ui.helpers import WAIT_MS
from tests.ui.test_layout import open_session, signed_in


def test_rr_and_etco2_show_in_their_tile(ui, qtbot):
    signed_in(qtbot, ui)
    resp = ui.window.main.vitals.resp
    qtbot.waitUntil(lambda: resp.isVisible() and resp.value.text() != "--", timeout=WAIT_MS)
    state = ui.controller.last.tiles["resp"]
    assert resp.title.text() == "RR" and resp.unit.text() == "/min" and resp.value.text() == state.value
    assert 8 <= int(state.value) <= 20 and state.note.startswith("EtCO2 ") and state.note.endswith(" mmHg")
    assert theme.RESP in resp.value.styleSheet()
    for key in ("hr", "spo2", "nibp"):  # the other tiles keep their place above it
        assert ui.window.main.vitals.tiles[key].y() < resp.y()


def test_respiratory_depression_raises_an_alarm_the_tile_shows(ui, qtbot):
    signed_in(qtbot, ui)
    open_session(ui, qtbot=qtbot)
    ui.devices.vitals.add_event("respiratory_depression", 600, magnitude=3)  # past the limits in ~4 s
    resp = ui.window.main.vitals.resp
    qtbot.waitUntil(lambda: resp.value.text() not in ("", "--") and int(resp.value.text()) < 8, timeout=WAIT_MS)
    ui.clock.advance(25)  # the wall clock past the alarm delays (the monitor keeps its real pace)
    raised = lambda: {a.condition: a.priority for a in ui.controller.last.alarms}  # noqa: E731
    qtbot.waitUntil(lambda: raised().get("respiratory_rate.low") == "high", timeout=WAIT_MS)
    assert raised().get("etco2.high") == "medium"
    qtbot.waitUntil(lambda: resp.alarm == "high", timeout=WAIT_MS)
