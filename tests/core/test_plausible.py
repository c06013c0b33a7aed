"""What a monitor sends that is not a reading: sentinels and values no body can show."""

import pytest

from roomcontrol.domain.vitals import KINDS
from roomcontrol.domain.vitals.plausible import POSSIBLE, implausible


def test_every_kind_has_a_possible_range():
    assert set(POSSIBLE) == set(KINDS)


@pytest.mark.parametrize("kind, value", [("spo2", 40), ("heart_rate", 0), ("respiratory_rate", 0),
                                         ("temperature", 36.8), ("etco2", 38), ("spo2", 100)])
def test_alarming_but_possible_values_are_readings(kind, value):
    assert implausible(kind, value) is None


@pytest.mark.parametrize("kind, value, reason", [
    ("heart_rate", -100, "outside the possible range 0–350 /min"),   # Philips/Comen "no value"
    ("spo2", -1, "outside the possible range 0–100 %"),
    ("spo2", 127, "outside the possible range 0–100 %"),
    ("temperature", -1000, "outside the possible range 10–50 Cel"),
    ("nibp_systolic", 511, "outside the possible range 0–400 mmHg"),
])
def test_sentinels_and_impossible_values_are_not(kind, value, reason):
    assert implausible(kind, value) == reason


def test_zero_with_a_technical_status_is_no_value():
    assert implausible("spo2", 0, {"sensor_off"}) == "0 sent with a technical status (no value)"
    assert implausible("spo2", 0, {"abnormal_low"}) is None  # the monitor's own judgement is no technical status
