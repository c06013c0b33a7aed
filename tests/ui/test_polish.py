"""Bedside polish from the screenshot review: what the patient's lock screen says about the light, the trends'
y range, the check-in's fit at 1280×800, the banners inside the window, the recorded fasting hours."""

from __future__ import annotations

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in


def signed_in(qtbot, ui) -> None:
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: ui.window.current == "main", timeout=WAIT_MS)


def test_the_patients_lock_screen_shows_the_rooms_real_light_level_below_the_patients_range(ui, qtbot):
    signed_in(qtbot, ui)
    ui.room.command("set_ambient", NURSE, target="light", value=1)
    click(qtbot, ui.window.topbar.lock_button)
    qtbot.waitUntil(lambda: ui.window.current == "lock", timeout=WAIT_MS)
    light = ui.window.pages["lock"].ambient.light
    ui.controller.refresh_ambient()
    qtbot.waitUntil(lambda: light.value_label.text() == "1 %", timeout=WAIT_MS)
    assert light.slider.minimum() == 5 and light.slider.value() == 5  # the slider keeps to the patient's range


def test_the_spo2_trend_keeps_a_desaturation_to_79_inside_its_plot(qtbot):
    from datetime import datetime, timedelta, timezone

    from roomcontrol.ui.widgets.trends import TrendsPlot, y_range

    plot = TrendsPlot()
    qtbot.addWidget(plot)
    start = datetime(2026, 3, 9, 8, 30, tzinfo=timezone.utc)
    plot.reset(start)
    for minute, value in enumerate((98, 97, 91, 84, 79, 86, 95)):
        plot.add("spo2", value, start + timedelta(minutes=minute))
    plot.add("heart_rate", 72, start)
    plot.redraw()
    (lo, hi) = plot.bottom.getViewBox().viewRange()[1]
    assert lo < 79 <= 100 <= hi  # the lowest value shown, and the top of the scale, inside the plot
    assert plot.top.getViewBox().viewRange()[1][0] <= 40  # the heart-rate plot keeps its usual range
    assert y_range([], (85, 100)) == (85, 100) and y_range([79, 99], (85, 100)) == (77, 101)
