"""The sync outbox: what the pusher reads from the room database, and the cursor it moves after the hub acks.

The engine thread is the only writer of events and vitals. The pusher gets two connections of its own, so it
never shares the engine's: a read connection (`query_only`, so a bug here cannot touch the log) and a tiny
write connection used only for the cursor row of `sync_cursor` and the sync notes in `meta`, both opened with
the room's own settings (`database.open_connection`). WAL lets both run next to the engine; the busy timeout
makes a cursor write wait for the engine's short transactions instead of failing.

Reads are bounded (`LIMIT`): however large the backlog, the pusher holds one batch at a time.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from roomcontrol.store.database import SCHEMA_VERSION, open_connection, transaction
from roomcontrol.store.errors import StoreError

DEFAULT_TARGET = "hub"
MIN_SCHEMA_VERSION = 1  # events, vitals, meta and sync_cursor as the outbox reads them
_EVENT_COLUMNS = "seq, id, room_id, session_id, ts, kind, actor, payload, prev_hash, hash"
_VITAL_COLUMNS = "id, session_id, kind, value, unit, ts, device_ts, flags, source"
NOTE_KEYS = ("last_error", "last_error_at", "last_attempt_at", "last_state", "next_attempt_at")
QUARANTINE_VERSION = 3  # the schema that has sync_quarantine
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class Cursor:
    last_seq: int = 0
    last_vitals_id: int = 0
    updated_ts: str | None = None  # when the hub last acknowledged (UTC ISO), None if never


@dataclass(frozen=True)
class Quarantine:
    """What the hub quarantined: how many events, the latest reason, and the latest seqs (newest first)."""
    count: int = 0
    reason: str | None = None
    seqs: tuple[int, ...] = ()


@dataclass(frozen=True)
class Backlog:
    events: int
    vitals: int

    @property
    def empty(self) -> bool:
        return self.events == 0 and self.vitals == 0


class Outbox:
    """The room database as the pusher sees it. Open per pusher; `close()` when done."""

    def __init__(self, db_path: Path | str, target: str = DEFAULT_TARGET):
        self.path = Path(db_path)
        self.target = target
        if not self.path.exists():
            raise StoreError(f"no room database at {self.path}")
        self._read = open_connection(self.path, query_only=True)
        self._write: sqlite3.Connection | None = None  # opened on the first cursor write
        # Any schema from the one that has sync_cursor up to this code's own; migrating is the engine's job.
        self._version = version = self._read.execute("PRAGMA user_version").fetchone()[0]
        if not MIN_SCHEMA_VERSION <= version <= SCHEMA_VERSION:
            self.close()
            raise StoreError(f"the room database {self.path} is at schema version {version}; this RoomControl "
                             f"syncs versions {MIN_SCHEMA_VERSION} to {SCHEMA_VERSION}"
                             + ("; start the room once to create it" if version < MIN_SCHEMA_VERSION else ""))

    def close(self) -> None:
        for conn in (self._read, self._write):
            if conn is not None:
                conn.close()
        self._write = None

    # -- reads --------------------------------------------------------------------------------------------
    def room_id(self) -> str | None:
        row = self._q("SELECT value FROM meta WHERE key = 'room_id'").fetchone()
        return row[0] if row else None

    def cursor(self) -> Cursor:
        row = self._q("SELECT last_seq, last_vitals_id, updated_ts FROM sync_cursor WHERE target = ?",
                      [self.target]).fetchone()
        return Cursor(row[0] or 0, row[1] or 0, row[2]) if row else Cursor()

    def events_after(self, seq: int, limit: int) -> list[tuple]:
        """At most `limit` event rows after `seq`, in seq order, as stored (payload is its canonical JSON)."""
        return self._q(f"SELECT {_EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                       [seq, int(limit)]).fetchall()

    def vitals_after(self, vital_id: int, limit: int) -> list[tuple]:
        return self._q(f"SELECT {_VITAL_COLUMNS} FROM vitals WHERE id > ? ORDER BY id LIMIT ?",
                       [vital_id, int(limit)]).fetchall()

    def backlog(self, cursor: Cursor | None = None) -> Backlog:
        cursor = cursor or self.cursor()
        # seq is gap-free, so the event backlog is a subtraction; vitals ids are counted (an index range scan).
        last = self._q("SELECT max(seq) FROM events").fetchone()[0] or 0
        vitals = self._q("SELECT count(*) FROM vitals WHERE id > ?", [cursor.last_vitals_id]).fetchone()[0]
        return Backlog(max(0, last - cursor.last_seq), vitals)

    def notes(self) -> dict[str, str]:
        """What the pusher noted about its last attempt and error (kept across restarts, for `sync status`)."""
        keys = [self._note_key(k) for k in NOTE_KEYS]
        rows = self._q(f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' * len(keys))})", keys)
        prefix = len(self._note_key(""))
        return {key[prefix:]: value for key, value in rows}

    def quarantined(self, latest: int = 20) -> Quarantine:
        """The events the hub quarantined (their seqs and reasons as the hub gave them)."""
        if self._version < QUARANTINE_VERSION:
            return Quarantine()  # a database the engine has not migrated yet has none recorded
        count = self._q("SELECT count(*) FROM sync_quarantine WHERE target = ?", [self.target]).fetchone()[0]
        rows = self._q("SELECT seq, reason FROM sync_quarantine WHERE target = ? ORDER BY at DESC, seq DESC "
                       "LIMIT ?", [self.target, int(latest)]).fetchall()
        return Quarantine(count, rows[0][1] if rows else None, tuple(r[0] for r in rows))

    def _q(self, sql: str, params=()) -> sqlite3.Cursor:
        try:
            return self._read.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read the room database {self.path}: {exc}") from None

    # -- the tiny writes ----------------------------------------------------------------------------------
    def advance(self, last_seq: int, last_vitals_id: int, ts: str) -> None:
        """Record what the hub acknowledged. Never moves backwards: a late, older ack cannot undo a newer one."""
        self._w("INSERT INTO sync_cursor (target, last_seq, last_vitals_id, updated_ts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(target) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq), "
                "last_vitals_id = max(last_vitals_id, excluded.last_vitals_id), updated_ts = excluded.updated_ts",
                [self.target, last_seq, last_vitals_id, ts])

    def rewind(self, last_seq: int | None = None, last_vitals_id: int | None = None) -> None:
        """Move the cursor back (only back) to what the hub says it holds: a new or restored hub gets it all again."""
        cur = self.cursor()
        seq = cur.last_seq if last_seq is None else min(cur.last_seq, max(0, last_seq))
        vid = cur.last_vitals_id if last_vitals_id is None else min(cur.last_vitals_id, max(0, last_vitals_id))
        self._w("INSERT INTO sync_cursor (target, last_seq, last_vitals_id, updated_ts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(target) DO UPDATE SET last_seq = excluded.last_seq, "
                "last_vitals_id = excluded.last_vitals_id",
                [self.target, seq, vid, cur.updated_ts])

    def quarantine(self, entries: list[tuple[int, str]], at: str) -> int:
        """Record events the hub quarantined (a resent one is recorded once); returns how many were new."""
        if self._version < QUARANTINE_VERSION:
            raise StoreError(f"the room database {self.path} has no quarantine record yet (schema "
                             f"{self._version}): start the room once to migrate it")
        conn = self._writer()
        try:
            with transaction(conn):
                before = conn.total_changes
                conn.executemany("INSERT OR IGNORE INTO sync_quarantine (target, seq, reason, at) VALUES (?, ?, ?, ?)",
                                 [(self.target, seq, reason[:MAX_REASON_CHARS], at) for seq, reason in entries])
                return conn.total_changes - before
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot record the quarantined events in {self.path}: {exc}") from None

    def note(self, **values: str | None) -> None:
        """Keep the NOTE_KEYS in meta (None clears one)."""
        unknown = set(values) - set(NOTE_KEYS)
        if unknown:
            raise ValueError(f"unknown sync notes: {sorted(unknown)}")
        conn = self._writer()
        try:
            with transaction(conn):
                for key, value in values.items():
                    if value is None:
                        conn.execute("DELETE FROM meta WHERE key = ?", [self._note_key(key)])
                    else:
                        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                                     "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                     [self._note_key(key), value])
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot write the sync notes to {self.path}: {exc}") from None

    def _note_key(self, key: str) -> str:
        return f"sync.{self.target}.{key}"

    def _writer(self) -> sqlite3.Connection:
        if self._write is None:
            self._write = open_connection(self.path)
        return self._write

    def _w(self, sql: str, params) -> None:
        conn = self._writer()
        try:
            with transaction(conn):
                conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot move the sync cursor in {self.path}: {exc}") from None
