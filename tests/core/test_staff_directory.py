"""The room's copy of the hub's staff directory in its staff table (roomcontrol.store.staff.apply_directory): a hub
account replaces a room-local one of the same id, one gone from the directory is disabled (never deleted), local
accounts stay; and the room schema's migration that adds `source`."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import sqlite_utils

from roomcontrol.cli.staff import add_staff, list_staff
from roomcontrol.domain import staff as D
from roomcontrol.domain.events import Event
from roomcontrol.domain.wording import describe
from roomcontrol.store import database
from roomcontrol.store.staff import HubAccount, StaffStore


def h(pin: str) -> str:
    return D.hash_pin(pin, secrets.token_bytes(16), n=2 ** 10).encode()  # cheap: these tests check no timing


def acc(staff_id, name="N", role="nurse", pin_hash="", active=True):
    return HubAccount(staff_id, name, role, pin_hash or h("2580"), active, "2026-11-27T20:00:00.000Z")


def test_directory_rules(tmp_path):
    add_staff(tmp_path, "rn.ada", "Ada (room)", "nurse", "2468")
    add_staff(tmp_path, "rn.loc", "Local Only", "admin", "1357")
    db = database.open_room_db(tmp_path)
    store = StaffStore(db)
    ada, bo, old = acc("rn.ada", "Ada Lee", pin_hash=h("8642")), acc("rn.bo", "Bo Chen"), acc("rn.old", active=False)
    change = store.apply_directory([ada, bo, old])
    assert (change.added, change.replaced_local, change.updated, change.disabled) == (["rn.bo"], ["rn.ada"], [], [])
    row = store.get("rn.ada")
    assert (row.name, row.source, row.active) == ("Ada Lee", "hub", True)
    assert D.verify_pin("8642", row.pin_hash)  # the hub's PIN now, not the room's
    assert store.get("rn.loc").source == "local" and store.get("rn.old").active is False
    assert not store.apply_directory([ada, bo, old])  # the same copy changes nothing
    # A wrong-PIN count survives an unrelated change but not a new PIN.
    store.set_attempts("rn.bo", 3, None)
    store.set_attempts("rn.ada", 2, None)
    change = store.apply_directory([acc("rn.ada", "Ada Lee-Park", pin_hash=ada.pin_hash),
                                    acc("rn.bo", "Bo Chen", pin_hash=h("9753"))])
    assert (change.added, change.updated, change.disabled) == ([], ["rn.ada", "rn.bo"], [])
    assert store.get("rn.ada").failures == 2 and store.get("rn.bo").failures == 0
    # Gone from the directory or disabled there: disabled here, never deleted; the room's own account stays.
    change = store.apply_directory([acc("rn.ada", "Ada Lee-Park", pin_hash=ada.pin_hash, active=False)])
    assert change.disabled == ["rn.ada", "rn.bo"]
    assert [(s["staff_id"], s["active"], s["source"]) for s in list_staff(tmp_path)] == [
        ("rn.ada", False, "hub"), ("rn.bo", False, "hub"), ("rn.loc", True, "local"), ("rn.old", False, "hub")]
    db.conn.close()


def test_the_room_schema_migrates_its_staff_to_local(tmp_path):
    path = tmp_path / database.DB_NAME
    conn = database.open_connection(path)
    db = sqlite_utils.Database(conn)
    for step in database.MIGRATIONS[:3]:
        step(db)
    conn.execute("PRAGMA user_version = 3")
    db.table("staff").insert({"staff_id": "rn.ada", "name": "Ada", "role": "nurse", "pin_hash": h("2468"),
                              "active": 1, "created_ts": "2026-01-01T00:00:00.000Z", "failures": 0})
    conn.close()
    db = database.open_room_db(tmp_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION == 4
    assert StaffStore(db).get("rn.ada").source == "local"
    db.conn.close()


def test_the_directory_event_is_worded_for_the_timeline():
    def ev(payload):
        return Event(1, "x", "room-1", None, datetime(2026, 11, 27, 21, tzinfo=timezone.utc),
                     "staff.directory_updated", "system", payload, "0" * 64, "0" * 64)
    assert describe(ev({"added": ["rn.bo"], "disabled": ["rn.cy", "rn.di"]})) == \
        "Staff directory from the hub: added rn.bo; disabled rn.cy, rn.di"
    assert describe(ev({})) == "Staff directory from the hub"
