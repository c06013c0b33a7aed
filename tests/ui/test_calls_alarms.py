"""Calls and alarms at the bedside (issue #11), by pressing the real buttons: the patient's call answered with
its response time logged, a locked screen showing the staff alarm band, an acknowledged alarm kept on the banner
with its live value, every alarm listed, and discharge refused with an active high alarm until an admin
overrides it with a reason."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QPushButton

from roomcontrol.domain.vitals import Reading
from roomcontrol.ui import theme
from roomcontrol.ui.screens.lock import CALLED_TEXT, LockScreen
from tests.core.helpers import PADSS_10
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, hold, ready, sign_in, wait_phase
from tests.ui.test_screen_rules import visible_texts

ADMIN, ADMIN_PIN = "admin.grace", "9753"


def events(room, kind):
    return [e for e in room.log.events() if e.kind == kind]


def infusing(ui, qtbot):
    """Signed in as the nurse, a session infusing (the session's own buttons are tested elsewhere)."""
    ready(ui, qtbot)
    ui.room.command("start_infusion", NURSE)
    wait_phase(qtbot, ui, "infusing")


def desaturate(ui, qtbot, seconds=600):
    c = ui.controller
    ui.devices.vitals.add_event("desaturation", seconds, magnitude=1.7)
    qtbot.waitUntil(lambda: (c.last.vitals["spo2"].value or 100) < 88, timeout=15000)
    ui.clock.advance(16)  # past the SpO2 condition delay
    qtbot.waitUntil(lambda: any(a.condition == "spo2.low" for a in c.last.alarms), timeout=WAIT_MS)


def test_a_call_is_shown_until_answered_and_its_response_time_logged(ui, qtbot, monkeypatch):
    room, window, c = ui.room, ui.window, ui.controller
    lock: LockScreen = window.pages["lock"]
    # A finger on the PIN pad keeps the sign-in view up: every key restarts its timeout.
    click(qtbot, lock.sign_in)
    lock._back.start(100_000)
    qtbot.waitUntil(lambda: lock._back.remainingTime() < 99_000, timeout=WAIT_MS)
    click(qtbot, lock.pad.keys["7"])
    assert lock._back.remainingTime() > 99_000 and lock.stack.currentWidget() is lock.staff
    # Back to the patient's view: a tap there right away was meant for the pad and must not call the nurse.
    monkeypatch.setattr(LockScreen, "QUIET_MS", 3000)
    cancel = next(b for b in lock.findChildren(QPushButton) if b.accessibleName() == "cancel sign in")
    click(qtbot, cancel)
    assert lock.stack.currentWidget() is lock.patient and lock.quiet
    click(qtbot, lock.call)  # swallowed
    qtbot.waitUntil(lambda: not lock.quiet, timeout=WAIT_MS)

    click(qtbot, lock.call)
    qtbot.waitUntil(lambda: lock.called.text() == CALLED_TEXT, timeout=WAIT_MS)
    assert len(events(room, "nurse.called")) == 1  # the swallowed tap made none
    ui.clock.advance(90)  # no timer takes the words away: they stay until a nurse answers
    qtbot.waitUntil(lambda: c.last.call_waiting_s >= 90, timeout=WAIT_MS)
    assert lock.called.text() == CALLED_TEXT

    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    banner = window.call_banner
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=WAIT_MS)
    assert banner.text.text().startswith("Patient calling — 1:3") and window.topbar.lock_button.isVisible()
    click(qtbot, banner.answer)
    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    [answered] = events(room, "nurse.call_answered")
    assert answered.actor == NURSE and 90 <= answered.payload["response_s"] < 120
    timeline = window.main.timeline.list
    qtbot.waitUntil(lambda: any("Call answered after 1 min 3" in timeline.item(i).text()
                                for i in range(timeline.count())), timeout=WAIT_MS)
    click(qtbot, window.topbar.lock_button)
    qtbot.waitUntil(lambda: window.current == "lock", timeout=WAIT_MS)
    assert lock.called.text() == ""


def test_a_locked_screen_shows_the_staff_alarm_band_and_the_banner_after_sign_in(ui, qtbot):
    window, c = ui.window, ui.controller
    lock = window.pages["lock"]
    infusing(ui, qtbot)
    click(qtbot, window.topbar.lock_button)
    qtbot.waitUntil(lambda: window.current == "lock", timeout=WAIT_MS)
    desaturate(ui, qtbot)
    qtbot.waitUntil(lambda: lock.band.priority == "high" and lock.band.flashing, timeout=WAIT_MS)
    # It flashes (2 Hz, on the window's blinker) in the alarm's red: caught lit, then dark.
    qtbot.waitUntil(lambda: lock.band.lit(), timeout=WAIT_MS)
    lit = lock.band.grab().toImage().pixelColor(4, 4).name()
    qtbot.waitUntil(lambda: not lock.band.lit(), timeout=WAIT_MS)
    dark = lock.band.grab().toImage().pixelColor(4, 4).name()
    assert (lit, dark) == (theme.ALARM["high"], theme.ALARM_DIM["high"])
    text = visible_texts(window)  # nothing clinical for the patient to read
    for secret in ("SpO", "alarm", "Alarm", "mmHg", "PT-7"):
        assert secret not in text, secret
    assert not window.header.isVisible()
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main" and window.banner.isVisible(), timeout=WAIT_MS)
    assert "SpO₂ low" in window.banner.text.text()
    assert window.topbar.isVisible() and window.topbar.lock_button.isVisible()  # Lock stays reachable


