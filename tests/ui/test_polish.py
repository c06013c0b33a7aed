"""Bedside polish from the screenshot review: what the patient's lock screen says about the light, the trends'
y range, the check-in's fit at 1280×800, the banners inside the window, the recorded fasting hours."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel

from roomcontrol.ui import theme

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


CHECKLIST = [("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}), ("escort", {}),
             ("pregnancy_screen", {}), ("iv_access", {})]


def _inside(widget, window) -> bool:
    """The widget shown whole inside the window (and so on the screen), without scrolling."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    bottom_right = widget.mapTo(window, widget.rect().bottomRight())
    return widget.isVisible() and window.rect().contains(top_left) and window.rect().contains(bottom_right)


def test_the_whole_check_in_fits_1280x800_and_start_infusion_takes_open_sessions_place(ui, qtbot):
    window = ui.window
    assert (window.width(), window.height()) == (1280, 800)
    signed_in(qtbot, ui)
    click(qtbot, window.main.card.b["checkin"])
    checkin = window.pages["checkin"]
    assert window.strip.isVisible() and window.topbar.isVisible()
    qtbot.keyClicks(checkin.patient_ref, "PT-1042")
    place = checkin.open_button.mapTo(window, checkin.open_button.rect().topLeft())
    click(qtbot, checkin.open_button)
    qtbot.waitUntil(checkin.start.isVisible, timeout=WAIT_MS)
    assert not checkin.open_button.isVisible()
    assert checkin.start.mapTo(window, checkin.start.rect().topLeft()).x() == place.x()  # the same column
    for item, extra in CHECKLIST:
        ui.room.command("confirm_checklist", NURSE, item=item, **extra)
    # every control of the check-in shown whole, no scrolling; touch targets kept
    scroll = window.holders["checkin"].verticalScrollBar()
    assert scroll.value() == 0
    for w in (checkin.start, checkin.back, checkin.phq, checkin.gad, checkin.capture, checkin.record,
              *checkin.items.values(), checkin.solids.minus, checkin.fluids.plus, checkin.dia.plus):
        assert _inside(w, window), w.text() if hasattr(w, "text") else w
        assert w.height() >= 56
    assert scroll.maximum() == 0  # nothing below the window's edge
    # the fasting hours recorded (8 h, 3 h), not the form's defaults, beside ✓ Confirmed
    qtbot.waitUntil(lambda: checkin.solids.value() == 8 and checkin.fluids.value() == 3, timeout=WAIT_MS)
    assert not checkin.solids.isEnabled()
    # "hours since solids" does not touch its − key
    words = next(label for label in checkin.findChildren(QLabel) if label.text() == "hours since solids")
    gap = checkin.solids.minus.mapTo(checkin, checkin.solids.minus.rect().topLeft()).x() - \
        words.mapTo(checkin, words.rect().topRight()).x()
    assert gap >= 8


def _inside_margin(widget, window, margin: int) -> bool:
    """Shown whole, at least `margin` px in from the window's left and right edges."""
    left = widget.mapTo(window, widget.rect().topLeft()).x()
    right = widget.mapTo(window, widget.rect().topRight()).x()
    return widget.isVisible() and left >= margin and right <= window.width() - 1 - margin


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_the_banner_rows_buttons_lie_inside_the_window_with_the_panels_margins(ui, qtbot, size):
    from roomcontrol.ui.window import RoomWindow
    from tests.ui.test_layout import open_session, raise_desaturation

    width, height = size
    window = ui.window
    if width != 1280:
        window = RoomWindow(ui.controller, scale=theme.scale_for(width))
        qtbot.addWidget(window)
        window.resize(width, height)
        window.show()
    signed_in(qtbot, ui)
    open_session(ui)
    ui.room.command("record_assessment", "patient", scale="PHQ-9",
                    items={f"q{n}": 1 for n in range(1, 10)})  # item 9 above zero: the flag
    ui.room.command("call_nurse", "patient")
    raise_desaturation(qtbot, ui)
    qtbot.waitUntil(lambda: window.banner.isVisible() and window.call_banner.isVisible()
                    and window.flag.isVisible(), timeout=WAIT_MS)
    margin = theme.px(10, window.scale)  # the panels' side margin
    panel = window.main.vitals
    assert panel.mapTo(window, panel.rect().topLeft()).x() == margin
    for b in (window.banner.ack, window.banner.pause, window.banner.hist, window.call_banner.answer, window.flag.ack):
        assert _inside_margin(b, window, margin), (b.text(), b.mapTo(window, b.rect().topRight()), window.width())
    if window is not ui.window:
        window.close()


def test_a_readings_age_reads_in_days_after_two_days():
    from roomcontrol.ui.format import ago
    assert [ago(s) for s in (30, 600, 5 * 3600 + 120, 338 * 3600 + 26 * 60)] == [
        "just now", "10 min ago", "5 h 2 min ago", "14 days ago"]
