"""Backups of the room database: the online copy, its verification and manifest, rotation, no half files; and
`roomcontrol restore` with its refusals (another room, a broken chain, a hub that holds more, the room running)."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from roomcontrol.cli import main
from roomcontrol.config import RoomConfig
from roomcontrol.domain.events import NewEvent
from roomcontrol.store import backup as B
from roomcontrol.store.database import connect, db_path
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import verify_chain
from tests.core.helpers import NURSE, make_room, walk_to

T0 = datetime(2026, 11, 27, 2, 30, tzinfo=timezone.utc)


def a_room(data_dir: Path, phase: str = "discharged", room_id: str = "room-1") -> int:
    """A room database with one session walked to `phase`; returns its last seq."""
    room = make_room(data_dir, RoomConfig(room_id=room_id))
    walk_to(room, phase)
    last = room.log.last_seq
    room.close()
    return last


def test_backup_is_a_verified_self_contained_copy_and_the_room_stays_in_wal(tmp_path):
    last = a_room(tmp_path / "d")
    m = B.backup_room(tmp_path / "d", tmp_path / "bk", room_id="room-1", now=T0)
    copy = tmp_path / "bk" / m.file
    assert m.file == "roomcontrol-room-1-20261127T023000Z.db"
    assert (m.room_id, m.last_seq, m.schema_version) == ("room-1", last, B.SCHEMA_VERSION)
    assert m.sha256 == B.sha256_of(copy) and m.bytes == copy.stat().st_size
    assert json.loads(copy.with_suffix(".json").read_text()) == json.loads(m.to_json())
    # The copy opens read-only on its own (no -wal/-shm beside it) and its chain verifies.
    conn = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    found = B.inspect_backup(copy)
    assert found.ok and found.last_seq == last and found.last_hash == m.last_hash
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == [m.file, m.file.replace(".db", ".json")]
    db = connect(db_path(tmp_path / "d"))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.conn.close()


def test_rotation_keeps_the_newest_n_of_this_room_only(tmp_path):
    a_room(tmp_path / "d", "pre_infusion")
    other = tmp_path / "bk" / "roomcontrol-room-2-20200101T000000Z.db"
    other.parent.mkdir()
    other.write_bytes(b"x")
    other.with_suffix(".json").write_text("{}")
    made = [B.backup_room(tmp_path / "d", tmp_path / "bk", keep=3, now=T0 + timedelta(days=i)).file for i in range(5)]
    again = B.backup_room(tmp_path / "d", tmp_path / "bk", keep=3, now=T0 + timedelta(days=4))  # same second
    assert again.file.endswith("Z-1.db")
    kept = [p.name for p in B.backups(tmp_path / "bk", "roomcontrol-room-1-")]
    assert kept == [made[3], made[4], again.file]
    assert other.exists()  # another room's backups are not this room's to rotate


def test_a_failed_backup_leaves_no_half_file(tmp_path, monkeypatch):
    a_room(tmp_path / "d")

    def dies(*_args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(B, "_fsync", dies)
    with pytest.raises(StoreError, match="No space left"):
        B.backup_room(tmp_path / "d", tmp_path / "bk", now=T0)
    assert list((tmp_path / "bk").iterdir()) == []


def test_a_copy_whose_chain_breaks_is_refused_and_removed(tmp_path):
    a_room(tmp_path / "d")
    raw = sqlite3.connect(db_path(tmp_path / "d"))  # a bug or a tool that went around the triggers
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("UPDATE events SET actor = 'someone.else' WHERE seq = 3")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="does not verify: its chain is broken at seq 3"):
        B.backup_room(tmp_path / "d", tmp_path / "bk", now=T0)
    assert list((tmp_path / "bk").iterdir()) == []


def test_backup_refuses_another_rooms_database(tmp_path):
    a_room(tmp_path / "d", "pre_infusion", room_id="room-2")
    with pytest.raises(StoreError, match="belongs to room 'room-2', not 'room-1'"):
        B.backup_room(tmp_path / "d", tmp_path / "bk", room_id="room-1")


def test_backup_while_the_engine_writes_never_blocks_it_and_copies_a_consistent_snapshot(tmp_path, monkeypatch):
    """One page per step and a writer that never pauses: SQLite restarts the paged copy at every commit, so
    the copy ends in one snapshot step; the writer kept committing throughout and the copy's chain holds."""
    room = make_room(tmp_path / "d")
    walk_to(room, "infusing")
    sid = room.state.open_session.session_id
    for _ in range(40):  # a database of some hundred pages
        room.log.append_many([NewEvent("note.added", {"text": "x" * 500}, NURSE, sid)] * 20, T0)
    monkeypatch.setattr(B, "PAGES_PER_STEP", 1)
    before = room.log.last_seq
    stop, written = threading.Event(), []

    def writer():
        while not stop.is_set():  # the engine's own connection, committing one event at a time
            written.append(room.log.append(NewEvent("note.added", {"text": "observation"}, NURSE, sid), T0).seq)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        m = B.backup_room(tmp_path / "d", tmp_path / "bk")
    finally:
        stop.set()
        thread.join(10)
    assert written and len(written) > 5, "the engine went on committing during the backup"
    assert before <= m.last_seq <= written[-1]
    assert B.inspect_backup(tmp_path / "bk" / m.file).ok
    assert verify_chain(room.db).ok
    room.close()


