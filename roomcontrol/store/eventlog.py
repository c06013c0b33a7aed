"""The append-only, hash-chained event log. One writer (the engine thread); any number of readers.

`append` returns only after the commit: what it returns is on disk. Rows are never updated or deleted
(triggers refuse it); a correction is a new event that points at the old one.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

import sqlite_utils

from roomcontrol.domain.chain import GENESIS, ChainWalker, row_hash
from roomcontrol.domain.event_rules import check_event
from roomcontrol.domain.events import Event, NewEvent
from roomcontrol.domain.timefmt import iso_utc, parse_iso
from roomcontrol.store.database import transaction
from roomcontrol.store.errors import DiskFull, StoreError

_COLUMNS = "seq, id, room_id, session_id, ts, kind, actor, payload, prev_hash, hash"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


class EventLog:
    def __init__(self, db: sqlite_utils.Database, room_id: str):
        self.db = db
        self.room_id = room_id
        self._claim_room(room_id)
        last = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        self.last_seq: int = last[0] if last else 0
        self.last_hash: str = last[1] if last else GENESIS

    def _claim_room(self, room_id: str) -> None:
        # A database belongs to one room: its seq is that room's sequence. Refuse to mix two rooms' logs.
        row = self.db.execute("SELECT value FROM meta WHERE key = 'room_id'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta (key, value) VALUES ('room_id', ?)", [room_id])
        elif row[0] != room_id:
            raise StoreError(f"this database belongs to room {row[0]!r}, not {room_id!r}; "
                             "use that room's configuration or another --data-dir")

    def append(self, new: NewEvent, ts: datetime) -> Event:
        return self.append_many([new], ts)[0]

    def append_many(self, news: Iterable[NewEvent], ts: datetime) -> list[Event]:
        """Append events in one transaction (all or none), chained in order, stamped `ts`.

        Raises EventRefused (a Refused naming the field) for an event that breaks the event rules; nothing is
        written then."""
        ts = _to_ms(ts)  # the stored precision, so living and replaying see the same times
        stamp = iso_utc(ts)
        seq, prev = self.last_seq, self.last_hash
        events, rows = [], []
        for new in news:
            seq += 1
            event_id = str(uuid.uuid4())
            row = {"seq": seq, "id": event_id, "room_id": self.room_id, "session_id": new.session_id,
                   "ts": stamp, "kind": new.kind, "actor": new.actor, "payload": new.payload}
            # The hub's rules, checked before anything is written: the room never logs what the hub would refuse.
            payload_json = check_event(new.kind, new.actor, new.session_id, new.payload)
            digest = row_hash(prev, row, payload_json)
            rows.append((seq, event_id, self.room_id, new.session_id, stamp, new.kind, new.actor,
                         payload_json, prev, digest))
            events.append(Event(seq, event_id, self.room_id, new.session_id, ts, new.kind, new.actor,
                                new.payload, prev, digest))
            prev = digest
        try:
            with transaction(self.db.conn) as conn:
                if len(rows) == 1:
                    conn.execute(_INSERT, rows[0])
                else:
                    conn.executemany(_INSERT, rows)
        except sqlite3.OperationalError as exc:
            raise _store_error(exc) from None
        self.last_seq, self.last_hash = seq, prev
        return events

    def events(self, *, after_seq: int = 0, session_id: str | None = None, limit: int | None = None,
               kinds: Iterable[str] | None = None) -> Iterator[Event]:
        return read_events(self.db, after_seq=after_seq, session_id=session_id, limit=limit, kinds=kinds)


def read_events(db: sqlite_utils.Database, *, after_seq: int = 0, session_id: str | None = None,
                limit: int | None = None, kinds: Iterable[str] | None = None,
                descending: bool = False) -> Iterator[Event]:
    where: list[str] = ["seq > ?"]
    params: list[object] = [after_seq]
    if session_id is not None:
        where.append("session_id = ?")
        params.append(session_id)
    if kinds:
        kinds = list(kinds)
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    sql = f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY seq {'DESC' if descending else ''}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    for r in db.execute(sql, params):
        yield Event(r[0], r[1], r[2], r[3], parse_iso(r[4]), r[5], r[6], json.loads(r[7]), r[8], r[9])


def latest_session_start(db: sqlite_utils.Database) -> int | None:
    """Seq of the last session.opened, so the engine replays only the session that may still be open."""
    row = db.execute("SELECT max(seq) FROM events WHERE kind = 'session.opened'").fetchone()
    return row[0]


def verify_chain(db: sqlite_utils.Database) -> VerifyResult:
    """Recompute every hash from the stored rows; name the first seq where the chain or the sequence breaks."""
    walker = ChainWalker()
    names = ("seq", "id", "room_id", "session_id", "ts", "kind", "actor", "payload_json", "prev_hash", "hash")
    problem = walker.feed(dict(zip(names, r)) for r in db.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq"))
    if problem:
        return VerifyResult(False, walker.checked, problem.seq, problem.reason)
    return VerifyResult(True, walker.checked)


def _to_ms(ts: datetime) -> datetime:
    return ts.astimezone(timezone.utc).replace(microsecond=ts.microsecond // 1000 * 1000)


def _store_error(exc: sqlite3.OperationalError) -> StoreError:
    text = str(exc)
    if "full" in text.lower():
        return DiskFull(f"the disk holding the room database is full ({text})")
    return StoreError(f"the room database could not be written: {text}")
