"""The staff table: accounts with their PIN hash, active flag, lock-out counters and source. The only SQL about staff.

`source` is 'local' (made here with `roomcontrol staff add`) or 'hub' (the clinic's directory, copied by the room's
directory follower, roomcontrol.sync.directory). A hub account replaces a local one of the same id; a hub account
gone from the directory is disabled, never deleted (the log names it); local accounts are left alone.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
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
    source: str = "local"

    def public(self) -> dict:
        """What a list or a screen may show (never the hash)."""
        return {"staff_id": self.staff_id, "name": self.name, "role": self.role, "active": self.active,
                "created_ts": self.created_ts, "source": self.source}


@dataclass(frozen=True)
class HubAccount:
    """One account of the hub's directory, as the room keeps it."""
    staff_id: str
    name: str
    role: str
    pin_hash: str
    active: bool
    created_at: str


@dataclass
class DirectoryChange:
    """What one copy of the hub's directory changed here (ids); empty lists: nothing changed."""
    added: list[str] = field(default_factory=list)           # new hub accounts
    replaced_local: list[str] = field(default_factory=list)  # a room-local account of the same id, now the hub's
    updated: list[str] = field(default_factory=list)         # name, role, PIN or re-enabled
    disabled: list[str] = field(default_factory=list)        # disabled at the hub, or gone from its directory

    def __bool__(self) -> bool:
        return bool(self.added or self.replaced_local or self.updated or self.disabled)


class StaffStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def add(self, staff_id: str, name: str, role: str, pin_hash: str, now: datetime) -> StaffRow:
        row = StaffRow(staff_id, name, role, pin_hash, True, iso_utc(now))
        try:
            with transaction(self.db.conn):
                if self.db.execute("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]).fetchone():
                    raise StoreError(f"staff id {staff_id!r} already exists (ids are never reused)")
                self.db.table("staff").insert({**row.__dict__, "active": 1})  # source 'local'

        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot add staff {staff_id!r}: {exc}") from None
        return row

    def get(self, staff_id: str) -> StaffRow | None:
        r = self.db.execute(f"SELECT {_COLUMNS} FROM staff WHERE staff_id = ?", [staff_id]).fetchone()
        return _row(r) if r else None

    def all(self, *, active_only: bool = False) -> list[StaffRow]:
        sql = (f"SELECT {_COLUMNS} FROM staff" + (" WHERE active = 1" if active_only else "")
               + " ORDER BY name, staff_id")
        return [_row(r) for r in self.db.execute(sql)]

    def disable(self, staff_id: str) -> bool:
        with transaction(self.db.conn):
            cur = self.db.conn.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", [staff_id])
        return cur.rowcount > 0

    def set_attempts(self, staff_id: str, failures: int, locked_until: datetime | None) -> None:
        with transaction(self.db.conn):
            self.db.conn.execute("UPDATE staff SET failures = ?, locked_until = ? WHERE staff_id = ?",
                                 [failures, iso_utc(locked_until) if locked_until else None, staff_id])


    def apply_directory(self, accounts: list[HubAccount]) -> DirectoryChange:
        """Make the hub accounts here match the hub's directory, in one transaction (see the module's rules).
        A changed PIN clears that account's wrong-PIN count; an unchanged account is not written."""
        change = DirectoryChange()
        with transaction(self.db.conn):
            held = {r.staff_id: r for r in (_row(x) for x in self.db.execute(f"SELECT {_COLUMNS} FROM staff"))}
            for a in accounts:
                r = held.get(a.staff_id)
                if r is None:
                    self.db.conn.execute(
                        "INSERT INTO staff (staff_id, name, role, pin_hash, active, created_ts, failures, source) "
                        "VALUES (?, ?, ?, ?, ?, ?, 0, 'hub')",
                        [a.staff_id, a.name, a.role, a.pin_hash, int(a.active), a.created_at])
                    if a.active:
                        change.added.append(a.staff_id)
                    continue
                if r.source == "hub" and (r.name, r.role, r.pin_hash, r.active) == (a.name, a.role, a.pin_hash,
                                                                                    a.active):
                    continue
                new_pin = r.pin_hash != a.pin_hash
                self.db.conn.execute(
                    "UPDATE staff SET name = ?, role = ?, pin_hash = ?, active = ?, source = 'hub', "
                    "failures = CASE WHEN ? THEN 0 ELSE failures END, "
                    "locked_until = CASE WHEN ? THEN NULL ELSE locked_until END WHERE staff_id = ?",
                    [a.name, a.role, a.pin_hash, int(a.active), new_pin, new_pin, a.staff_id])
                if r.source != "hub":
                    change.replaced_local.append(a.staff_id)
                elif r.active and not a.active:
                    change.disabled.append(a.staff_id)
                else:
                    change.updated.append(a.staff_id)
            listed = {a.staff_id for a in accounts}
            for r in held.values():
                if r.source == "hub" and r.active and r.staff_id not in listed:
                    self.db.conn.execute("UPDATE staff SET active = 0 WHERE staff_id = ?", [r.staff_id])
                    change.disabled.append(r.staff_id)
        return change


_COLUMNS = "staff_id, name, role, pin_hash, active, created_ts, failures, locked_until, source"


def _row(r) -> StaffRow:
    return StaffRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6] or 0, r[7], r[8])