# -- restore ---------------------------------------------------------------------------------------------------
def _config(tmp_path: Path, room_id: str = "room-1", hub: str = "", token: str = "t") -> Path:
    path = tmp_path / f"{room_id}.toml"
    sync = f'[sync]\nenabled = true\nhub_url = "{hub}"\ntoken = "{token}"\n' if hub else ""
    path.write_text(f'[room]\nid = "{room_id}"\n{sync}', encoding="utf-8")
    return path


def _backup(tmp_path: Path, phase: str = "recovery", room_id: str = "room-1") -> Path:
    a_room(tmp_path / "src", phase, room_id)
    m = B.backup_room(tmp_path / "src", tmp_path / "bk")
    return tmp_path / "bk" / m.file


def test_restore_round_trip_keeps_the_current_database_aside(tmp_path, capsys):
    backup = _backup(tmp_path)
    current = a_room(tmp_path / "d", "pre_infusion")
    assert main(["restore", str(backup), "--config", str(_config(tmp_path)), "--data-dir", str(tmp_path / "d")]) == 0
    out = json.loads(capsys.readouterr().out)
    aside = Path(out["previous_database"])
    assert aside.exists() and aside.parent == tmp_path / "d"
    kept = sqlite3.connect(f"file:{aside}?mode=ro", uri=True)
    assert kept.execute("SELECT max(seq) FROM events").fetchone()[0] == current  # never deleted
    kept.close()
    room = make_room(tmp_path / "d")  # the room starts on the restored log, back in WAL, in its phase
    assert room.state.phase == "recovery" and verify_chain(room.db).ok
    assert room.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    room.close()


def test_restore_refuses_another_rooms_backup_unless_forced(tmp_path, capsys):
    backup = _backup(tmp_path, room_id="room-2")
    args = ["restore", str(backup), "--config", str(_config(tmp_path)), "--data-dir", str(tmp_path / "d")]
    assert main(args) == 2
    assert "backup of room 'room-2', and this is room 'room-1'" in capsys.readouterr().err
    assert not db_path(tmp_path / "d").exists()
    assert main([*args, "--force"]) == 0
    assert "start it with that room's configuration" in json.loads(capsys.readouterr().out)["note"]


def test_restore_never_restores_a_broken_chain_even_forced(tmp_path, capsys):
    backup = _backup(tmp_path)
    raw = sqlite3.connect(backup)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("UPDATE events SET payload = '{}' WHERE seq = 2")
    raw.commit()
    raw.close()
    assert main(["restore", str(backup), "--force", "--config", str(_config(tmp_path)),
                 "--data-dir", str(tmp_path / "d")]) == 2
    assert "chain is broken at seq 2" in capsys.readouterr().err
    assert not db_path(tmp_path / "d").exists()


def test_restore_refuses_while_the_room_runs(tmp_path, capsys):
    backup = _backup(tmp_path)
    room = make_room(tmp_path / "d")  # the app holds its database open for as long as it runs
    try:
        assert main(["restore", str(backup), "--config", str(_config(tmp_path)),
                     "--data-dir", str(tmp_path / "d")]) == 2
        assert "is in use: stop the room app" in capsys.readouterr().err
    finally:
        room.close()
    assert not B.database_in_use(db_path(tmp_path / "d"))


