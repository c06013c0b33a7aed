"""The session commands' payload validators, refusing what a command or a correction must not log
(roomcontrol.domain.commands): the refusals the session tests do not reach."""

import pytest

from roomcontrol.domain.payloads import baseline_payload, checklist_payload, medication_payload, required_text
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.policy import SessionPolicy


def test_required_text_is_trimmed_and_held_to_its_limit():
    assert required_text("  a reason ", "a reason", 10) == "a reason"
    with pytest.raises(Refused, match="a reason is longer than 10 characters"):
        required_text("x" * 11, "a reason", 10)


def test_a_baseline_comes_typed_or_from_the_monitor():
    assert baseline_payload(70, 98, 120, 80, "monitor")["source"] == "monitor"
    with pytest.raises(Refused, match="baseline source must be typed or monitor"):
        baseline_payload(70, 98, 120, 80, "guessed")


@pytest.mark.parametrize("unit, route, match", [
    ("tablets", "PO", "medication unit must be one of mg, mcg"),
    ("mg", "rectal", "medication route must be one of IV, IM"),
])
def test_a_medication_needs_a_known_unit_and_route(unit, route, match):
    with pytest.raises(Refused, match=match):
        medication_payload("ondansetron", 4, unit, route)


@pytest.mark.parametrize("solids, fluids, match", [
    (-1, 3, "hours since the last solids must be a number of hours, got -1"),
    (8, "three", "hours since the last clear fluids must be a number of hours, got 'three'"),
    (8, True, "hours since the last clear fluids must be a number of hours, got True"),
])
def test_npo_hours_are_a_number_of_hours(solids, fluids, match):
    with pytest.raises(Refused, match=match):
        checklist_payload(SessionPolicy(), "npo", solids, fluids)
