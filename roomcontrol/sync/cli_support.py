"""What `roomcontrol hub serve|add-room|add-reader|staff` and `roomcontrol sync status|now` call: plain functions that
return values or raise errors with a message a person can act on (SyncError, StoreError, ValueError).

The hub modules (FastAPI, uvicorn, database drivers) are imported inside the hub functions, so the room's own
commands never load them.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from roomcontrol.config.room import RoomConfig, SyncConfig, default_data_dir
from roomcontrol.store.outbox import Outbox
from roomcontrol.sync import status as S
from roomcontrol.sync.protocol import DEFAULT_PORT
from roomcontrol.sync.pusher import SyncPusher
from roomcontrol.sync.status import SyncStatus, parse_ts


class SyncError(Exception):
    """Sync cannot run as configured; the message says what to change."""


def default_hub_db() -> Path:
    return default_data_dir() / "hub.db"


# -- the hub ---------------------------------------------------------------------------------------------------
def hub_serve(db_url: str | Path | None = None, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
              certfile: str | Path | None = None, keyfile: str | Path | None = None, *,
              log_level: str = "info", hold_s: float = 0.0, workers: int = 1, escalate_after_s: float = 60.0,
              webhook: str | None = None, **limits: float) -> int:
    """Serve the hub until SIGINT/SIGTERM. Without a cert/key it speaks plain HTTP (say so when not on loopback).
    `limits`: body_timeout_s, max_connections (roomcontrol.sync.hub.server.uvicorn_config). `workers` > 1 needs
    a postgresql:// database; `escalate_after_s` and `webhook` are the live channel's escalation."""
    from roomcontrol.sync.hub.db import HubDB
    from roomcontrol.sync.hub.server import serve
    if workers < 1:
        raise SyncError(f"--workers {workers}: at least 1")
    if not escalate_after_s > 0:
        raise SyncError(f"--escalate-after-s {escalate_after_s}: a number of seconds above 0")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise SyncError(f"--webhook {webhook!r}: an http:// or https:// URL")
    db = HubDB(db_url or default_hub_db())
    try:
        if workers > 1 and db.kind != "postgres":
            raise SyncError(f"--workers {workers}: a SQLite hub is one process (its live channel is in memory); "
                            "run several workers on a postgresql:// database (--db postgresql://...)")
        serve(db, host, port, certfile, keyfile, log_level=log_level, hold_s=hold_s, workers=workers,
              live={"escalate_after_s": escalate_after_s, "webhook_url": webhook}, **limits)
    finally:
        db.close()
    return 0


@contextmanager
def _hub_db(db_url: str | Path | None):
    """The hub database for one admin command (the default file when none is named), closed after it."""
    from roomcontrol.sync.hub.db import HubDB
    db = HubDB(db_url or default_hub_db())
    try:
        yield db
    finally:
        db.close()


def hub_add_room(db_url: str | Path | None, room_id: str) -> str:
    """Register a room (or replace its token) and return the new token. The hub keeps only its hash."""
    from roomcontrol.sync.hub.store import add_room
    with _hub_db(db_url) as db:
        return add_room(db, room_id)


def hub_add_reader(db_url: str | Path | None, name: str) -> str:
    """A token that may read every room through the read endpoints. The hub keeps only its hash."""
    from roomcontrol.sync.hub.store import add_reader
    with _hub_db(db_url) as db:
        return add_reader(db, name)


def hub_course_policy(db_url: str | Path | None, rooms: str | None = None) -> str:
    """Show (or with rooms="allow"/"deny" set) whether room tokens may read a patient's course summary."""
    from roomcontrol.sync.hub import course_store
    with _hub_db(db_url) as db:
        if rooms:
            course_store.set_rooms_may_read(db, rooms == "allow")
        allowed = course_store.rooms_may_read(db)
    return f"rooms {'may' if allowed else 'may not'} read a patient's course summary"


def hub_course_reads(db_url: str | Path | None, who: str | None = None, patient_ref: str | None = None,
                     limit: int = 100) -> str:
    """Who read which patient's course (rooms and readers), newest first, one line each."""
    from roomcontrol.sync.hub import course_store
    with _hub_db(db_url) as db:
        rows = course_store.read_log(db, who=who, patient_ref=patient_ref, limit=limit)
    lines = [f"{r['at']}  {r['who_kind']:<6} {r['who']:<16} {r['patient_ref']:<16} {r['what']:<8} {r['answer']}"
             for r in rows]
    return "\n".join(lines) if lines else "no course reads"


def hub_verify(db_url: str | Path | None, room_id: str) -> dict:
    """Recompute a room's chain at the hub: {"ok", "checked", "first_bad_seq", "reason"}."""
    from roomcontrol.sync.hub.store import verify_room
    with _hub_db(db_url) as db:
        return verify_room(db, room_id)


