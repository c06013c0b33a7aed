"""The staff table: accounts with their PIN hash, active flag and lock-out counters. The only SQL about staff."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.store.database import transaction
from roomcontrol.store.errors import StoreError


@dataclass(frozen=True)
class StaffRow:
    staff_id: str
    name: str
    role: str
    pin_hash: str
    active: bool
    created_ts: str
    failures: int = 0
    locked_until: str | None = None

    def public(self) -> dict:
        """What a list or a screen may show (never the hash)."""
        return {"staff_id": self.staff_id, "name": self.name, "role": self.role, "active": self.active,
                "created_ts": self.created_ts}


class StaffStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def add(self, staff_id: str, name: str, role: str, pin_hash: str, now: datetime) -> StaffRow:
        row = StaffRow(staff_id, name, role, pin_hash, True, iso_utc(now))
        try:
            with transaction(self.db.conn):
                if self.db.execute("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]).fetchone():
                    raise StoreError(f"staff id {staff_id!r} already exists (ids are never reused)")
                self.db.table("staff").insert({**row.__dict__, "active": 1})
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot add staff {staff_id!r}: {exc}") from None
        return row

    def get(self, staff_id: str) -> StaffRow | None:
        r = self.db.execute("SELECT staff_id, name, role, pin_hash, active, created_ts, failures, locked_until "
                            "FROM staff WHERE staff_id = ?", [staff_id]).fetchone()
        return _row(r) if r else None

    def all(self, *, active_only: bool = False) -> list[StaffRow]:
        sql = ("SELECT staff_id, name, role, pin_hash, active, created_ts, failures, locked_until FROM staff"
               + (" WHERE active = 1" if active_only else "") + " ORDER BY name, staff_id")
        return [_row(r) for r in self.db.execute(sql)]

    def disable(self, staff_id: str) -> bool:
        with transaction(self.db.conn):
            cur = self.db.conn.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", [staff_id])
        return cur.rowcount > 0

    def set_attempts(self, staff_id: str, failures: int, locked_until: datetime | None) -> None:
        with transaction(self.db.conn):
            self.db.conn.execute("UPDATE staff SET failures = ?, locked_until = ? WHERE staff_id = ?",
                                 [failures, iso_utc(locked_until) if locked_until else None, staff_id])


def _row(r) -> StaffRow:
    return StaffRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6] or 0, r[7])
