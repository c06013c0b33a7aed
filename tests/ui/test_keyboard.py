"""The on-screen keyboard of a touch room: it comes up for any text field of its window, types by real key
events (a patient reference into check-in, then open_session with it), the number layout into a spin box, and
Done ends the typing. Configured by [screen] on_screen_keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from roomcontrol.config.room import ConfigError, load_config
from roomcontrol.ui.window import RoomWindow
from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase


@pytest.fixture
def touch(ui, qtbot):
    """The room's window as on a kiosk touchscreen: with the keyboard docked, the nurse signed in."""
    ui.window.close()
    window = RoomWindow(ui.controller, scale=1.0, keyboard=True)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    ui.window = window
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    return ui


def keys(qtbot, keyboard, labels) -> None:
    for label in labels:
        click(qtbot, keyboard.keys[keyboard.layout_name][label])


def test_the_keyboard_types_a_patient_reference_and_the_session_opens_with_it(touch, qtbot):
    window, kb = touch.window, touch.window.keyboard
    assert not kb.isVisible()
    click(qtbot, window.main.card.b["checkin"])
    checkin = window.pages["checkin"]
    qtbot.mouseClick(checkin.patient_ref, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kb.isVisible, timeout=WAIT_MS)
    assert kb.layout_name == "letters" and kb.target is checkin.patient_ref
    assert all(b.height() >= 56 for b in kb.keys["letters"].values())
    keys(qtbot, kb, ["⇧", "p", "t", "⇧", "-", "1", "0", "4", "3", "⌫", "2"])
    assert checkin.patient_ref.text() == "PT-1042"
    # the field stays in view above the keyboard
    top = checkin.patient_ref.mapTo(window, checkin.patient_ref.rect().bottomLeft()).y()
    assert top < kb.mapTo(window, kb.rect().topLeft()).y()
    click(qtbot, kb.keys["letters"]["Done"])
    assert not kb.isVisible() and not checkin.patient_ref.hasFocus()
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, touch, "pre_infusion")
    assert touch.room.state.session.patient_ref == "PT-1042"
    opened = [e for e in touch.room.log.events() if e.kind == "session.opened"][0]
    assert opened.actor == NURSE and opened.payload["patient_ref"] == "PT-1042"


def test_the_number_layout_types_into_a_spin_box_within_its_limits(touch, qtbot):
    window, kb = touch.window, touch.window.keyboard
    click(qtbot, window.main.card.b["checkin"])
    weight = window.pages["checkin"].weight.box
    qtbot.mouseClick(weight.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kb.isVisible, timeout=WAIT_MS)
    assert kb.layout_name == "numbers" and kb.target is weight
    weight.selectAll()
    keys(qtbot, kb, ["8", "2", ".", "5"])
    click(qtbot, kb.keys["numbers"]["Done"])
    assert weight.value() == 82.5 and not kb.isVisible()
    # a value past the field's limit is not taken, as with a hardware keyboard
    qtbot.mouseClick(weight.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kb.isVisible, timeout=WAIT_MS)
    weight.selectAll()
    keys(qtbot, kb, ["9", "9", "9", "9"])
    click(qtbot, kb.keys["numbers"]["Done"])
    assert weight.value() <= weight.maximum()
    # ABC switches to letters; the note page's text box gets the letter layout
    click(qtbot, window.pages["checkin"].back)
    click(qtbot, window.main.quick.buttons["note"])
    note = window.pages["note"].text
    qtbot.mouseClick(note.viewport(), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(kb.isVisible, timeout=WAIT_MS)
    assert kb.layout_name == "letters"
    keys(qtbot, kb, ["o", "k", "space", "123", "2"])
    assert note.toPlainText() == "ok 2"


def test_the_keyboard_is_off_by_default_and_the_setting_is_checked(ui, tmp_path):
    assert ui.window.keyboard is None  # a nurse's desktop window, not in kiosk
    path = tmp_path / "room.toml"
    path.write_text('[screen]\non_screen_keyboard = "sometimes"\n')
    with pytest.raises(ConfigError, match=r'screen.on_screen_keyboard = "sometimes": must be one of "auto", '
                                          r'"always", "never"'):
        load_config(path)
    path.write_text('[screen]\non_screen_keyboard = "always"\n')
    screen = load_config(path).screen
    assert screen.keyboard(kiosk=False) and load_config(None).screen.keyboard(kiosk=True)
    assert not load_config(None).screen.keyboard(kiosk=False)