def hub_cs_log(db_url: str | Path | None, start, end, out: Path | None) -> int:
    """The clinic-wide controlled-substance CSV of local days start..end, to `out` (None: standard output);
    returns how many sessions it lists."""
    import sys
    from roomcontrol.sync.hub.cs_log import write_cs_log
    with _hub_db(db_url) as db:
        if out is None:
            return write_cs_log(db, start, end, sys.stdout)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            return write_cs_log(db, start, end, fh)


def hub_staff_add(db_url: str | Path | None, staff_id: str, name: str, role: str, pin: str) -> dict:
    """A staff account in the clinic's directory (raises Refused naming what is allowed). Only the PIN's hash
    is kept."""
    from roomcontrol.sync.hub import staff
    with _hub_db(db_url) as db:
        return staff.add_staff(db, staff_id, name, role, pin)


def hub_staff_list(db_url: str | Path | None) -> list[dict]:
    """Every account of the directory, disabled ones too; never a hash."""
    from roomcontrol.sync.hub import staff
    with _hub_db(db_url) as db:
        return staff.list_staff(db)


def hub_staff_disable(db_url: str | Path | None, staff_id: str) -> bool:
    """Disable an account (rooms disable their copy at their next fetch). False if there is no such id."""
    from roomcontrol.sync.hub import staff
    with _hub_db(db_url) as db:
        return staff.disable_staff(db, staff_id)


def hub_staff_reset_pin(db_url: str | Path | None, staff_id: str, pin: str) -> bool:
    """A new PIN for an account (its lock-out cleared, its station sessions ended). False if there is no such id."""
    from roomcontrol.sync.hub import staff
    with _hub_db(db_url) as db:
        return staff.reset_pin(db, staff_id, pin)


def hub_openapi(db_url: str | Path | None = None) -> str:
    """The hub's OpenAPI description as JSON text (also served at /openapi.json)."""
    import tempfile
    from roomcontrol.sync.hub.app import create_app, dump_openapi
    from roomcontrol.sync.hub.db import HubDB
    with tempfile.TemporaryDirectory() as tmp:
        db = HubDB(db_url or Path(tmp) / "hub.db")
        try:
            return dump_openapi(create_app(db))
        finally:
            db.close()


# -- the room --------------------------------------------------------------------------------------------------
def sync_status(db_path: str | Path, config: RoomConfig | SyncConfig) -> dict:
    """Backlog, last success, last error, the next try, the events the hub quarantined and the screen's headline,
    read from the room database (no network)."""
    sync, room_id = _split(config)
    outbox = Outbox(db_path)
    try:
        cursor = outbox.cursor()
        backlog = outbox.backlog(cursor)
        notes = outbox.notes()
        quarantine = outbox.quarantined()
        room_id = room_id or outbox.room_id()
    finally:
        outbox.close()
    last_success = parse_ts(cursor.updated_ts)
    last_error_at = parse_ts(notes.get("last_error_at"))
    if not sync.enabled:
        state = S.DISABLED
    elif notes.get("last_state") in (S.OFFLINE, S.REFUSED, S.ERROR):
        state = notes["last_state"]
    elif last_success is not None:
        state = S.SYNCED
    else:
        state = S.IDLE
    next_try = parse_ts(notes.get("next_attempt_at")) if state in (S.OFFLINE, S.REFUSED, S.ERROR) else None
    status = SyncStatus(state, backlog.events, backlog.vitals, last_success, notes.get("last_error"), last_error_at,
                        parse_ts(notes.get("last_attempt_at")), next_try, sync.hub_url,
                        quarantined=quarantine.count, quarantine_reason=quarantine.reason)
    return {"room_id": room_id, "enabled": sync.enabled, "last_seq_acknowledged": cursor.last_seq,
            "last_vitals_id_acknowledged": cursor.last_vitals_id, **status.to_dict(),
            "quarantined_seqs": list(quarantine.seqs)}


def sync_now(db_path: str | Path, config: RoomConfig | SyncConfig, **pusher_options) -> dict:
    """Send the whole backlog now, in this thread, even when the background sync is off. Returns what happened
    (`ok`, counts, `error`, `status`); a hub that is down is an `ok: False` result, not an exception."""
    sync, room_id = _split(config)
    if not sync.hub_url:
        raise SyncError("no hub to sync with: set [sync] hub_url (and token) in room.toml")
    if not sync.token:
        raise SyncError("no token for the hub: run `roomcontrol hub add-room ROOM` on the hub and put the token "
                        "in room.toml [sync] token")
    if room_id is None:
        outbox = Outbox(db_path)
        try:
            room_id = outbox.room_id()
        finally:
            outbox.close()
        if room_id is None:
            raise SyncError(f"the database {db_path} has no room id yet: start the room once")
    pusher = SyncPusher(db_path, room_id, sync.hub_url, sync.token, sync.batch_size, sync.interval_s,
                        **pusher_options)
    try:
        return pusher.sync_now().to_dict()
    finally:
        pusher.stop()


def _split(config: RoomConfig | SyncConfig) -> tuple[SyncConfig, str | None]:
    if isinstance(config, SyncConfig):
        return config, None
    return config.sync, config.room_id
