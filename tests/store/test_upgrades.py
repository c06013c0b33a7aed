"""Upgrades: a database made by every earlier schema version (tests/fixtures/schemas, each made by that version's
own code and kept as its SQL dump: scripts/make_schema_fixtures.py), built into a temporary database, opens with
today's code, migrates to today's SCHEMA_VERSION, keeps
every event and vital, its chain verifies, and its session replays into the phase and record the old code had.
A database newer than today's is refused, as it always was."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
from roomcontrol.records.loader import load_record
from roomcontrol.store.backup import inspect_backup
from roomcontrol.store.database import SCHEMA_VERSION, connect, db_path, integrity_check
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import verify_chain
from roomcontrol.sync.hub import db as hub_db
from roomcontrol.sync.hub.db import HubDB, HubDBError
from roomcontrol.sync.hub.store import verify_room

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
MADE = json.loads((FIXTURES / "fixtures.json").read_text(encoding="utf-8"))
ROOM_VERSIONS = sorted(int(name.split("-v")[1]) for name in MADE if name.startswith("room-"))
HUB_VERSIONS = sorted(int(name.split("-v")[1]) for name in MADE if name.startswith("hub-"))


def test_every_earlier_schema_version_has_a_fixture_and_each_is_small():
    assert set(range(1, SCHEMA_VERSION)) <= set(ROOM_VERSIONS)
    assert set(range(1, hub_db.SCHEMA_VERSION)) <= set(HUB_VERSIONS)
    for facts in MADE.values():
        assert facts["file"].endswith(".sql")  # text dumps: git holds no binary database
        assert (FIXTURES / facts["file"]).stat().st_size == facts["bytes"] < 256_000
    assert not list(FIXTURES.glob("*.db"))


def build_fixture(name: str, dest: Path) -> Path:
    """The fixture NAME (e.g. "room-v1") built from its SQL dump into a new database file at dest."""
    conn = sqlite3.connect(dest)
    try:
        conn.executescript((FIXTURES / MADE[name]["file"]).read_text(encoding="utf-8"))
    finally:
        conn.close()
    return dest


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("events", "vitals"))
    finally:
        conn.close()


@pytest.fixture(params=ROOM_VERSIONS, ids=lambda v: f"room-v{v}")
def old_room(request, tmp_path):
    version = request.param
    facts = MADE[f"room-v{version}"]
    build_fixture(f"room-v{version}", db_path(tmp_path))
    return version, facts, tmp_path


def test_an_old_room_database_migrates_and_keeps_everything(old_room):
    version, facts, data_dir = old_room
    before = _counts(db_path(data_dir))
    assert before == (facts["events"], facts["vitals"]) and before[0] > 0 and before[1] > 0
    assert inspect_backup(db_path(data_dir)).ok  # restore can check an old backup before it is migrated
    if version < SCHEMA_VERSION:
        with pytest.raises(StoreError, match=f"schema version {version}; open it writable"):
            connect(db_path(data_dir), readonly=True)  # the tools refuse to read it half-understood
    db = connect(db_path(data_dir))
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"staff", "sync_quarantine"} <= set(db.table_names())
    assert integrity_check(db) == "ok"
    chain = verify_chain(db)
    assert chain.ok and chain.checked == facts["events"]
    db.conn.close()
    assert _counts(db_path(data_dir)) == before


def test_an_old_rooms_session_replays_into_the_same_phase_and_record(old_room):
    _version, facts, data_dir = old_room
    old = facts["replay"]  # what that version's own code made of its session
    room = Room(RoomConfig(), data_dir)
    s = room.state.session
    assert s is not None and room.state.phase == old["phase"] == "discharged"
    assert (s.session_id, s.patient_ref, s.plan, s.infused_s) == (old["session_id"], old["patient_ref"], old["plan"],
                                                                  old["infused_s"])
    assert dict(s.scores) == old["scores"] and sorted(s.checklist) == old["checklist"]
    assert len(s.pauses) == old["pauses"]
    assert verify_chain(room.db).ok  # room.started appended by today's code onto the old chain
    room.close()
    record = load_record(data_dir, old["session_id"])
    assert (record.outcome, record.patient_ref, record.total_dose_mg) == ("discharged", old["patient_ref"],
                                                                          old["plan"]["total_dose_mg"])
    assert record.infusion.infused_min * 60 == pytest.approx(old["infused_s"])
    assert len(record.infusion.pauses) == old["pauses"] and record.vitals


def test_a_newer_room_database_is_refused(tmp_path):
    build_fixture(f"room-v{ROOM_VERSIONS[-1]}", db_path(tmp_path))
    raw = sqlite3.connect(db_path(tmp_path))
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    for readonly in (False, True):
        with pytest.raises(StoreError, match=f"is schema version {SCHEMA_VERSION + 1}, newer than this "
                                             f"RoomControl understands \\({SCHEMA_VERSION}\\); upgrade RoomControl"):
            connect(db_path(tmp_path), readonly=readonly)
    with pytest.raises(StoreError, match="newer than this RoomControl understands"):
        inspect_backup(db_path(tmp_path))  # nor restored


@pytest.mark.parametrize("version", HUB_VERSIONS, ids=lambda v: f"hub-v{v}")
def test_an_old_hub_database_migrates_and_its_rooms_verify(tmp_path, version):
    facts = MADE[f"hub-v{version}"]
    path = build_fixture(f"hub-v{version}", tmp_path / "hub.db")
    before = _counts(path)
    db = HubDB(path)
    try:
        with db.connect() as c:
            assert c.one("SELECT value FROM hub_meta WHERE key = 'schema_version'")[0] == str(hub_db.SCHEMA_VERSION)
            reports = c.all("SELECT problem, count, last_seen FROM reports")
        assert reports and all(count == 1 for _problem, count, _seen in reports)  # the fold's columns, filled
        result = verify_room(db, "room-1")
        assert result["ok"] and result["checked"] == facts["events"]
    finally:
        db.close()
    assert _counts(path) == before


def test_a_newer_hub_database_is_refused(tmp_path):
    path = build_fixture(f"hub-v{HUB_VERSIONS[-1]}", tmp_path / "hub.db")
    HubDB(path).close()  # today's schema
    raw = sqlite3.connect(path)
    raw.execute("UPDATE hub_meta SET value = ? WHERE key = 'schema_version'", [str(hub_db.SCHEMA_VERSION + 1)])
    raw.commit()
    raw.close()
    with pytest.raises(HubDBError, match=f"is schema version {hub_db.SCHEMA_VERSION + 1}, newer than this "
                                         "RoomControl understands"):
        HubDB(path)


def test_an_old_hub_on_postgresql_migrates_and_its_rooms_verify(tmp_path):
    """The v1 hub's own tables (its DDL as that code wrote it, with PostgreSQL's auto-increment) and rows, on a
    real PostgreSQL; today's HubDB migrates them in place."""
    import os
    import uuid
    base = os.environ.get("ROOMCONTROL_TEST_PG_URL")
    if not base:
        pytest.skip("ROOMCONTROL_TEST_PG_URL is not set (run scripts/ci-postgres.sh)")
    import psycopg
    version = HUB_VERSIONS[0]
    facts = MADE[f"hub-v{version}"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    built = build_fixture(f"hub-v{version}", tmp_path / "hub.db")
    src = sqlite3.connect(f"file:{built}?mode=ro", uri=True)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        with psycopg.connect(url, autocommit=True) as pg:
            ddl = src.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE "
                              "'sqlite_%' ORDER BY type DESC").fetchall()  # tables before indexes
            for _type, _name, sql in ddl:
                pg.execute(sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"))
            for _type, table, _sql in (d for d in ddl if d[0] == "table"):
                cur = src.execute(f"SELECT * FROM {table}")
                cols = [c[0] for c in cur.description]
                with pg.cursor() as c:
                    c.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                                  cur.fetchall())
            pg.execute("SELECT setval(pg_get_serial_sequence('reports', 'report_id'), "
                       "(SELECT max(report_id) FROM reports))")
        db = HubDB(url)
        try:
            with db.connect() as c:
                assert c.one("SELECT value FROM hub_meta WHERE key = 'schema_version'")[0] == \
                    str(hub_db.SCHEMA_VERSION)
                assert all(r[0] == 1 for r in c.all("SELECT count FROM reports"))
                counts = tuple(c.one(f"SELECT count(*) FROM {t}")[0] for t in ("events", "vitals"))
            assert counts == (facts["events"], facts["vitals"])
            result = verify_room(db, "room-1")
            assert result["ok"] and result["checked"] == facts["events"]
        finally:
            db.close()
    finally:
        src.close()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
