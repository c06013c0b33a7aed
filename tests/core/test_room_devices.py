"""The room's devices following the session: scenes per phase, manual changes, the diffuser always off at the end
and after a crash, and simulated vitals flowing into the engine."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roomcontrol.domain.errors import Refused
from roomcontrol.store.vitals import read_vitals
from tests.core.helpers import NURSE, ambient_devices, make_room, running_room, walk_to
from tests.devices.ptyhelp import PtyDevice

ROOT = Path(__file__).resolve().parents[2]
LCUS_ON, LCUS_OFF = bytes([0xA0, 0x01, 0x01, 0xA2]), bytes([0xA0, 0x01, 0x00, 0xA1])


@pytest.fixture
def room_and_devices(tmp_path):
    room = make_room(tmp_path)
    devices = ambient_devices(room)
    yield room, devices
    devices.close()
    room.close()


def scenes(room):
    return [e.payload["scene"] for e in room.log.events(kinds=["ambient.scene_applied"])]


def test_each_phase_brings_its_scene_and_discharge_turns_the_diffuser_off(room_and_devices):
    room, devices = room_and_devices
    walk_to(room, "infusing")
    assert devices.diffuser.status().running  # the infusion scene mists in cycles
    walk_rest = [("complete_infusion", {})]
    room.clock.advance(40 * 60)
    for name, args in walk_rest:
        room.command(name, NURSE, **args)
    room.clock.advance(30 * 60)
    room.command("record_assessment", NURSE, scale="PADSS",
                 items=dict(vital_signs=2, activity=2, nausea_vomiting=2, pain=2, bleeding=2))
    room.command("discharge", NURSE, escort_confirmed=True)
    assert scenes(room) == ["off", "welcome", "infusion", "recovery", "discharge"]
    assert not devices.diffuser.status().running and not devices.diffuser.status().mist_on
    infusion = next(e for e in room.log.events(kinds=["ambient.scene_applied"]) if e.payload["scene"] == "infusion")
    assert infusion.payload["reason"] == "infusion.started" and infusion.payload["light_percent"] == 12


def test_a_slider_drag_is_one_event_and_the_patient_stays_within_limits(room_and_devices):
    room, devices = room_and_devices
    for value in range(60, 20, -5):
        room.command("set_ambient", NURSE, target="light", value=value, final=False)
    room.command("set_ambient", NURSE, target="light", value=20, final=True)
    changed = list(room.log.events(kinds=["ambient.changed"]))
    assert [(e.payload, e.actor) for e in changed] == [({"target": "light", "value": 20.0}, NURSE)]
    with pytest.raises(Refused, match="light can be set between 5 and 70 % from the chair"):
        room.command("set_ambient", "patient", target="light", value=100)
    with pytest.raises(Refused, match="the diffuser is set by the nurse"):
        room.command("set_ambient", "patient", target="diffuser", value=True)
    room.command("set_ambient", "patient", target="volume", value=40)
    with pytest.raises(Refused, match="unknown scene"):
        room.command("apply_scene", NURSE, scene="disco")
    room.command("apply_scene", NURSE, scene="cleaning")
    assert devices.scene == "cleaning"


def test_simulated_vitals_reach_the_log_and_the_vitals_table(tmp_path):
    runtime = running_room(tmp_path, audio=False)
    room = runtime.room
    room.command("open_session", NURSE, patient_ref="PT-1", weight_kg=70)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "spo2" not in room.snapshot().vitals:
        time.sleep(0.1)
    time.sleep(1.5)
    runtime.close()
    again = make_room(tmp_path)
    stored = {r["kind"] for r in read_vitals(again.db)}
    assert {"heart_rate", "spo2"} <= stored
    assert any(e.payload.get("device") == "vitals" for e in again.log.events(kinds=["device.connected"]))
    again.close()


def _child(tmp_path, port, walk):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-u", "-m", "tests.core.devices_child", str(tmp_path), port, walk],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    return proc


def _wait_for(pty, needle, after=0, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        at = pty.data().find(needle, after)
        if at >= 0:
            return at
        time.sleep(0.05)
    raise AssertionError(f"{needle.hex()} not seen; got {pty.data().hex()}")


def test_diffuser_is_off_after_a_sigkill_and_restart(tmp_path):
    """A real LCUS relay protocol on a pty: mist on during the infusion, kill -9, restart: OFF goes out first."""
    pty = PtyDevice()
    try:
        proc = _child(tmp_path, pty.path, "yes")
        _wait_for(pty, LCUS_ON)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        pty.clear()
        proc = _child(tmp_path, pty.path, "no")   # the room comes back mid-infusion
        _wait_for(pty, LCUS_OFF)
        assert pty.data().startswith(LCUS_OFF)   # the very first thing the relay hears is OFF
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    finally:
        pty.close()


def test_a_device_test_is_a_logged_command(room_and_devices):
    room, _ = room_and_devices
    [lit] = room.command("test_device", NURSE, device="lighting")
    [misted] = room.command("test_device", NURSE, device="diffuser")
    assert (lit.kind, lit.actor, lit.payload["device"]) == ("device.tested", NURSE, "lighting")
    assert misted.payload == {"device": "diffuser", "outcome": "diffuser on for 5 s"}
    with pytest.raises(Refused, match="no sound device"):
        room.command("test_device", NURSE, device="audio")  # opened without audio
    with pytest.raises(Refused, match="no test for 'vitals'"):
        room.command("test_device", NURSE, device="vitals")


def test_the_next_patient_hears_the_music_a_discharge_stopped(tmp_path):
    """Discharge stops the music but keeps the playlist loaded; the next session's welcome scene (same playlist)
    must start it again (found by bench/day.py: the day's second patient had silence)."""
    room = make_room(tmp_path)
    devices = ambient_devices(room, audio=True)  # SDL's dummy driver (tests/conftest.py)
    try:
        def playing(want: bool) -> bool:
            return PtyDevice.wait_until(lambda: devices.audio.status().playing == want, timeout=15)
        walk_to(room, "infusing")
        assert playing(True)
        room.clock.advance(40 * 60)
        room.command("complete_infusion", NURSE)
        room.clock.advance(30 * 60)
        room.command("record_assessment", NURSE, scale="PADSS",
                     items=dict(vital_signs=2, activity=2, nausea_vomiting=2, pain=2, bleeding=2))
        room.command("discharge", NURSE, escort_confirmed=True)
        assert playing(False)  # the discharge scene has no music
        room.command("open_session", NURSE, patient_ref="PT-8", weight_kg=70)
        assert playing(True)
    finally:
        devices.close()
        room.close()
