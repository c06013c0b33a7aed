"""A room keeps the clinic's staff directory from a real hub (loopback, SQLite and PostgreSQL) and signs a hub
nurse in with the hub stopped; a disabled hub account cannot sign in; a garbled or unreachable directory changes
nothing."""

from __future__ import annotations

import pytest

from roomcontrol.cli.staff import add_staff
from roomcontrol.config.room import RoomConfig, SyncConfig
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.runtime import start_room
from roomcontrol.sync.directory import DirectoryError, DirectoryFollower, parse_directory
from roomcontrol.sync.hub import staff as S
from roomcontrol.sync.hub.store import add_reader
from roomcontrol.sync.hub.server import ThreadedHub
from tests.sync.helpers import ROOM, free_port, wait_until

PIN = "2580"


def directory_events(runtime) -> list[dict]:
    return [e.payload for e in runtime.room.log.events() if e.kind == "staff.directory_updated"]


def test_a_room_signs_in_a_hub_nurse_offline_and_not_a_disabled_one(hubdb, token, tmp_path):
    S.add_staff(hubdb, "ann", "Ann Lee", "nurse", PIN)
    S.add_staff(hubdb, "bo", "Bo Chen", "nurse", "1357")
    S.disable_staff(hubdb, "bo")
    add_staff(tmp_path, "ann", "Ann (room-local)", "admin", "8642")   # replaced by the hub's account
    add_staff(tmp_path, "rn.loc", "Local Nurse", "nurse", "9753")      # stays
    with ThreadedHub(hubdb) as hub:
        config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url=hub.url, token=token,
                                                          interval_s=3600)).simulated()
        runtime = start_room(config, tmp_path, audio=False)
        wait_until(lambda: directory_events(runtime), 20, what="the directory copied at start")
    try:
        # The hub is stopped: the copy signs Ann in with the hub's PIN and role, not the room-local ones.
        assert directory_events(runtime) == [{"version": S.directory(hubdb, with_hashes=False)["version"],
                                              "accounts": 2, "added": [], "replaced_local": ["ann"],
                                              "updated": [], "disabled": []}]
        gate = runtime.gate
        with pytest.raises(Refused, match="wrong PIN; 4 tries left"):
            gate.unlock("ann", "8642").result(10)
        assert [e.kind for e in gate.unlock("ann", PIN).result(10).events] == ["staff.unlocked"]
        assert gate.signed_in == {"staff_id": "ann", "name": "Ann Lee", "role": "nurse"}
        with pytest.raises(Refused, match="unknown or disabled"):
            gate.unlock("bo", "1357").result(10)
        assert gate.unlock("rn.loc", "9753").result(10).events[-1].payload["staff_id"] == "rn.loc"
        # Offline, a new fetch fails and changes nothing.
        with pytest.raises(DirectoryError, match="hub not reached"):
            runtime.directory.refresh()
        assert len(directory_events(runtime)) == 1
    finally:
        runtime.close()


def test_a_disabled_hub_account_is_disabled_in_the_room_at_the_next_copy(hubdb, token, tmp_path):
    S.add_staff(hubdb, "ann", "Ann Lee", "nurse", PIN)
    with ThreadedHub(hubdb) as hub:
        config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url=hub.url, token=token,
                                                          interval_s=3600)).simulated()
        runtime = start_room(config, tmp_path, audio=False)
        try:
            wait_until(lambda: directory_events(runtime), 20, what="the first copy")
            assert directory_events(runtime)[0]["added"] == ["ann"]
            assert runtime.directory.refresh() is False  # the same version: skipped
            S.disable_staff(hubdb, "ann")
            assert runtime.directory.refresh() is True
            assert directory_events(runtime)[-1]["disabled"] == ["ann"]
            with pytest.raises(Refused, match="unknown or disabled"):
                runtime.gate.unlock("ann", PIN).result(10)
            assert runtime.gate.store.get("ann").active is False  # disabled, never deleted
        finally:
            runtime.close()


def test_a_reader_token_or_a_garbled_copy_is_refused_whole(hubdb, tmp_path):
    S.add_staff(hubdb, "ann", "Ann Lee", "nurse", PIN)
    kept = []
    with ThreadedHub(hubdb) as hub:
        follower = DirectoryFollower(hub.url, add_reader(hubdb, "dash"), kept.append)
        with pytest.raises(DirectoryError, match=r"staff\[0\] is not usable: no pin_hash"):
            follower.refresh()
        with pytest.raises(DirectoryError, match="answered 401"):
            DirectoryFollower(hub.url, "rct_wrong", kept.append).refresh()
    assert kept == []
    with pytest.raises(DirectoryError, match="hub not reached"):
        DirectoryFollower(f"http://127.0.0.1:{free_port()}", "t", kept.append, timeout_s=1).refresh()
    good = {"staff_id": "ann", "name": "Ann", "role": "nurse", "pin_hash": "scrypt$2$8$1$00$00", "active": True,
            "created_at": "2026-11-27T20:00:00.000Z"}
    for bad, why in (([good, good], "listed twice"), ([{**good, "role": "doctor"}], "role must be one of"),
                     ([{**good, "pin_hash": "md5$x"}], "staff\\[0\\] is not usable"),
                     ([{**good, "staff_id": "system"}], "not 'patient' or 'system'"),
                     ([{**good, "name": " "}], "name must be"), ([{**good, "active": 1}], "active must be"),
                     (["x"], "not an object")):
        with pytest.raises(DirectoryError, match=why):
            parse_directory({"version": "v", "staff": bad})
    for body in ([], {"staff": {}}, {"version": 3, "staff": []}):
        with pytest.raises(DirectoryError):
            parse_directory(body)
    assert parse_directory({"version": None, "staff": [good]}).accounts[0].staff_id == "ann"


def test_no_follower_without_sync():
    assert DirectoryFollower.from_config(RoomConfig(), lambda d: None) is None
