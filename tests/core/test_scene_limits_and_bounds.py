"""Issue 11, item 12: the patient's limits follow the scene, and the planned time is checked against the
configured bounds (not a fixed 20–240)."""

import pytest

from roomcontrol.config.room import parse_config
from roomcontrol.domain.ambient import PATIENT_LIMITS, check_change
from roomcontrol.domain.dose import plan_dose
from roomcontrol.domain.errors import Refused
from tests.core.helpers import NURSE, walk_to
from tests.core.test_room_devices import room_and_devices  # noqa: F401  (fixture: a stepped room with its devices)


def parsed(raw: dict):
    errors: list[str] = []
    config = parse_config(raw, errors)
    return config, errors


def test_a_planned_time_inside_configured_bounds_is_accepted_and_the_bounds_name_the_refusal():
    config, errors = parsed({"session": {"planned_infusion_min": 5, "bounds": {"planned_infusion_min": [5, 240]}}})
    assert errors == []
    assert config.session.planned_infusion_min == 5
    plan = plan_dose(70, 0.5, 5, bounds=config.session.bounds)
    assert plan.planned_infusion_min == 5 and plan.rate_mg_per_h == 420
    with pytest.raises(Refused, match="planned infusion time 4 min is outside the allowed 5–240 min"):
        plan_dose(70, 0.5, 4, bounds=config.session.bounds)
    _, errors = parsed({"session": {"planned_infusion_min": 5}})  # the default bounds are 20–240
    assert errors == ["session.planned_infusion_min = 5: must lie inside session.bounds.planned_infusion_min "
                      "[20, 240]"]
    _, errors = parsed({"session": {"default_dose_mg_per_kg": 2.5, "bounds": {"dose_mg_per_kg": [0.1, 3]}}})
    assert errors == []


def test_each_scene_may_lower_the_patients_highs_and_wrong_values_name_what_is_allowed():
    config, errors = parsed({"scenes": {"welcome": {"patient_light_max": 50},
                                        "recovery": {"patient_volume_max": 20}}})
    assert errors == []
    assert config.scenes["welcome"].patient_limits == {"light": (5.0, 50.0), "volume": PATIENT_LIMITS["volume"]}
    assert config.scenes["recovery"].patient_limits == {"light": PATIENT_LIMITS["light"], "volume": (0.0, 20.0)}
    assert config.scenes["infusion"].patient_limits == {"light": (5.0, 30.0), "volume": (0.0, 45.0)}  # default
    assert config.scenes["cleaning"].patient_limits == PATIENT_LIMITS  # the room's
    _, errors = parsed({"scenes": {"infusion": {"patient_light_max": 90}}})
    assert errors == ["scenes.infusion.patient_light_max = 90: must be a number from 5 to 70"]


def test_check_change_takes_the_scenes_limits():
    limits = {"light": (5.0, 30.0), "volume": (0.0, 45.0)}
    assert check_change("light", 30, "patient", limits).value == 30.0
    with pytest.raises(Refused, match="light can be set between 5 and 30 % from the chair"):
        check_change("light", 31, "patient", limits)
    assert check_change("light", 90, NURSE, limits).value == 90.0  # the nurse is not bound by the chair's limits


def test_during_the_infusion_the_patient_cannot_raise_light_to_70_or_volume_to_60(room_and_devices):
    room, devices = room_and_devices
    room.command("set_ambient", "patient", target="light", value=70)  # the room's limit, in the "off" scene
    walk_to(room, "infusing")
    assert devices.scene == "infusion"
    assert devices.status()["patient_limits"] == {"light": (5.0, 30.0), "volume": (0.0, 45.0)}
    with pytest.raises(Refused, match="light can be set between 5 and 30 %"):
        room.command("set_ambient", "patient", target="light", value=70)
    with pytest.raises(Refused, match="volume can be set between 0 and 45 %"):
        room.command("set_ambient", "patient", target="volume", value=60)
    room.command("set_ambient", "patient", target="light", value=30)
    changed = [(e.payload["value"], e.actor) for e in room.log.events(kinds=["ambient.changed"])]
    assert changed == [(70.0, "patient"), (30.0, "patient")]
