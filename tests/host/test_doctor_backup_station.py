"""`roomcontrol doctor`'s backup and station lines: real backup folders (made by the room's own backup code, a
small or read-only tmpfs when root), the room log's backup.made / backup.failed events, and the real hub on
loopback with its live channel (a running room's channel beside it must stay untouched)."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from roomcontrol.config import load_config
from roomcontrol.domain import kinds as K
from roomcontrol.domain.events import NewEvent
from roomcontrol.engine.live_state import live_state
from roomcontrol.engine.snapshot import RoomSnapshot
from roomcontrol.host import doctor as D
from roomcontrol.store import database
from roomcontrol.store.backup import backup_room
from roomcontrol.sync.live_client import CONNECTED, LiveClient
from tests.sync.helpers import ROOM, RoomDB, free_port, wait_until

NOW = datetime.now(timezone.utc)


def config_with(tmp_path: Path, text: str):
    path = tmp_path / "room.toml"
    path.write_text(f'[room]\nid = "{ROOM}"\n' + text)
    return load_config(path)


def backup_toml(folder: Path, keep: int = 14) -> str:
    return f'[backup]\ndir = "{folder}"\nkeep = {keep}\n'


def a_room(data_dir: Path, events: tuple[tuple[str, dict, datetime], ...] = ()) -> Path:
    """A room database with 40 notes and the given events (kind, payload, ts), written as the engine writes."""
    data_dir.mkdir(exist_ok=True)
    room = RoomDB(database.db_path(data_dir))
    room.log_events(40)
    for kind, payload, ts in events:
        room.log.append(NewEvent(kind, payload, "system", None), ts)
    room.close()
    return data_dir


@pytest.fixture
def mount(tmp_path):
    """mount(options) → a fresh tmpfs folder with those mount options (root only, as bench/faults.py)."""
    if os.geteuid() != 0:
        pytest.skip("not root: no tmpfs can be mounted (the chmod test covers a folder without write access)")
    mounted = []

    def make(options: str) -> Path:
        path = tmp_path / f"mnt{len(mounted)}"
        path.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], check=True, timeout=10)
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        subprocess.run(["umount", str(path)], timeout=10)


# -- backup ------------------------------------------------------------------------------------------------------
def test_no_backup_configured_is_a_warning(tmp_path):
    check = D.check_backup(config_with(tmp_path, ""), a_room(tmp_path / "data"))
    assert check.status == D.WARN and check.message.startswith("no nightly backup")
    assert "set [backup] dir = ... on a second disk or share" in check.fix


def test_a_missing_folder_or_a_file_in_its_place_fails_naming_it(tmp_path):
    data = a_room(tmp_path / "data")
    missing = tmp_path / "share" / "roomcontrol"
    check = D.check_backup(config_with(tmp_path, backup_toml(missing)), data)
    assert check.status == D.FAIL and check.message == f"the backup folder {missing} does not exist"
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    check = D.check_backup(config_with(tmp_path, backup_toml(a_file)), data)
    assert check.status == D.FAIL and check.message == f"the backup folder {a_file} is not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere: the read-only mount test covers it")
def test_a_folder_without_write_access_fails(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o500)
    check = D.check_backup(config_with(tmp_path, backup_toml(folder)), a_room(tmp_path / "data"))
    assert check.status == D.FAIL and f"the backup folder {folder} is not writable" in check.message


def test_a_read_only_share_fails_naming_it(tmp_path, mount):
    folder = mount("ro,size=1m")
    check = D.check_backup(config_with(tmp_path, backup_toml(folder)), a_room(tmp_path / "data"))
    assert check.status == D.FAIL
    assert check.message == f"the backup folder {folder} is not writable (Read-only file system)"


def test_a_failure_after_the_last_success_fails_with_its_reason(tmp_path):
    folder = tmp_path / "backups"
    reason = f"the backup into {folder} failed: No space left on device"
    data = a_room(tmp_path / "data", ((K.BACKUP_MADE, {"path": "x", "last_seq": 40, "bytes": 1}, NOW - timedelta(hours=30)),
                                      (K.BACKUP_FAILED, {"reason": reason}, NOW - timedelta(hours=6))))
    backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=30))
    config = config_with(tmp_path, backup_toml(folder))
    check = D.check_backup(config, data, now=NOW)
    assert check.status == D.FAIL and check.message == f"the last backup failed 6.0 h ago: {reason}"
    assert f"roomcontrol backup --to {folder}" in check.fix
    # A backup made since (by hand: no event, only its manifest in the folder) clears it.
    backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=1))
    check = D.check_backup(config, data, now=NOW)
    assert check.status == D.OK and check.message.startswith("newest roomcontrol-room-1-")


def test_a_failure_logged_before_the_last_success_is_history(tmp_path):
    folder = tmp_path / "backups"
    data = a_room(tmp_path / "data", ((K.BACKUP_FAILED, {"reason": "share offline"}, NOW - timedelta(hours=30)),
                                      (K.BACKUP_MADE, {"path": "x", "last_seq": 41, "bytes": 1}, NOW - timedelta(hours=2))))
    backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=30))  # the folder's newest is older
    check = D.check_backup(config_with(tmp_path, backup_toml(folder)), data, now=NOW)
    assert check.status == D.OK, check


def test_no_backup_yet_and_an_old_one_are_warnings(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    data = a_room(tmp_path / "data")
    config = config_with(tmp_path, backup_toml(folder))
    check = D.check_backup(config, data, now=NOW)
    assert check.status == D.WARN and check.message.startswith(f"no backup of {ROOM} in {folder} yet")
    made = backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(days=3, hours=1))
    check = D.check_backup(config, data, now=NOW)
    assert check.status == D.WARN
    assert check.message == f"the newest backup is 3.0 days old ({made.file} in {folder})"


def test_a_fresh_backup_is_ok_with_name_age_size_and_room_left(tmp_path):
    folder = tmp_path / "backups"
    data = a_room(tmp_path / "data")
    backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=20))  # rotated out of view by the newer one
    made = backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=3))
    check = D.check_backup(config_with(tmp_path, backup_toml(folder)), data, now=NOW)
    assert check.status == D.OK
    assert check.message.startswith(f"newest {made.file}, 3.0 h old, {made.bytes / 1e6:.1f} MB; ")
    assert " GB free there, room for " in check.message


def test_a_backup_disk_that_cannot_hold_keep_more_is_a_warning(tmp_path, mount):
    folder = mount("size=1m")
    data = a_room(tmp_path / "data")
    made = backup_room(data, folder, room_id=ROOM, now=NOW - timedelta(hours=1))
    size = max(made.bytes, database.db_path(data).stat().st_size)
    assert 14 * size > 1_000_000  # the premise: 14 backups of this room do not fit in 1 MB
    check = D.check_backup(config_with(tmp_path, backup_toml(folder, keep=14)), data, now=NOW)
    assert check.status == D.WARN and "less than 14 backups of" in check.message
    assert check.message.startswith(f"newest {made.file}, ")
    assert D.check_backup(config_with(tmp_path, backup_toml(folder, keep=1)), data, now=NOW).status == D.OK


# -- station (the `hub` fixture: conftest.py) --------------------------------------------------------------------
def station_toml(url: str, token: str) -> str:
    return f'[sync]\nenabled = true\nhub_url = "{url}"\ntoken = "{token}"\n'


def test_station_off_gives_no_line(tmp_path):
    config = config_with(tmp_path, "")
    assert not config.station.enabled and D.check_station(config, tmp_path) is None


def test_the_hub_accepts_the_rooms_state(tmp_path, hub):
    server, token = hub
    check = D.check_station(config_with(tmp_path, station_toml(server.url, token)), a_room(tmp_path / "data"))
    assert check is not None and check.status == D.OK, check
    assert check.message.startswith("the hub's live channel accepts this room")
    # The hub validated the state (an invalid one is counted and not heard) and saw the socket close.
    wait_until(lambda: server.live.views.get(ROOM, {}).get("contact") == "lost", timeout_s=5.0, what="lost")
    view = server.live.views[ROOM]
    assert view["last_heard"] is not None and view["phase"] == "idle" and view["session"] is None
    assert server.live.malformed[ROOM] == 0


def test_a_refused_token_fails_naming_the_token(tmp_path, hub):
    server, _ = hub
    check = D.check_station(config_with(tmp_path, station_toml(server.url, "not-the-token")), tmp_path)
    assert check is not None and check.status == D.FAIL
    assert check.message.startswith("the hub refused this room's token on the live channel ws://127.0.0.1:")
    assert f"roomcontrol hub add-room {ROOM}" in check.fix and "[sync] token" in check.fix


def test_an_unreachable_hub_fails_naming_the_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    check = D.check_station(config_with(tmp_path, station_toml(url, "t")), tmp_path, timeout_s=2)
    assert check is not None and check.status == D.FAIL
    assert check.message.startswith(f"cannot reach the hub's live channel at ws://127.0.0.1:{url.rsplit(':', 1)[1]}"
                                    f"/api/v1/rooms/{ROOM}/live")


def test_a_running_rooms_channel_is_left_alone(tmp_path, hub):
    """The hub keeps the newest socket per room: doctor must not open one while the room app runs."""
    server, token = hub
    config = config_with(tmp_path, station_toml(server.url, token))
    data = a_room(tmp_path / "data")
    room_db = database.open_room_db(data)  # the running room holds its database open
    snap = RoomSnapshot(ROOM, "Room 1", NOW, "infusing", None, 40)
    client = LiveClient(server.url, ROOM, token, lambda s: live_state(s), lambda s: s["phase"]).start()
    try:
        client.offer(snap)
        wait_until(lambda: client.status == CONNECTED and ROOM in server.live.local, timeout_s=5.0,
                   what="the room's channel")
        socket = server.live.local[ROOM].ws
        check = D.check_station(config, data)
        assert check is not None and check.status == D.WARN
        assert "not probed: the room app is running" in check.message and "close the room app" in check.fix
        time.sleep(0.5)
        assert client.connects == 1 and client.status == CONNECTED
        assert server.live.local[ROOM].ws is socket and server.live.views[ROOM]["phase"] == "infusing"
    finally:
        client.stop()
        room_db.conn.close()
    # Once the room app is closed the probe runs.
    assert D.check_station(config, data).status == D.OK
