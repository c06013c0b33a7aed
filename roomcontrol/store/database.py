"""Opening the room database: durable pragmas, schema version in user_version, forward migrations.

WAL with synchronous=FULL: a commit has reached the disk before `append` returns, so an event the UI shows as
recorded survives a power cut. A database written by a newer RoomControl is refused, never downgraded.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from roomcontrol.store.errors import StoreError


def _v1(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("events").create(
        {"seq": int, "id": str, "room_id": str, "session_id": str, "ts": str, "kind": str, "actor": str,
         "payload": str, "prev_hash": str, "hash": str},
        pk="seq", not_null={"id", "room_id", "ts", "kind", "actor", "payload", "prev_hash", "hash"},
    )
    db.table("events").create_index(["id"], unique=True)
    db.table("events").create_index(["session_id", "seq"])
    db.table("events").create_index(["kind", "seq"])
    db.table("vitals").create(
        {"id": int, "session_id": str, "kind": str, "value": float, "unit": str, "ts": str, "device_ts": str,
         "flags": str, "source": str},
        pk="id", not_null={"kind", "unit", "ts"},
    )
    db.table("vitals").create_index(["session_id", "kind", "ts"])
    db.table("sync_cursor").create({"target": str, "last_seq": int, "last_vitals_id": int, "updated_ts": str},
                             pk="target")
    # Append-only, enforced by the database itself: no tool or bug can rewrite history quietly.
    db.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
               "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")
    db.execute("CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
               "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END")


def _v2(db: sqlite_utils.Database) -> None:
    """Staff accounts (issue 5): a PIN only as a slow salted hash; lock-out counting survives a restart."""
    db.table("staff").create(
        {"staff_id": str, "name": str, "role": str, "pin_hash": str, "active": int, "created_ts": str,
         "failures": int, "locked_until": str},
        pk="staff_id", not_null={"name", "role", "pin_hash", "active", "created_ts", "failures"},
        defaults={"active": 1, "failures": 0},
    )


def _v3(db: sqlite_utils.Database) -> None:
    """Events the hub quarantined (issue 13): kept so `sync status` and the screen can say which and why."""
    db.table("sync_quarantine").create({"target": str, "seq": int, "reason": str, "at": str},
                                       pk=("target", "seq"), not_null={"reason", "at"})
    # What the hub said is a record too: never rewritten.
    db.execute("CREATE TRIGGER sync_quarantine_no_update BEFORE UPDATE ON sync_quarantine "
               "BEGIN SELECT RAISE(ABORT, 'the quarantine record is append-only'); END")
    db.execute("CREATE TRIGGER sync_quarantine_no_delete BEFORE DELETE ON sync_quarantine "
               "BEGIN SELECT RAISE(ABORT, 'the quarantine record is append-only'); END")


def _v4(db: sqlite_utils.Database) -> None:
    """Where an account comes from (issue 14): 'local' (`roomcontrol staff add` here) or 'hub' (the clinic's
    directory, copied when online so sign-in works offline). Every account so far was made here."""
    db.execute("ALTER TABLE staff ADD COLUMN source TEXT NOT NULL DEFAULT 'local'")


MIGRATIONS = [_v1, _v2, _v3, _v4]  # MIGRATIONS[n] takes the schema from version n to n + 1
SCHEMA_VERSION = len(MIGRATIONS)


DB_NAME = "room.db"
BUSY_TIMEOUT_MS = 5000  # a second connection waits out the engine's short write transactions instead of failing


def db_path(data_dir: Path | str) -> Path:
    """Where a room keeps its database, under its data directory."""
    return Path(data_dir) / DB_NAME


def open_room_db(data_dir: Path | str, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open the room database of `data_dir`: writable (created and migrated when needed) or read-only."""
    return connect(db_path(data_dir), readonly=readonly)


def connect(path: Path | str, *, readonly: bool = False) -> sqlite_utils.Database:
    """Open (creating and migrating when writable) the room database at `path`."""
    path = Path(path)
    if readonly and not path.exists():
        raise StoreError(f"no room database at {path}")
    if not readonly:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot open the room database {path}: {exc.strerror or exc}") from None
    conn = open_connection(path, readonly=readonly)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"cannot open the room database {path}: {exc}") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise StoreError(f"the room database {path} is schema version {version}, newer than this RoomControl "
                         f"understands ({SCHEMA_VERSION}); upgrade RoomControl instead")
    db = sqlite_utils.Database(conn)
    if version < SCHEMA_VERSION:
        if readonly:
            conn.close()
            raise StoreError(f"the room database {path} is at schema version {version}; open it writable "
                             "once (start the room) to migrate it")
        _migrate(db, version)
    return db


def open_connection(path: Path, *, readonly: bool = False, query_only: bool = False) -> sqlite3.Connection:
    """One connection with the room's settings, for the engine, the tools and the sync outbox alike.

    `readonly` opens the file read-only (the tools: nothing is created); `query_only` opens it normally but
    refuses writes (the outbox's reads, next to a running engine).
    """
    conn = None
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not (readonly or query_only):
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # a commit (an event, a moved cursor) survives a power cut
        conn.execute("PRAGMA foreign_keys = ON")
        if query_only:
            conn.execute("PRAGMA query_only = ON")
        return conn
    except (sqlite3.DatabaseError, OSError) as exc:
        if conn is not None:
            conn.close()
        reason = exc if isinstance(exc, sqlite3.DatabaseError) else (exc.strerror or exc)
        raise StoreError(f"cannot open the room database {path}: {reason}") from None


@contextmanager
def transaction(conn: sqlite3.Connection):
    """One write transaction, committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite has already rolled back after some errors, e.g. a full disk
            conn.execute("ROLLBACK")
        raise


def _migrate(db: sqlite_utils.Database, version: int) -> None:
    for step in range(version, SCHEMA_VERSION):
        with transaction(db.conn):
            MIGRATIONS[step](db)
            db.conn.execute(f"PRAGMA user_version = {step + 1}")


def integrity_check(db: sqlite_utils.Database) -> str:
    return db.execute("PRAGMA integrity_check").fetchone()[0]


def quick_check(db: sqlite_utils.Database) -> str:
    """SQLite's quick_check ("ok" or the first problems): pages and records, without integrity_check's slower
    comparison of every index with its table."""
    return db.execute("PRAGMA quick_check").fetchone()[0]


def room_of(db: sqlite_utils.Database) -> str | None:
    """The room this database belongs to (claimed by its first event log), None before that."""
    row = db.execute("SELECT value FROM meta WHERE key = 'room_id'").fetchone()
    return row[0] if row else None


def log_extent(db: sqlite_utils.Database) -> tuple[int, int]:
    """(days on which events were logged, sessions logged): what `doctor` divides the database's size by."""
    days, sessions = db.execute("SELECT COUNT(DISTINCT substr(ts, 1, 10)), COUNT(DISTINCT session_id) "
                                "FROM events").fetchone()
    return int(days), int(sessions)