def test_restore_asks_the_hub_and_refuses_a_backup_older_than_it_holds(tmp_path, capsys):
    from roomcontrol.config.room import SyncConfig
    from roomcontrol.sync.cli_support import sync_now
    from roomcontrol.sync.hub.db import HubDB
    from roomcontrol.sync.hub.server import ThreadedHub
    from roomcontrol.sync.hub.store import add_room

    hubdb = HubDB(tmp_path / "hub.db")
    token = add_room(hubdb, "room-1")
    room = make_room(tmp_path / "src")
    walk_to(room, "pre_infusion")
    room.close()
    backup = tmp_path / "bk" / B.backup_room(tmp_path / "src", tmp_path / "bk").file
    old_seq = B.inspect_backup(backup).last_seq
    room = make_room(tmp_path / "src")
    room.command("confirm_checklist", NURSE, item="consent")  # the log goes on after the backup
    held = room.log.last_seq
    room.close()
    with ThreadedHub(hubdb) as hub:
        config = RoomConfig(sync=SyncConfig(enabled=True, hub_url=hub.url, token=token))
        assert sync_now(db_path(tmp_path / "src"), config)["ok"]
        args = ["restore", str(backup), "--config", str(_config(tmp_path, hub=hub.url, token=token)),
                "--data-dir", str(tmp_path / "d")]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"the hub already holds this room up to seq {held}, the backup only up to seq {old_seq}" in err
        # The newest backup is what the hub holds: no refusal.
        newest = tmp_path / "bk" / B.backup_room(tmp_path / "src", tmp_path / "bk").file
        assert main(["restore", str(newest), *args[2:]]) == 0
    hubdb.close()


def test_restore_with_the_hub_out_of_reach_says_so_and_needs_force(tmp_path, capsys):
    from tests.sync.helpers import free_port
    backup = _backup(tmp_path)
    args = ["restore", str(backup), "--config", str(_config(tmp_path, hub=f"http://127.0.0.1:{free_port()}")),
            "--data-dir", str(tmp_path / "d")]
    assert main(args) == 2
    assert "the hub cannot be asked whether it holds more" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert "the hub cannot be asked" in json.loads(capsys.readouterr().out)["forced_past"][0]


def test_cli_backup_prints_the_file_and_refuses_a_missing_database(tmp_path, capsys):
    a_room(tmp_path / "d", "pre_infusion")
    assert main(["backup", "--data-dir", str(tmp_path / "d"), "--to", str(tmp_path / "bk"), "--keep", "2"]) == 0
    assert "backed up room room-1 up to seq" in capsys.readouterr().out
    assert main(["backup", "--data-dir", str(tmp_path / "none"), "--to", str(tmp_path / "bk")]) == 2
    assert "no room database at" in capsys.readouterr().err
    assert main(["backup", "--data-dir", str(tmp_path / "d"), "--to", str(tmp_path / "bk"), "--keep", "0"]) == 2
    assert "keep at least 1" in capsys.readouterr().err


# -- the hub ---------------------------------------------------------------------------------------------------
def test_hub_backup_copies_online_and_verifies_every_rooms_chain(tmp_path, capsys):
    from roomcontrol.config.room import SyncConfig
    from roomcontrol.sync.cli_support import sync_now
    from roomcontrol.sync.hub.db import HubDB
    from roomcontrol.sync.hub.server import ThreadedHub
    from roomcontrol.sync.hub.store import add_room, verify_room

    hubdb = HubDB(tmp_path / "hub.db")
    with ThreadedHub(hubdb) as hub:  # the hub serving (its connections open) while it is backed up
        for room_id in ("room-1", "room-2"):
            a_room(tmp_path / room_id, "recovery", room_id)
            config = RoomConfig(room_id=room_id, sync=SyncConfig(enabled=True, hub_url=hub.url,
                                                                  token=add_room(hubdb, room_id)))
            assert sync_now(db_path(tmp_path / room_id), config)["ok"]
        assert main(["hub", "backup", "--db", str(tmp_path / "hub.db"), "--to", str(tmp_path / "bk")]) == 0
    assert "backed up the hub" in capsys.readouterr().out
    [copy] = B.backups(tmp_path / "bk", "roomcontrol-hub-")
    manifest = json.loads(copy.with_suffix(".json").read_text())
    assert manifest["sha256"] == B.sha256_of(copy)
    held = HubDB(copy)
    assert all(verify_room(held, r)["ok"] and verify_room(held, r)["checked"] > 0 for r in ("room-1", "room-2"))
    assert manifest["last_seq"] == sum(verify_room(held, r)["checked"] for r in ("room-1", "room-2"))
    held.close()
    hubdb.close()


def test_hub_backup_of_postgresql_points_at_pg_dump(tmp_path, capsys):
    assert main(["hub", "backup", "--db", "postgresql://hub@localhost/hub", "--to", str(tmp_path)]) == 2
    assert "pg_dump -Fc" in capsys.readouterr().err
