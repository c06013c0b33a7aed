"""The patient's questionnaires from the locked screen: a page without staff controls, one question per screen,
sent as the patient; PHQ-9 item 9 above zero flags the nurse until a nurse acknowledges it (logged with who)."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton

from tests.ui.conftest import NURSE, PIN
from tests.ui.helpers import WAIT_MS, click, sign_in, wait_phase

STAFF_WORDS = ("Ada", "Lovelace", "Settings", "Lock", "Staff", NURSE)


def open_session_and_lock(qtbot, ui) -> None:
    window = ui.window
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    click(qtbot, window.main.card.b["checkin"])
    checkin = window.pages["checkin"]
    qtbot.keyClicks(checkin.patient_ref, "PT-2001")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    click(qtbot, window.topbar.lock_button)
    qtbot.waitUntil(lambda: window.current == "lock" and ui.controller.staff is None, timeout=WAIT_MS)
    qtbot.wait(window.pages["lock"].QUIET_MS + 100)  # the patient's view ignores taps just after it comes back


def visible_words(widget) -> list[str]:
    found = widget.findChildren(QLabel) + widget.findChildren(QAbstractButton)
    return [w.text() for w in found if w.isVisible() and w.text()]


def test_the_patient_fills_in_phq9_from_the_lock_screen_and_the_nurse_acknowledges_the_flag(ui, qtbot):
    window, room = ui.window, ui.room
    lock = window.pages["lock"]
    assert not lock.questionnaires.isVisible()  # no session, no questionnaires
    open_session_and_lock(qtbot, ui)
    qtbot.waitUntil(lock.questionnaires.isVisible, timeout=WAIT_MS)
    click(qtbot, lock.questionnaires)
    forms = window.pages["patient_forms"]
    assert window.current == "patient_forms"
    click(qtbot, forms.scale_buttons["PHQ-9"])
    # the patient's own page: no top bar, no banner, no nurse's name, no Settings or Lock
    assert not window.header.isVisible() and not window.flag.isVisible()
    words = " ".join(visible_words(window))
    assert not any(w in words for w in STAFF_WORDS), words
    answers = [1, 0, 2, 1, 1, 0, 0, 1, 2]  # item 9: 2
    for n, value in enumerate(answers):
        assert forms.step.text() == f"Question {n + 1} of 9"
        assert all(b.height() >= 80 for b in forms.answer_buttons)
        b = forms.answer_buttons[value]
        assert b.mapTo(window, b.rect().bottomLeft()).y() <= window.height()  # no scrolling to answer
        click(qtbot, b)
    click(qtbot, forms.send)
    qtbot.waitUntil(forms.finish.isVisible, timeout=WAIT_MS)
    assert "score" not in " ".join(visible_words(forms)).lower()  # the patient sees no score and no flag
    phq = [e for e in room.log.events() if e.kind == "assessment.recorded"][-1]
    assert phq.actor == "patient" and phq.payload["items"]["q9"] == 2 and phq.payload["score"] == 8
    click(qtbot, forms.finish)
    assert window.current == "lock"

    # -- the nurse signs in: the flag is on every page until acknowledged ------------------------------
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main" and window.flag.isVisible(), timeout=WAIT_MS)
    assert "PHQ-9 item 9 (thoughts of death or self-harm) answered 2 of 3" in window.flag.text.text()
    assert window.height() == 800
    # one Lock on the screen: the top bar's
    locks = [b for b in window.findChildren(QPushButton) if b.text() == "Lock" and b.isVisible()]
    assert locks == [window.topbar.lock_button]
    click(qtbot, window.main.card.b["continue"])
    assert window.current == "checkin" and window.flag.isVisible()
    click(qtbot, window.flag.ack)
    qtbot.waitUntil(lambda: not window.flag.isVisible(), timeout=WAIT_MS)
    ack = [e for e in room.log.events() if e.kind == "assessment.flag_acknowledged"]
    assert len(ack) == 1 and ack[0].actor == NURSE
    assert ack[0].payload == {"assessment_seq": phq.seq, "scale": "PHQ-9", "item": "q9", "value": 2}
    assert ack[0].session_id == phq.session_id
    flag = ui.controller.last.session.flags[0]
    assert flag.acknowledged_by == NURSE and not ui.controller.last.session.pending_flags


def test_the_nurses_questionnaire_button_hands_the_screen_to_the_patient(ui, qtbot):
    window = ui.window
    sign_in(qtbot, ui, NURSE, PIN)
    qtbot.waitUntil(lambda: window.current == "main", timeout=WAIT_MS)
    click(qtbot, window.main.card.b["checkin"])
    checkin = window.pages["checkin"]
    qtbot.keyClicks(checkin.patient_ref, "PT-2002")
    click(qtbot, checkin.open_button)
    wait_phase(qtbot, ui, "pre_infusion")
    qtbot.waitUntil(checkin.gad.isEnabled, timeout=WAIT_MS)
    click(qtbot, checkin.gad)
    qtbot.waitUntil(lambda: ui.controller.staff is None, timeout=WAIT_MS)  # the nurse's screen locked first
    forms = window.pages["patient_forms"]
    assert window.current == "patient_forms" and forms.step.text() == "Question 1 of 7"
    assert not window.header.isVisible()
    locked = [e for e in ui.room.log.events() if e.kind == "staff.locked"][-1]
    assert locked.payload["reason"] == "handed to the patient"
    for _ in range(3):
        click(qtbot, forms.answer_buttons[0])
    click(qtbot, forms.previous)  # back to question 3, its answer kept
    assert forms.step.text() == "Question 3 of 7" and forms.answer_buttons[0].isChecked()
    click(qtbot, forms.stop)  # nothing sent
    assert window.current == "lock"
    assert not [e for e in ui.room.log.events() if e.kind == "assessment.recorded"]
