"""`roomcontrol hub backup`: the SQLite hub's database copied online (roomcontrol.store.backup does the copy, the
temporary name, the fsync, the manifest and the rotation), then every room's chain verified in the copy.

A PostgreSQL hub is backed up with pg_dump (README: Backups); this refuses it with that pointer.
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from roomcontrol.store.backup import DEFAULT_KEEP, Manifest, write_backup
from roomcontrol.store.errors import StoreError
from roomcontrol.sync.hub.db import (BUSY_TIMEOUT_MS, SCHEMA_VERSION, SQLITE, Conn, HubDBError, _is_postgres,
                                     _sqlite_path)
from roomcontrol.sync.hub.store import verify_room

PREFIX = "roomcontrol-hub-"


def backup_hub(url: str | Path, to_dir: str | Path, *, keep: int = DEFAULT_KEEP) -> Manifest:
    if _is_postgres(str(url)):
        raise HubDBError("a PostgreSQL hub is backed up with pg_dump -Fc (README: Backups), not by RoomControl")
    path = _sqlite_path(str(url))
    if not path.exists():
        raise HubDBError(f"no hub database at {path}")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    try:
        return write_backup(src, Path(to_dir), PREFIX, _check, keep=keep)
    finally:
        src.close()


def _check(copy: sqlite3.Connection) -> dict:
    """Integrity and every room's chain in the copy, by the hub's own verify_room. The manifest's last_seq is
    the number of events checked (the hub holds many rooms' sequences)."""
    row = copy.execute("SELECT value FROM hub_meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version != SCHEMA_VERSION:
        raise StoreError(f"the hub database is schema version {version}; this RoomControl writes {SCHEMA_VERSION}")
    integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        raise StoreError(f"the copy of the hub database is damaged (integrity check: {integrity})")
    rooms = [r[0] for r in copy.execute("SELECT room_id FROM rooms ORDER BY room_id")]
    db = _CopyDB(copy)
    total = 0
    for room in rooms:
        result = verify_room(db, room)  # type: ignore[arg-type]  # it reads through connect() only
        if not result["ok"]:
            raise StoreError(f"room {room!r} in the copy of the hub database does not verify: broken at seq "
                             f"{result['first_bad_seq']}: {result['reason']}")
        total += result["checked"]
    return {"room_id": None, "last_seq": total, "last_hash": None, "schema_version": version}


class _CopyDB:
    """The copy as verify_room reads it (through `connect()`), without HubDB creating or migrating anything."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = Conn(conn, SQLITE)

    @contextmanager
    def connect(self) -> Iterator[Conn]:
        yield self._conn
