"""The disk (days of logging left at what a clinic day adds) and the room database (opened read-only: its
integrity, its owner, its hash chain)."""

from __future__ import annotations

import shutil
from pathlib import Path

from roomcontrol.host.checks.result import FAIL, OK, WARN, Check

# Disk: bytes one clinic day adds to room.db while the database cannot tell yet (no day of sessions in it).
# Measured: scenarios/standard-session.toml (check-in to discharge, 77 min, simulated monitor with EtCO2/RR)
# made a 2.56 MB room.db: 11,594 vitals rows (six numerics every 2 s) and 29 events. A monitor sending every
# second doubles the rows (numerics are stored at most once a second per kind): ~5 MB a session, 8 a day.
SESSION_BYTES = 5_000_000
SESSIONS_PER_DAY = 8
DAY_ESTIMATE_BYTES = SESSION_BYTES * SESSIONS_PER_DAY


def _existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def bytes_per_day(data_dir: Path) -> tuple[float, str]:
    """What a clinic day adds to the database: measured from the database (its size over the days with events)
    once it holds a day, else DAY_ESTIMATE_BYTES."""
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    path = database.db_path(data_dir)
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    if size:
        try:
            db = database.open_room_db(data_dir, readonly=True)
            try:
                days, sessions = database.log_extent(db)
            finally:
                db.conn.close()
        except (StoreError, OSError):
            days = sessions = 0
        if days >= 1 and sessions >= 1:
            # A commissioning day rarely has a full day's sessions: count at least SESSIONS_PER_DAY a day.
            per_session = size / sessions
            per_day = max(size / days, per_session * SESSIONS_PER_DAY)
            return per_day, (f"measured: {per_session / 1e6:.1f} MB a session over {_n(sessions, 'session')}; "
                             f"{per_day / 1e6:.0f} MB a day at {SESSIONS_PER_DAY} or more sessions a day")
    return float(DAY_ESTIMATE_BYTES), (f"estimated: {SESSIONS_PER_DAY} sessions of ~{SESSION_BYTES / 1e6:.1f} MB "
                                       "a day")


def check_disk(data_dir: Path, warn_days: float, fail_days: float) -> Check:
    free = shutil.disk_usage(_existing(data_dir)).free
    per_day, how = bytes_per_day(data_dir)
    days = free / per_day
    text = f"{free / 1e9:.1f} GB free at {_existing(data_dir)}: ~{days:,.0f} days of logging ({how})"
    if days < fail_days:
        return Check("disk", FAIL, text + f", under {fail_days:g} days", "free disk space or move the data "
                     "directory (--data-dir) to a larger disk before the room runs out")
    if days < warn_days:
        return Check("disk", WARN, text + f", under {warn_days:g} days", "plan more disk space")
    return Check("disk", OK, text)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_database(data_dir: Path, room_id: str | None = None) -> Check:
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    from roomcontrol.store.eventlog import verify_chain
    path = database.db_path(data_dir)
    if not path.exists():
        return Check("database", WARN, f"no database yet at {path}",
                     "start the room once (`roomcontrol run`); it makes the database")
    try:
        db = database.open_room_db(data_dir, readonly=True)
    except StoreError as exc:
        return Check("database", FAIL, str(exc), "start the room once to migrate it, or call support")
    try:
        owner = database.room_of(db)
        if room_id is not None and owner is not None and owner != room_id:
            return Check("database", FAIL, f"{path} belongs to room {owner!r}, room.toml says {room_id!r}: the "
                                           "room will refuse to start", "fix [room] id in room.toml, or give this "
                                           "room its own --data-dir")
        integrity = database.quick_check(db)
        if integrity != "ok":
            return Check("database", FAIL, f"{path} is damaged (quick_check: {integrity[:200]})",
                         "stop the room, copy room.db aside and call support; the hub holds what was synced")
        chain = verify_chain(db)
        if not chain.ok:
            return Check("database", FAIL, f"the hash chain breaks at seq {chain.first_bad_seq}: {chain.reason}",
                         "keep the database as it is (it is evidence) and call support")
        days, sessions = database.log_extent(db)
    finally:
        db.conn.close()
    return Check("database", OK, f"{path}: quick_check ok, the chain holds over {chain.checked} events "
                                 f"({_n(sessions, 'session')} on {_n(days, 'day')})")
