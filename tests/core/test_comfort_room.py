"""The comfort plan in a room: set by the nurse or the patient (within the limits), applied by the phase scenes —
the DMX level on the wire of a real ENTTEC DMX USB Pro protocol (a pty) and the track the plan names playing —
logged, kept across a restart, and saved at discharge."""

import pytest

from roomcontrol.config.room import parse_config
from roomcontrol.domain import brightness as b
from roomcontrol.domain.comfort import ComfortPlan
from roomcontrol.domain.errors import Refused
from tests.core.helpers import NURSE, PADSS_10, ambient_devices, make_room, walk_to
from tests.devices.ptyhelp import PtyDevice
from tests.devices.test_dmx import FRAME_LEN, frames

PLAN = ComfortPlan(playlist="nature", track="02_ocean.ogg", volume=20, light=10, colour_temp_k=2200,
                   eye_mask=True, blanket=True, note="likes to hold a stone")


def _config(pty_path):
    errors: list[str] = []
    config = parse_config({"devices": {"lighting": {"driver": "enttec_pro", "url": pty_path}},
                           # no fades, so the wire shows the scene's level at once
                           "scenes": {"welcome": {"fade_s": 0}, "infusion": {"fade_s": 0},
                                      "recovery": {"fade_s": 0}}}, errors)
    assert not errors, errors
    return config


def _universe_has(pty, channel: int, value: int) -> bool:
    def seen(data):
        whole = data[: len(data) // FRAME_LEN * FRAME_LEN]
        got = frames(whole)
        return bool(got) and got[-1][channel - 1] == value
    return bool(pty.wait_for(seen, timeout=10))


def applied(room):
    return [e.payload for e in room.log.events(kinds=["ambient.scene_applied"])]


def test_with_a_plan_the_infusion_scene_sets_the_plans_dmx_level_and_track(tmp_path):
    pty = PtyDevice()
    room = make_room(tmp_path, _config(pty.path))
    devices = ambient_devices(room, audio=True)  # SDL's dummy driver (tests/conftest.py)
    try:
        walk_to(room, "pre_infusion")
        assert _universe_has(pty, 1, b.level_to_dmx(0.60))  # the room's welcome scene: 60 %
        room.command("set_comfort_plan", NURSE, plan=PLAN.to_dict())
        assert _universe_has(pty, 1, b.level_to_dmx(0.10))  # the welcome scene again, with the plan
        for item, extra in [("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}),
                            ("escort", {}), ("pregnancy_screen", {}), ("iv_access", {})]:
            room.command("confirm_checklist", NURSE, item=item, **extra)
        room.command("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
        pty.clear()
        room.command("start_infusion", NURSE)
        assert _universe_has(pty, 1, b.level_to_dmx(0.10))  # not the infusion scene's 12 %
        assert devices.status()["light_percent"] == 10
        assert PtyDevice.wait_until(lambda: devices.audio.status().track == "02_ocean.ogg", timeout=15)
        assert PtyDevice.wait_until(lambda: abs(devices.audio.status().volume - 0.20) < 1e-6, timeout=15)
        assert not devices.diffuser.status().running  # the plan says no mist, the infusion scene would mist
        infusion = applied(room)[-1]
        assert infusion == {"scene": "infusion", "reason": "infusion.started", "light_percent": 10.0,
                            "volume_percent": 20.0, "fade_s": 0.0, "comfort": True, "colour_temp_k": 2200,
                            "playlist": "nature", "track": "02_ocean.ogg", "diffuser": False}
    finally:
        devices.close()
        room.close()
        pty.close()


def test_the_patient_sets_the_plan_within_limits_and_silence_means_no_music(tmp_path):
    room = make_room(tmp_path)
    devices = ambient_devices(room)
    try:
        with pytest.raises(Refused, match="no session is open"):
            room.command("set_comfort_plan", NURSE, plan={})
        walk_to(room, "infusing")
        with pytest.raises(Refused, match="light can be set between 5 and 70 % from the chair"):
            room.command("set_comfort_plan", "patient", plan={"light": 90})
        with pytest.raises(Refused, match="the diffuser is switched on by the nurse"):
            room.command("set_comfort_plan", "patient", plan={"diffuser": True})
        with pytest.raises(Refused, match="only the nurse loads the comfort plan from the patient's course"):
            room.command("set_comfort_plan", "patient", plan={}, source="course")
        with pytest.raises(Refused, match="source must be one of room, course"):
            room.command("set_comfort_plan", NURSE, plan={}, source="hub")
        with pytest.raises(Refused, match="no playlist 'jazz' in this room"):
            room.command("set_comfort_plan", NURSE, plan={"playlist": "jazz"})
        room.command("set_comfort_plan", "patient", plan={"light": 60, "prefers_silence": True, "note": "quiet"})
        last = applied(room)[-1]
        # the patient's 60 % is kept inside what the infusion scene allows from the chair (30 %)
        assert (last["reason"], last["light_percent"], last["playlist"], last["volume_percent"]) == \
            ("comfort.plan_set", 30.0, "", 0.0)
        event = list(room.log.events(kinds=["comfort.plan_set"]))[-1]
        assert (event.actor, event.payload["source"], event.payload["plan"]["note"]) == ("patient", "room", "quiet")
    finally:
        devices.close()
        room.close()


def test_the_plan_survives_a_restart_and_is_saved_at_discharge(tmp_path):
    room = make_room(tmp_path)
    clock = room.clock
    devices = ambient_devices(room)
    walk_to(room, "recovery")
    room.command("set_comfort_plan", NURSE, plan=PLAN.to_dict(), source="course")
    devices.close()
    room.close()
    room = make_room(tmp_path, clock=clock)  # the engine rebuilt from the log
    assert room.state.session.comfort == PLAN.to_dict()
    devices = ambient_devices(room)
    try:
        assert applied(room)[-1]["comfort"] is True and applied(room)[-1]["reason"] == "start-up"
        clock.advance(30 * 60)
        room.command("record_assessment", NURSE, scale="PADSS", items=PADSS_10)
        room.command("discharge", NURSE, escort_confirmed=True)
        saved = list(room.log.events(kinds=["comfort.plan_saved"]))
        assert [(e.actor, e.payload) for e in saved] == [(NURSE, {"plan": PLAN.to_dict()})]
        assert "comfort" not in applied(room)[-1]  # the discharge scene is the room's own
    finally:
        devices.close()
        room.close()
