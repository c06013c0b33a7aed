"""Vitals numerics in their own table, written in small batches: at most one second between commits."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import sqlite_utils

from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.store.database import transaction
from roomcontrol.store.eventlog import _store_error

MAX_BATCH_AGE_S = 1.0


@dataclass(frozen=True)
class VitalRow:
    kind: str
    value: float | None
    unit: str
    ts: datetime
    session_id: str | None = None
    device_ts: datetime | None = None
    flags: tuple[str, ...] = ()
    source: str = ""


class VitalsWriter:
    """Buffers rows and commits them when the oldest is `max_age_s` old (the engine calls `due`/`flush`)."""

    def __init__(self, db: sqlite_utils.Database, max_age_s: float = MAX_BATCH_AGE_S):
        self.db = db
        self.max_age_s = max_age_s
        self._rows: list[dict] = []
        self._oldest: float | None = None

    def add(self, row: VitalRow, monotonic_now: float) -> None:
        if self._oldest is None:
            self._oldest = monotonic_now
        self._rows.append({
            "session_id": row.session_id, "kind": row.kind, "value": row.value, "unit": row.unit,
            "ts": iso_utc(row.ts), "device_ts": iso_utc(row.device_ts) if row.device_ts else None,
            "flags": json.dumps(sorted(row.flags)) if row.flags else None, "source": row.source,
        })

    def due(self, monotonic_now: float) -> bool:
        return self._oldest is not None and monotonic_now - self._oldest >= self.max_age_s

    @property
    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> int:
        if not self._rows:
            return 0
        rows, oldest = self._rows, self._oldest
        self._rows, self._oldest = [], None
        try:
            with transaction(self.db.conn):
                self.db.table("vitals").insert_all(rows, batch_size=500)
        except sqlite3.OperationalError as exc:
            self._rows, self._oldest = rows + self._rows, oldest  # kept for the next try: nothing is lost
            raise _store_error(exc) from None
        return len(rows)


def read_vitals(db: sqlite_utils.Database, *, session_id: str | None = None,
                kind: str | None = None) -> Iterator[dict]:
    where, params = [], []
    if session_id is not None:
        where.append("session_id = ?")
        params.append(session_id)
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    yield from db["vitals"].rows_where(" AND ".join(where) or None, params, order_by="id")
