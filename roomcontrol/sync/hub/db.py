"""The hub's own database: embedded SQLite by default, PostgreSQL (psycopg 3) for a postgresql:// URL.

One schema and one set of SQL statements for both: statements are written with `?` placeholders and turned
into `%s` for psycopg; the few differences (auto-increment, row locks, write transactions) live in `_Dialect`.
Connections come from a small pool; each request borrows one and gives it back.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

SCHEMA_VERSION = 4  # 2: reports fold repeats (count, last_seen); the quarantine table. 3: staff, station_sessions
# 4: course_sessions (a patient's sessions by reference, filled at ingest), course_reads (issue #16)
BUSY_TIMEOUT_MS = 30_000


class HubDBError(Exception):
    """The hub database cannot be opened or used; the message says which and why."""


_TABLES = """
CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (
    room_id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0, last_hash TEXT NOT NULL, last_vitals_id BIGINT NOT NULL DEFAULT 0,
    last_received_at TEXT);
CREATE TABLE IF NOT EXISTS readers (name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    room_id TEXT NOT NULL, seq BIGINT NOT NULL, id TEXT NOT NULL, session_id TEXT, ts TEXT NOT NULL,
    kind TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (room_id, seq), UNIQUE (room_id, id));
CREATE INDEX IF NOT EXISTS events_by_session ON events (room_id, session_id, seq);
CREATE TABLE IF NOT EXISTS vitals (
    room_id TEXT NOT NULL, vital_id BIGINT NOT NULL, session_id TEXT, kind TEXT NOT NULL, value DOUBLE PRECISION,
    unit TEXT NOT NULL, ts TEXT NOT NULL, device_ts TEXT, flags TEXT, source TEXT, received_at TEXT NOT NULL,
    PRIMARY KEY (room_id, vital_id));
CREATE INDEX IF NOT EXISTS vitals_by_session ON vitals (room_id, session_id, kind, vital_id);
CREATE TABLE IF NOT EXISTS reports (
    report_id {autoinc}, room_id TEXT NOT NULL, at TEXT NOT NULL, problem TEXT NOT NULL, seq BIGINT,
    detail TEXT NOT NULL, count BIGINT NOT NULL DEFAULT 1, last_seen TEXT);
CREATE INDEX IF NOT EXISTS reports_by_room ON reports (room_id, report_id);
CREATE TABLE IF NOT EXISTS quarantine (
    room_id TEXT NOT NULL, seq BIGINT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL, reason TEXT NOT NULL,
    raw TEXT NOT NULL, received_at TEXT NOT NULL,
    PRIMARY KEY (room_id, seq));
CREATE TABLE IF NOT EXISTS staff (
    staff_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, pin_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0, locked_until TEXT);
