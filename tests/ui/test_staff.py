"""Staff accounts: PIN rules, the stored hash, the CLI functions, and sign-in on the room with lock-out."""

from __future__ import annotations

import sqlite3

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.room import Room
from roomcontrol.engine.staff import StaffGate
from roomcontrol.cli.staff import add_staff, disable_staff, list_staff
from roomcontrol.store.errors import StoreError


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "1111", "1234", "9876", "", "١٢٣٤٥"])
def test_weak_or_malformed_pins_are_refused(pin):
    with pytest.raises(Refused):
        D.check_pin(pin)


def test_pins_are_stored_only_as_a_salted_scrypt_hash(tmp_path):
    add_staff(tmp_path, "rn.ada", "Ada", "nurse", "2468")
    add_staff(tmp_path, "rn.bob", "Bob", "nurse", "2468")
    rows = sqlite3.connect(tmp_path / "room.db").execute("SELECT staff_id, pin_hash FROM staff").fetchall()
    hashes = dict(rows)
    assert all(h.startswith("scrypt$16384$8$1$") and "2468" not in h for h in hashes.values())
    assert hashes["rn.ada"] != hashes["rn.bob"]  # a salt per account
    assert D.verify_pin("2468", hashes["rn.ada"]) and not D.verify_pin("2469", hashes["rn.ada"])


def test_cli_functions_add_list_and_disable(tmp_path):
    add_staff(tmp_path, "rn.ada", "Ada Lovelace", "nurse", "2468")
    add_staff(tmp_path, "admin.g", "Grace", "admin", "9753")
    with pytest.raises(StoreError, match="already exists"):
        add_staff(tmp_path, "rn.ada", "Ada again", "nurse", "1357")
    with pytest.raises(Refused, match="role"):
        add_staff(tmp_path, "rn.x", "X", "doctor", "1357")
    with pytest.raises(Refused, match="not allowed"):
        add_staff(tmp_path, "patient", "P", "nurse", "1357")
    assert [(s["staff_id"], s["role"], s["active"]) for s in list_staff(tmp_path)] == \
        [("rn.ada", "nurse", True), ("admin.g", "admin", True)]
    assert all("pin_hash" not in s for s in list_staff(tmp_path))
    assert disable_staff(tmp_path, "rn.ada") and not disable_staff(tmp_path, "nobody")
    assert [s["active"] for s in list_staff(tmp_path)] == [False, True]


def test_unlock_lock_and_lockout_after_repeated_wrong_pins(tmp_path):
    add_staff(tmp_path, "rn.ada", "Ada", "nurse", "2468")
    add_staff(tmp_path, "rn.off", "Off", "nurse", "2468")
    disable_staff(tmp_path, "rn.off")
    clock = FakeClock()
    room = Room(RoomConfig(), tmp_path, clock)
    gate = StaffGate(room)
    with pytest.raises(Refused, match="disabled"):
        room.command("unlock", "rn.off", staff_id="rn.off", pin="2468")
    room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    assert gate.signed_in["staff_id"] == "rn.ada"
    room.command("lock", "rn.ada", reason="idle")
    assert gate.signed_in is None
    for left in range(D.MAX_FAILURES - 1, 0, -1):
        with pytest.raises(Refused, match=f"wrong PIN; {left} tr"):
            room.command("unlock", "rn.ada", staff_id="rn.ada", pin="1357")
    with pytest.raises(Refused, match="locked for 5 more min"):
        room.command("unlock", "rn.ada", staff_id="rn.ada", pin="1357")
    with pytest.raises(Refused, match="locked for"):  # even the right PIN, while locked out
        room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    room.close()
    room = Room(RoomConfig(), tmp_path, clock)  # a restart does not lift a lock-out
    StaffGate(room)
    with pytest.raises(Refused, match="locked for"):
        room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    clock.advance(D.LOCKOUT_S + 1)
    room.command("unlock", "rn.ada", staff_id="rn.ada", pin="2468")
    events = [(e.kind, e.payload) for e in room.log.events() if e.kind.startswith("staff.")]
    room.close()
    assert [k for k, _ in events] == ["staff.unlocked", "staff.locked"] + ["staff.pin_rejected"] * 5 + [
        "staff.locked_out", "staff.unlocked"]
    assert events[1][1] == {"staff_id": "rn.ada", "reason": "idle"}
    assert all("pin" not in p for _, p in events)
