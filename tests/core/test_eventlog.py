"""The event log on disk: durability pragmas, append-only, hash chain, migrations, tamper detection."""

import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from roomcontrol.domain.events import NewEvent
from roomcontrol.store import database
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import EventLog, read_events, verify_chain
from roomcontrol.store.vitals import VitalRow, VitalsWriter, read_vitals

T0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)


def open_log(path, room="room-1"):
    db = database.connect(path / "room.db")
    return db, EventLog(db, room)


def test_pragmas_and_schema_version(tmp_path):
    db, _ = open_log(tmp_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION
    assert {"events", "vitals", "meta", "sync_cursor"} <= set(db.table_names())


def test_append_chains_and_survives_reopen(tmp_path):
    db, log = open_log(tmp_path)
    a = log.append(NewEvent("note.added", {"text": "é ✓"}, "rn.ada"), T0)
    b, c = log.append_many([NewEvent("nurse.called", {}, "patient"), NewEvent("note.added", {"text": "x"})], T0)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert b.prev_hash == a.hash and c.prev_hash == b.hash
    assert a.ts == datetime(2026, 3, 1, 8, 0, 0, 123000, tzinfo=timezone.utc)  # stored precision: ms
    db.conn.close()
    db, log = open_log(tmp_path)
    assert log.last_seq == 3 and log.last_hash == c.hash
    d = log.append(NewEvent("note.added", {"text": "after reopen"}), T0)
    assert d.seq == 4 and d.prev_hash == c.hash
    stored = list(read_events(db))
    assert [e.payload for e in stored][0] == {"text": "é ✓"}
    assert stored[0].ts == a.ts
    assert verify_chain(db).ok and verify_chain(db).checked == 4


def test_the_log_refuses_updates_and_deletes(tmp_path):
    db, log = open_log(tmp_path)
    log.append(NewEvent("note.added", {"text": "x"}), T0)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE events SET payload = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM events")


def test_a_database_belongs_to_one_room(tmp_path):
    db, _ = open_log(tmp_path, "room-1")
    db.conn.close()
    with pytest.raises(StoreError, match="belongs to room 'room-1', not 'room-2'"):
        open_log(tmp_path, "room-2")


def test_newer_schema_is_refused(tmp_path):
    db, _ = open_log(tmp_path)
    db.execute(f"PRAGMA user_version = {database.SCHEMA_VERSION + 1}")
    db.conn.close()
    with pytest.raises(StoreError, match="newer than this RoomControl understands"):
        database.connect(tmp_path / "room.db")


def test_forward_migration_from_an_empty_file(tmp_path):
    sqlite3.connect(tmp_path / "room.db").close()  # version 0
    db = database.connect(tmp_path / "room.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION


def test_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / "room.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the room database"):
        database.connect(tmp_path / "room.db")


def test_verify_names_a_missing_link(tmp_path):
    db, log = open_log(tmp_path)
    for n in range(5):
        log.append(NewEvent("note.added", {"n": n}), T0)
    db.execute("DROP TRIGGER events_no_delete")
    db.execute("DELETE FROM events WHERE seq = 3")
    result = verify_chain(db)
    assert not result.ok and result.first_bad_seq == 3 and "missing" in result.reason


def test_tamper_one_byte_on_disk_and_log_verify_names_the_seq(tmp_path):
    """Change one byte of a stored payload in the database file itself; `log verify` must name that seq."""
    db, log = open_log(tmp_path)
    for n in range(30):
        log.append(NewEvent("medication.given", {"drug": "ondansetron", "dose": 4, "n": n}), T0)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    path = tmp_path / "room.db"
    data = bytearray(path.read_bytes())
    needle = b'"n":17}'
    at = data.find(needle)
    assert at > 0 and data.count(needle) == 1
    data[at + 4] = ord("8")  # 17 → 18: still valid JSON, different facts
    path.write_bytes(bytes(data))
    cli = [sys.executable, "-m", "roomcontrol", "log", "verify", "--data-dir", str(tmp_path)]
    proc = subprocess.run(cli, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "broken at seq 18" in proc.stdout  # seq 18 holds n = 17
    assert "Traceback" not in proc.stderr


def test_vitals_batches_commit_within_a_second(tmp_path):
    db, _ = open_log(tmp_path)
    writer = VitalsWriter(db, max_age_s=1.0)
    writer.add(VitalRow("heart_rate", 72.0, "/min", T0, "s1", flags=("artifact",)), 100.0)
    writer.add(VitalRow("spo2", None, "%", T0, "s1"), 100.4)
    assert not writer.due(100.9) and writer.due(101.0)
    assert list(read_vitals(db)) == []   # not committed before the batch is due
    assert writer.flush() == 2
    rows = list(read_vitals(db, session_id="s1"))
    assert [(r["kind"], r["value"]) for r in rows] == [("heart_rate", 72.0), ("spo2", None)]
    assert json.loads(rows[0]["flags"]) == ["artifact"]
    assert rows[0]["ts"] == "2026-03-01T08:00:00.123Z"


def test_a_full_disk_is_a_store_error_not_a_crash(tmp_path):
    """SQLite's max_page_count makes the database 'full' here exactly as a full disk does."""
    db, log = open_log(tmp_path)
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")
    from roomcontrol.store.errors import DiskFull
    with pytest.raises(DiskFull, match="full"):
        for n in range(1000):
            log.append(NewEvent("note.added", {"text": "x" * 2000, "n": n}), T0)
    last = log.last_seq
    assert verify_chain(db).ok and verify_chain(db).checked == last  # nothing half-written
    db.execute("PRAGMA max_page_count = 1000000")
    assert log.append(NewEvent("note.added", {"text": "room again"}), T0).seq == last + 1
