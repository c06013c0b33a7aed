"""The course panel's lines in a nurse's words (ui/screens/course_panel.py): dates, changes, notable events."""

from __future__ import annotations

from roomcontrol.ui.screens.course_panel import day, last_lines, response_text, sentence, trend


def test_the_change_from_the_first_score_is_said_in_words_not_as_a_signed_number():
    assert response_text({"change_pct": -50.0, "response": True}) == \
        "50 % lower than the first · response (≥ 50 % fall)"
    assert response_text({"change_pct": 12.5, "response": False}) == "12.5 % higher than the first"
    assert response_text({"change_pct": 0, "response": False}) == "the same as the first"
    assert response_text({"change_pct": None}) == "" and response_text(None) == ""


def test_the_last_session_reads_with_its_day_and_dose():
    where, dose = last_lines({"date": "2026-12-05", "room_id": "room-1", "protocol": "ketamine-depression",
                              "protocol_version": 2, "mg_per_kg": 0.6, "given_mg": 45.7, "outcome": "stopped"})
    assert where == "5 Dec 2026 · room-1 · ketamine-depression v2 · stopped" and dose == "0.6 mg/kg · 45.7 mg given"
    assert day("not a date") == "not a date" and last_lines({})[1] == "no dose recorded"


def test_notable_events_start_with_a_capital_and_the_trend_keeps_its_arrow():
    assert sentence("nausea (moderate)") == "Nausea (moderate)" and sentence("") == ""
    assert trend([{"score": 18}, {"score": 12}, {"score": 9}]) == "18 → 12 → 9 ↓" and trend([]) == "none yet"