def test_an_acknowledged_alarm_stays_with_its_live_value_and_every_alarm_is_listed(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    main, banner = window.main, window.banner
    infusing(ui, qtbot)
    assert main.vitals.hr.limits.text() == "limits\n45–120" and main.vitals.spo2.limits.text() == "limits\n≥ 90"
    desaturate(ui, qtbot)
    room.post_reading(Reading("nibp_systolic", 196, "mmHg", ui.clock.now(), source="test"))
    room.post_reading(Reading("nibp_diastolic", 98, "mmHg", ui.clock.now(), source="test"))
    qtbot.waitUntil(lambda: len(banner.texts()) == 2, timeout=WAIT_MS)
    assert banner.texts()[0].startswith("SpO₂ low") and banner.texts()[1].startswith("NIBP systolic high  196")
    assert "limits ≥ 90" in banner.texts()[0] and "limits 90–180" in banner.texts()[1]
    assert "more" not in " ".join(banner.texts())
    # The SpO2 tile inverts in red while its alarm waits for a nurse.
    qtbot.waitUntil(lambda: main.vitals.spo2.inverted, timeout=WAIT_MS)
    assert main.vitals.spo2.value.styleSheet().startswith(f"color: {theme.ALARM_TEXT['high']}")

    click(qtbot, banner.ack)  # the top one: SpO2 low
    qtbot.waitUntil(lambda: any(a.acknowledged_by == NURSE for a in c.last.alarms), timeout=WAIT_MS)
    spo2_row = lambda: next(t for t in banner.texts() if t.startswith("SpO₂ low"))  # noqa: E731
    qtbot.waitUntil(lambda: f"✓ {NURSE}" in spo2_row(), timeout=WAIT_MS)
    assert banner.isVisible() and not main.vitals.spo2.inverted  # still on the banner; the tile calms down
    first = spo2_row()
    # The value is the live one, not the one at raise time: it follows the readings.
    qtbot.waitUntil(lambda: spo2_row() != first and f"✓ {NURSE}" in spo2_row(), timeout=15000)
    qtbot.waitUntil(lambda: spo2_row().startswith(f"SpO₂ low  {c.last.vitals['spo2'].value:g}%"), timeout=WAIT_MS)
    # The NIBP alarm nobody acknowledged escalates (medium → high), visibly.
    ui.clock.advance(61)
    qtbot.waitUntil(lambda: any("▲ escalated" in t for t in banner.texts()), timeout=WAIT_MS)
    assert banner.priority == "high" and banner.texts()[0].startswith("NIBP systolic high")


def test_discharge_is_refused_with_an_active_high_alarm_and_an_admin_overrides_it(ui, qtbot):
    room, window, c = ui.room, ui.window, ui.controller
    infusing(ui, qtbot)
    ui.clock.advance(40 * 60)
    room.command("complete_infusion", NURSE)
    ui.clock.advance(31 * 60)
    room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
    wait_phase(qtbot, ui, "recovery")
    desaturate(ui, qtbot)

    main = window.main
    qtbot.waitUntil(lambda: main.card.b["discharge"].isVisible(), timeout=WAIT_MS)
    click(qtbot, main.card.b["discharge"])
    page = window.pages["discharge"]
    click(qtbot, page.escort)
    hold(qtbot, page.discharge)
    qtbot.waitUntil(lambda: "SpO2 low is still alarming" in page.message.text(), timeout=WAIT_MS)
    assert c.last.phase == "recovery" and not page.override.isVisible()  # a nurse cannot override

    click(qtbot, window.topbar.lock_button)
    qtbot.waitUntil(lambda: window.current == "lock", timeout=WAIT_MS)
    sign_in(qtbot, ui, ADMIN, ADMIN_PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    click(qtbot, main.card.b["discharge"])
    qtbot.waitUntil(lambda: page.override.isVisible(), timeout=WAIT_MS)
    hold(qtbot, page.override_button)  # no reason yet: nothing sent
    assert "Type the reason" in page.message.text() and c.last.phase == "recovery"
    qtbot.keyClicks(page.override_reason, "known low baseline SpO2, physician agrees")
    if not page.escort.isChecked():
        click(qtbot, page.escort)
    hold(qtbot, page.override_button)
    wait_phase(qtbot, ui, "discharged")
    kinds = [e.kind for e in room.log.events()]
    at = kinds.index("discharge.override")
    assert kinds[at + 1] == "session.discharged"
    [override] = events(room, "discharge.override")
    assert override.actor == ADMIN and override.payload["reason"] == "known low baseline SpO2, physician agrees"
    assert [a["condition"] for a in override.payload["alarms"]] == ["spo2.low"]
    cleared = [e for e in events(room, "alarm.cleared") if e.payload["condition"] == "spo2.low"]
    assert cleared[-1].payload["open_at_close"] is True
    assert timedelta(0) <= cleared[-1].ts - override.ts
