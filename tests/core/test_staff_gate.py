"""The lock is enforced by the engine, not only by the screen."""

import pytest

from roomcontrol.domain.errors import Refused
from roomcontrol.engine.staff import StaffGate
from roomcontrol.cli.staff import add_staff
from tests.core.helpers import OPEN_ARGS, make_room


@pytest.fixture
def gated(tmp_path):
    add_staff(tmp_path, "rn.ada", "Ada Lee", "nurse", "2468")
    add_staff(tmp_path, "rn.bo", "Bo Chen", "nurse", "1357")
    room = make_room(tmp_path)
    gate = StaffGate(room)
    yield room, gate
    room.close()


def test_locked_room_refuses_clinical_commands_but_not_the_patient(gated):
    room, _ = gated
    with pytest.raises(Refused, match="the screen is locked: sign in first"):
        room.command("open_session", "rn.ada", **OPEN_ARGS)
    room.command("call_nurse", "patient")
    with pytest.raises(Refused, match="needs a nurse"):
        room.command("abort_session", "patient", reason="x")
    room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    room.command("open_session", "rn.ada", **OPEN_ARGS)
    with pytest.raises(Refused, match="needs a nurse"):
        room.command("record_assessment", "patient", scale="CADSS-6", items={})
    room.command("record_assessment", "patient", scale="GAD-7", items={f"q{n}": 0 for n in range(1, 8)})


def test_acts_are_recorded_under_the_nurse_who_is_signed_in(gated):
    room, _ = gated
    room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    with pytest.raises(Refused, match="Ada Lee is signed in, not rn.bo"):
        room.command("add_note", "rn.bo", text="not me")
    room.command("lock", "rn.ada")
    with pytest.raises(Refused, match="locked"):
        room.command("add_note", "rn.ada", text="after lock")
    kinds = [e.kind for e in room.log.events() if e.kind.startswith("staff.")]
    assert kinds == ["staff.unlocked", "staff.locked"]


def test_the_screens_sign_in_checks_the_pin_off_the_engine_thread(tmp_path):
    import threading
    add_staff(tmp_path, "rn.ada", "Ada Lee", "nurse", "2468")
    room = make_room(tmp_path).start(partial=True)
    gate = StaffGate(room)
    seen = []
    original = __import__("roomcontrol.domain.staff", fromlist=["verify_pin"]).verify_pin

    def spy(pin, stored):
        seen.append(threading.current_thread().name)
        return original(pin, stored)
    import roomcontrol.engine.staff as engine_staff
    engine_staff.D.verify_pin = spy
    try:
        with pytest.raises(Refused, match="wrong PIN; 4 tries left"):
            gate.unlock("rn.ada", "1357").result(10)
        events = gate.unlock("rn.ada", "2468").result(10).events
    finally:
        engine_staff.D.verify_pin = original
    assert [e.kind for e in events] == ["staff.unlocked"] and gate.signed_in["staff_id"] == "rn.ada"
    assert seen and all(name.startswith("pin-check") for name in seen)
    assert [e.kind for e in room.log.events() if e.kind.startswith("staff.")] == ["staff.pin_rejected",
                                                                                   "staff.unlocked"]
    room.close()