CREATE TABLE IF NOT EXISTS station_sessions (
    token_hash TEXT PRIMARY KEY, staff_id TEXT NOT NULL REFERENCES staff (staff_id), created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS station_sessions_by_expiry ON station_sessions (expires_at);
CREATE TABLE IF NOT EXISTS course_sessions (
    room_id TEXT NOT NULL, session_id TEXT NOT NULL, patient_ref TEXT NOT NULL, opened_at TEXT NOT NULL,
    opened_seq BIGINT NOT NULL,
    PRIMARY KEY (room_id, session_id));
CREATE INDEX IF NOT EXISTS course_sessions_by_patient ON course_sessions (patient_ref, opened_at, room_id, session_id);
CREATE TABLE IF NOT EXISTS course_reads (
    read_id {autoinc}, at TEXT NOT NULL, who_kind TEXT NOT NULL, who TEXT NOT NULL, patient_ref TEXT NOT NULL,
    what TEXT NOT NULL, answer TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS course_reads_by_patient ON course_reads (patient_ref, read_id);
"""


@dataclass(frozen=True)
class _Dialect:
    name: str
    autoinc: str
    lock_room: str  # appended to the SELECT of a room's head inside a write transaction

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.name == "postgres" else text


SQLITE = _Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "")  # BEGIN IMMEDIATE already serializes
POSTGRES = _Dialect("postgres", "BIGSERIAL PRIMARY KEY", " FOR UPDATE")


class Conn:
    """One borrowed connection, with the same `execute`/`executemany` and write transactions on both engines."""

    def __init__(self, raw, dialect: _Dialect):
        self.raw = raw
        self.d = dialect

    def execute(self, sql: str, params=()):
        cur = self.raw.cursor()
        cur.execute(self.d.sql(sql), params)
        return cur

    def executemany(self, sql: str, rows) -> None:
        self.raw.cursor().executemany(self.d.sql(sql), rows)

    def one(self, sql: str, params=()):
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params=()) -> list:
        return self.execute(sql, params).fetchall()

    @contextmanager
    def write(self):
        """One write transaction: committed on success, rolled back on any error."""
        if self.d.name == "sqlite":
            self.raw.execute("BEGIN IMMEDIATE")
            try:
                yield self
                self.raw.execute("COMMIT")
            except BaseException:
                if self.raw.in_transaction:
                    self.raw.execute("ROLLBACK")
                raise
        else:
            with self.raw.transaction():
                yield self


class HubDB:
    """Open (creating the schema when missing) the hub database named by `url`."""

    def __init__(self, url: str | Path, pool_size: int = 8):
        self.url = str(url)
        self.dialect = POSTGRES if _is_postgres(self.url) else SQLITE
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._pool_size = pool_size
        if self.dialect is SQLITE:
            self.path = _sqlite_path(self.url)
            self.path.parent.mkdir(parents=True, exist_ok=True)
        else:
            try:
                import psycopg  # noqa: F401  (only a PostgreSQL hub needs it)
            except ImportError:
                raise HubDBError("a postgresql:// hub needs psycopg: pip install 'psycopg[binary]'") from None
        self._create_schema()

    @property
    def kind(self) -> str:
        return self.dialect.name

    def describe(self) -> str:
        if self.dialect is SQLITE:
            return f"SQLite {self.path}"
        u = urlparse(self.url)
        return f"PostgreSQL {u.hostname}:{u.port or 5432}{u.path}"  # never the password

    def _open(self):
        try:
            if self.dialect is SQLITE:
                raw = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                raw.execute("PRAGMA journal_mode = WAL")
                raw.execute("PRAGMA synchronous = FULL")  # an ack means the rows are on disk
                return raw
            import psycopg
            return psycopg.connect(self.url, autocommit=True)
        except Exception as exc:  # sqlite3.Error or psycopg.Error: one message either way
            raise HubDBError(f"cannot open the hub database ({self.describe()}): {exc}") from None

    @contextmanager
    def connect(self) -> Iterator[Conn]:
        try:
            raw = self._pool.get_nowait()
        except queue.Empty:
            raw = self._open()
        ok = False
        try:
            yield Conn(raw, self.dialect)
            ok = True
        finally:
            # A connection that saw an error may be broken (server gone): drop it rather than reuse it.
            if ok and not _is_closed(raw) and self._pool.qsize() < self._pool_size:
                self._pool.put(raw)
            else:
                try:
                    raw.close()
                except Exception:
                    pass

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    def _create_schema(self) -> None:
        with self.connect() as c:
            with c.write():
                for stmt in _TABLES.format(autoinc=self.dialect.autoinc).split(";"):
                    if stmt.strip():
                        c.execute(stmt)
                row = c.one("SELECT value FROM hub_meta WHERE key = 'schema_version'")
                if row is None:
                    c.execute("INSERT INTO hub_meta (key, value) VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                    return
                version = int(row[0])
                if version > SCHEMA_VERSION:
                    raise HubDBError(f"the hub database ({self.describe()}) is schema version {row[0]}, newer "
                                     f"than this RoomControl understands ({SCHEMA_VERSION})")
                if version == 1:  # a hub from before issue #13: its reports table lacks the fold columns
                    c.execute("ALTER TABLE reports ADD COLUMN count BIGINT NOT NULL DEFAULT 1")
                    c.execute("ALTER TABLE reports ADD COLUMN last_seen TEXT")
                # 2 → 3 (issue #14): the staff and station_sessions tables, new, made by CREATE IF NOT EXISTS above
                if version < 4:  # 3 → 4 (issue #16): index the sessions the hub already holds by patient reference
                    from roomcontrol.sync.hub.course_store import index_held_sessions  # it imports this module
                    index_held_sessions(c)
                if version < SCHEMA_VERSION:
                    c.execute("UPDATE hub_meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def _sqlite_path(url: str) -> Path:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    if "://" in url:
        raise HubDBError(f"{url}: the hub database is a file path, sqlite:///path or postgresql://...")
    return Path(url)


def _is_closed(raw) -> bool:
    closed = getattr(raw, "closed", False)  # psycopg: True once the server connection is gone
    return bool(closed)


def is_integrity_error(exc: BaseException) -> bool:
    """A unique or not-null violation, from either engine (psycopg is only imported when a hub uses it)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.IntegrityError)
