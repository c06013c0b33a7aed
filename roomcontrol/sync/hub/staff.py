"""The clinic's staff directory and station sign-in sessions at the hub. The only SQL about staff here.

The rules are the room's (roomcontrol.domain.staff): the same ids, roles, PIN rules, scrypt encoding and lock-out,
so a room can keep the hub's hashes in its own staff table and check a PIN offline. A station session is a random
token in a cookie; the hub keeps only its SHA-256 (256 random bits need no slow hash).

PIN checks are slow (~50 ms and 16 MiB of scrypt): a sign-in runs on PIN_POOL, PIN_CHECKS threads of its own,
so a flood of sign-ins can cost the hub neither its memory, nor its event loop, nor the threads that serve the
rooms' batches (those wait in FastAPI's own pool); the HTTP layer refuses sign-ins beyond PIN_QUEUE waiting.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from functools import cache

from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.timefmt import iso_utc, parse_iso
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub.db import Conn, HubDB, is_integrity_error
from roomcontrol.sync.hub.store import Refusal, hash_token

STATION_COOKIE = "rc_station"        # holds the session token (HttpOnly, SameSite=Strict, Secure under TLS)
STATION_SESSION_S = 12 * 3600        # docs/STATION.md: a station session ends after 12 h
LOCKED_OUT = "locked_out"            # [429] the error code of a sign-in to a locked account
NAME_MAX = 80
PIN_CHECKS = 2                       # scrypt runs at once (one per core of a small hub)
PIN_QUEUE = 64                       # sign-ins waiting beyond this are answered 503 at once
_PHANTOMS_MAX = 1024                 # wrong ids remembered for their lock-out (see _phantom)

_COLUMNS = "staff_id, name, role, pin_hash, active, created_at, updated_at, failures, locked_until"
PIN_POOL = ThreadPoolExecutor(PIN_CHECKS, thread_name_prefix="hub-pin")
_phantoms: OrderedDict[tuple[str, str], D.Attempts] = OrderedDict()  # (hub database, staff id)
_phantoms_lock = threading.Lock()


@dataclass(frozen=True)
class StationStaff:
    """Who a station session belongs to."""
    staff_id: str
    name: str
    role: str
    expires_at: str

    def public(self) -> dict:
        return asdict(self)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX or any(ord(c) < 32 for c in name):
        raise Refused(f"a name of 1–{NAME_MAX} printable characters is required")
    return name


def _hash_new_pin(pin: str) -> str:
    D.check_pin(pin)
    return D.hash_pin(pin, secrets.token_bytes(16)).encode()


def _next_updated_at(c: Conn, now: datetime) -> str:
    """Strictly after every account's updated_at, so the directory's version changes with every change, even two
    in the same millisecond (or after the clock stepped back)."""
    row = c.one("SELECT MAX(updated_at) FROM staff")
    stamp = iso_utc(now)
    if row and row[0] and row[0] >= stamp:
        stamp = iso_utc(parse_iso(row[0]) + timedelta(milliseconds=1))
    return stamp


# -- the directory (CLI) -----------------------------------------------------------------------------------------
def add_staff(db: HubDB, staff_id: str, name: str, role: str, pin: str, now: datetime | None = None) -> dict:
    """A new account (raises Refused for a wrong id, name, role or PIN, or an id that exists: ids are never
    reused, since the rooms' logs name them)."""
    D.check_staff_id(staff_id)
    name = check_name(name)
    D.check_role(role)
    pin_hash = _hash_new_pin(pin)
    stamp = iso_utc(_now(now))
    try:
        with db.connect() as c, c.write():
            if c.one("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]):
                raise Refused(f"staff id {staff_id!r} already exists (ids are never reused; `hub staff reset-pin` "
                              "gives it a new PIN)")
            updated = _next_updated_at(c, _now(now))
            c.execute(f"INSERT INTO staff ({_COLUMNS}) VALUES (?, ?, ?, ?, 1, ?, ?, 0, NULL)",
                      [staff_id, name, role, pin_hash, stamp, updated])
    except Exception as exc:
        if is_integrity_error(exc):  # another admin added the same id at the same moment
            raise Refused(f"staff id {staff_id!r} already exists") from None
        raise
    return {"staff_id": staff_id, "name": name, "role": role, "active": True, "created_at": stamp}


def list_staff(db: HubDB) -> list[dict]:
    """Every account, disabled ones too; never the hash."""
    return [{k: v for k, v in s.items() if k != "pin_hash"} for s in _all(db)]


def directory(db: HubDB, *, with_hashes: bool) -> dict:
    """What rooms cache (`GET /api/v1/staff`): every account and `version`, the latest change (None when empty)."""
    staff = _all(db)
    if not with_hashes:
        staff = [{k: v for k, v in s.items() if k != "pin_hash"} for s in staff]
    return {"version": max((s["updated_at"] for s in staff), default=None), "staff": staff}


def _all(db: HubDB) -> list[dict]:
    with db.connect() as c:
        rows = c.all("SELECT staff_id, name, role, pin_hash, active, created_at, updated_at FROM staff "
                     "ORDER BY staff_id")
    return [{"staff_id": r[0], "name": r[1], "role": r[2], "pin_hash": r[3], "active": bool(r[4]),
             "created_at": r[5], "updated_at": r[6]} for r in rows]


def disable_staff(db: HubDB, staff_id: str, now: datetime | None = None) -> bool:
    """Disable an account (never deleted: the logs name it) and end its station sessions. False if no such id."""
    with db.connect() as c, c.write():
        if not c.one("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]):
            return False
        c.execute("UPDATE staff SET active = 0, updated_at = ? WHERE staff_id = ?",
                  [_next_updated_at(c, _now(now)), staff_id])
        c.execute("DELETE FROM station_sessions WHERE staff_id = ?", [staff_id])
    return True


def reset_pin(db: HubDB, staff_id: str, pin: str, now: datetime | None = None) -> bool:
    """A new PIN (checked by the room's rules): clears the lock-out and ends the account's station sessions.
    False if there is no such id."""
    pin_hash = _hash_new_pin(pin)
    with db.connect() as c, c.write():
        if not c.one("SELECT 1 FROM staff WHERE staff_id = ?", [staff_id]):
            return False
        c.execute("UPDATE staff SET pin_hash = ?, failures = 0, locked_until = NULL, updated_at = ? "
                  "WHERE staff_id = ?", [pin_hash, _next_updated_at(c, _now(now)), staff_id])
        c.execute("DELETE FROM station_sessions WHERE staff_id = ?", [staff_id])
    return True


# -- station sign-in -----------------------------------------------------------------------------------------------
@cache
def _decoy_hash() -> str:
    # An unknown id costs the same scrypt as a known one, so timing does not tell which ids exist.
    return D.hash_pin("0", secrets.token_bytes(16)).encode()


def _attempts(failures: int, locked_until: str | None) -> D.Attempts:
    return D.Attempts(failures or 0, parse_iso(locked_until) if locked_until else None)


def _phantom(db: HubDB, staff_id: str, after: D.Attempts | None = None) -> D.Attempts:
    """Wrong PINs for an id that does not exist, counted in memory like a real account's, so an unknown id gets
    exactly the answers a known one would (tries left, lock-out). Bounded: the oldest are forgotten."""
    key = (db.url, staff_id)
    with _phantoms_lock:
        if after is None:
            return _phantoms.get(key, D.Attempts())
        _phantoms[key] = after
        _phantoms.move_to_end(key)
        while len(_phantoms) > _PHANTOMS_MAX:
            _phantoms.popitem(last=False)
        return after


def _refuse_if_locked(attempts: D.Attempts, now: datetime) -> None:
    try:
        attempts.refuse_if_locked(now)
    except Refused as refused:
        assert attempts.locked_until is not None
        raise Refusal(429, LOCKED_OUT, str(refused), locked_until=iso_utc(attempts.locked_until)) from None


def _wrong(after: D.Attempts, now: datetime) -> Refusal:
    if after.locked(now):
        assert after.locked_until is not None
        return Refusal(429, LOCKED_OUT, f"wrong staff id or PIN; {D.MAX_FAILURES} wrong in a row: this account "
                                        f"is locked for {D.LOCKOUT_S // 60} min",
                       locked_until=iso_utc(after.locked_until))
    tries = "try" if after.left == 1 else "tries"
    return Refusal(401, P.UNAUTHORIZED, f"wrong staff id or PIN; {after.left} {tries} left before a "
                                        f"{D.LOCKOUT_S // 60} min lock-out", tries_left=after.left)


def signin(db: HubDB, staff_id: str, pin: str, now: datetime | None = None) -> tuple[StationStaff, str]:
    """Check a PIN (blocking: run it on PIN_POOL) and open a station session: (who, token). Raises
    Refusal: 401 for a wrong PIN, an unknown or a disabled account alike (with the tries left), 429 when locked."""
    now = _now(now)
    with db.connect() as c:
        row = c.one("SELECT pin_hash, active, failures, locked_until FROM staff WHERE staff_id = ?", [staff_id])
    if row is None:
        _refuse_if_locked(_phantom(db, staff_id), now)
        D.verify_pin(pin, _decoy_hash())
        raise _wrong(_phantom(db, staff_id, _phantom(db, staff_id).failed(now)), now)
    _refuse_if_locked(_attempts(row[2], row[3]), now)
    pin_ok = D.verify_pin(pin, row[0]) and bool(row[1])
    token = secrets.token_urlsafe(32)
    expires_at = iso_utc(now + timedelta(seconds=STATION_SESSION_S))
    with db.connect() as c, c.write():
        # Read again under the row lock: another sign-in may have counted a failure while scrypt ran.
        fresh = c.one(f"SELECT name, role, active, failures, locked_until FROM staff WHERE staff_id = ?"
                      f"{c.d.lock_room}", [staff_id])
        attempts = _attempts(fresh[3], fresh[4])
        if attempts.locked(now):
            outcome: Refusal | StationStaff = _wrong(attempts, now)
        elif not (pin_ok and fresh[2]):
            after = attempts.failed(now)
            c.execute("UPDATE staff SET failures = ?, locked_until = ? WHERE staff_id = ?",
                      [after.failures, iso_utc(after.locked_until) if after.locked_until else None, staff_id])
            outcome = _wrong(after, now)
        else:
            if fresh[3] or fresh[4]:
                c.execute("UPDATE staff SET failures = 0, locked_until = NULL WHERE staff_id = ?", [staff_id])
            c.execute("DELETE FROM station_sessions WHERE expires_at <= ?", [iso_utc(now)])
            c.execute("INSERT INTO station_sessions (token_hash, staff_id, created_at, expires_at) "
                      "VALUES (?, ?, ?, ?)", [hash_token(token), staff_id, iso_utc(now), expires_at])
            outcome = StationStaff(staff_id, fresh[0], fresh[1], expires_at)
    if isinstance(outcome, Refusal):
        raise outcome
    return outcome, token


def session_staff(db: HubDB, token: str | None, now: datetime | None = None) -> StationStaff | None:
    """Who holds this station session token: None when there is none, it expired, or the account was disabled."""
    if not token or len(token) > 128:
        return None
    with db.connect() as c:
        row = c.one("SELECT s.staff_id, st.name, st.role, s.expires_at FROM station_sessions s "
                    "JOIN staff st ON st.staff_id = s.staff_id "
                    "WHERE s.token_hash = ? AND s.expires_at > ? AND st.active = 1",
                    [hash_token(token), iso_utc(_now(now))])
    return StationStaff(*row) if row else None


def signout(db: HubDB, token: str | None) -> bool:
    """End a station session. False if the token held none."""
    if not token or len(token) > 128:
        return False
    with db.connect() as c, c.write():
        return c.execute("DELETE FROM station_sessions WHERE token_hash = ?", [hash_token(token)]).rowcount > 0
