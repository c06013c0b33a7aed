"""Backups of the room database: SQLite's online backup into a verified, self-contained copy, rotated; restore.

The copy is made on a connection of its own, a few pages per step with a short sleep between steps, so the
engine (the single writer) never waits on it: in WAL mode a reader never blocks the writer. A write by the
engine restarts SQLite's paged copy; after a few restarts the rest is copied in one step, which in WAL mode is
one read transaction (a consistent snapshot) that still does not block the writer.

A backup counts only once its copy's chain verifies: it is written under a temporary name, checked, fsynced
and renamed, and its manifest (room, last seq and hash, schema, sha256) written beside it the same way. The copy
is in rollback-journal mode (one self-contained file that opens read-only from a share); the room database
itself stays in WAL mode, and a restored copy returns to WAL at the room's next start.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import sqlite_utils

from roomcontrol.store.database import SCHEMA_VERSION, db_path, integrity_check, open_connection
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import VerifyResult, verify_chain

DEFAULT_KEEP = 14
PAGES_PER_STEP = 256         # 1 MB at SQLite's default 4 KiB page: a step takes about a millisecond
STEP_SLEEP_S = 0.002         # between steps, so the copy never monopolises the disk
MAX_RESTARTS = 3             # engine writes that restart the paged copy before the rest goes in one step
STALE_PART_S = 3600          # a leftover temporary file older than this is from a backup that died
_STAMP = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?")


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside it as JSON (`<backup>.json`)."""
    room_id: str | None
    last_seq: int
    last_hash: str | None
    schema_version: int
    sha256: str
    bytes: int
    made_at: str
    file: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


@dataclass(frozen=True)
class Inspection:
    """A backup file as restore sees it: whose it is, how far it goes, and whether its chain holds."""
    room_id: str | None
    last_seq: int
    last_hash: str | None
    schema_version: int
    chain: VerifyResult
    integrity: str

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.integrity == "ok"

    def problem(self) -> str:
        if self.integrity != "ok":
            return f"the file is damaged (integrity check: {self.integrity})"
        return f"its chain is broken at seq {self.chain.first_bad_seq}: {self.chain.reason}"


def backup_room(data_dir: Path | str, to_dir: Path | str, *, room_id: str | None = None,
                keep: int = DEFAULT_KEEP, now: datetime | None = None) -> Manifest:
    """Back up the room database of `data_dir` into `to_dir`; keep the newest `keep` backups of this room.

    `room_id` (the configuration's) must match the database's own. Raises StoreError with what went wrong;
    nothing half-written is left behind then."""
    source = db_path(data_dir)
    if not source.exists():
        raise StoreError(f"no room database at {source}")
    src = open_connection(source, query_only=True)
    try:
        held = _room_of(src)
        if room_id is not None and held is not None and held != room_id:
            raise StoreError(f"the database {source} belongs to room {held!r}, not {room_id!r}")
        name = held or room_id or "room"

        def check(copy: sqlite3.Connection) -> dict:
            inspection = _inspect(copy)
            if not inspection.ok:
                raise StoreError(f"the copy of {source} does not verify: {inspection.problem()}")
            return {"room_id": inspection.room_id, "last_seq": inspection.last_seq,
                    "last_hash": inspection.last_hash, "schema_version": inspection.schema_version}

        return write_backup(src, Path(to_dir), f"roomcontrol-{name}-", check, keep=keep, now=now)
    finally:
        src.close()


def write_backup(src: sqlite3.Connection, to_dir: Path, prefix: str, check: Callable[[sqlite3.Connection], dict],
                 *, keep: int = DEFAULT_KEEP, now: datetime | None = None) -> Manifest:
    """Copy `src` online into `to_dir/<prefix><UTC stamp>.db`, `check` the copy (it returns the manifest's
    room_id, last_seq, last_hash and schema_version, or raises), then rotate. Shared by the room and the hub."""
    if keep < 1:
        raise StoreError(f"--keep {keep}: keep at least 1 backup")
    try:
        to_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot use the backup folder {to_dir}: {exc.strerror or exc}") from None
    _remove_stale_parts(to_dir, prefix)
    made = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    final = _free_name(to_dir, prefix, made)
    part = final.with_name(f".{final.name}.part")
    try:
        facts = _copy(src, part, check)
        digest, size = _sha256(part)
        _fsync(part)
        os.replace(part, final)
        manifest = Manifest(facts["room_id"], facts["last_seq"], facts["last_hash"], facts["schema_version"],
                            digest, size, made.isoformat(timespec="seconds").replace("+00:00", "Z"), final.name)
        _write_atomically(final.with_suffix(".json"), manifest.to_json())
        _fsync_dir(to_dir)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if final.exists() and not final.with_suffix(".json").exists():
            final.unlink()  # the copy without its manifest does not count: never leave it looking like one
        if isinstance(exc, OSError):
            raise StoreError(f"the backup into {to_dir} failed: {exc.strerror or exc}") from None
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"the backup into {to_dir} failed: {exc}") from None
        raise
    rotate(to_dir, prefix, keep)
    return manifest


def _copy(src: sqlite3.Connection, part: Path, check: Callable[[sqlite3.Connection], dict]) -> dict:
    dst = sqlite3.connect(part, isolation_level=None)
    try:
        state = {"remaining": -1, "restarts": 0}  # -1: no step yet

        def step(_status: int, remaining: int, _total: int) -> None:
            before = state["remaining"]
            if before >= 0 and remaining > before:
                state["restarts"] += 1  # the engine wrote: SQLite began the copy again
            state["remaining"] = remaining
            time.sleep(STEP_SLEEP_S)

        # A paged copy, then (if the engine keeps restarting it) the rest in one snapshot step.
        try:
            src.backup(dst, pages=PAGES_PER_STEP, progress=_until(step, state))
        except _Restarted:
            src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file: opens read-only anywhere
        facts = check(dst)
    finally:
        dst.close()
    return facts


class _Restarted(Exception):
    pass


def _until(step: Callable[[int, int, int], None], state: dict[str, int]) -> Callable[[int, int, int], None]:
    def progress(status: int, remaining: int, total: int) -> None:
        step(status, remaining, total)
        if state["restarts"] > MAX_RESTARTS and remaining:
            raise _Restarted()
    return progress


def inspect_backup(path: Path | str) -> Inspection:
    """Open a backup read-only and check it: integrity, chain, whose room, last seq and hash, schema."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"no backup file at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the backup {path}: {exc}") from None
    try:
        return _inspect(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a room database backup: {exc}") from None
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection) -> Inspection:
    db = sqlite_utils.Database(conn)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"the backup is schema version {version}, newer than this RoomControl understands "
                         f"({SCHEMA_VERSION}); upgrade RoomControl instead")
    if not db["events"].exists():
        raise StoreError("the file holds no event log: not a room database")
    last = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    return Inspection(_room_of(conn), last[0] if last else 0, last[1] if last else None, version,
                      verify_chain(db), integrity_check(db))


def _room_of(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'room_id'").fetchone()
    except sqlite3.OperationalError:
        return None  # a database the engine never opened has no meta yet
    return row[0] if row else None


# -- the backup folder ---------------------------------------------------------------------------------------
def backups(to_dir: Path | str, prefix: str) -> list[Path]:
    """This prefix's complete backups in `to_dir` (a copy with its manifest), oldest first."""
    found = []
    for path in Path(to_dir).glob(f"{prefix}*.db"):
        rest = path.stem[len(prefix):]
        if _NAME.fullmatch(rest) and path.with_suffix(".json").exists():
            match = _NAME.fullmatch(rest)
            assert match is not None
            found.append(((match["stamp"], int(match["n"] or 0)), path))
    return [p for _, p in sorted(found)]


def rotate(to_dir: Path | str, prefix: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups of this prefix (copy and manifest); returns what went."""
    old = backups(to_dir, prefix)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
    return old


def _free_name(to_dir: Path, prefix: str, made: datetime) -> Path:
    stem = f"{prefix}{made.strftime(_STAMP)}"
    path, n = to_dir / f"{stem}.db", 0
    while path.exists():  # two backups within a second (a manual one beside the nightly)
        n += 1
        path = to_dir / f"{stem}-{n}.db"
    return path


def _remove_stale_parts(to_dir: Path, prefix: str) -> None:
    for part in to_dir.glob(f".{prefix}*.part"):
        try:
            if time.time() - part.stat().st_mtime > STALE_PART_S:
                part.unlink()
        except OSError:
            pass


def _sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def _fsync(path: Path) -> None:
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder for fsync; its rename is durable once the file is flushed
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: Path, text: str) -> None:
    part = path.with_name(f".{path.name}.part")
    try:
        with part.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def sha256_of(path: Path | str) -> str:
    return _sha256(Path(path))[0]


# -- restore -------------------------------------------------------------------------------------------------
def database_in_use(path: Path) -> bool:
    """Whether another connection (the room app, a running command) has the database open.

    The room holds its database open in WAL mode for as long as it runs; a connection asking for an exclusive
    lock is refused while any other connection is attached, so the test needs no lock file of its own."""
    if not path.exists():
        return False
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=0)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise StoreError(f"cannot check the room database {path}: {exc}") from None
    finally:
        conn.close()


def put_in_place(backup: Path | str, data_dir: Path | str, now: datetime | None = None) -> Path | None:
    """Move the current room database aside (never deleted: `room.db.before-restore-<stamp>`, with its WAL)
    and put a copy of `backup` in its place. Returns where the old database went (None if there was none).
    The caller has checked the backup and that nothing has the database open."""
    target = db_path(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(_STAMP)
    part = target.with_name(f".{target.name}.restore.part")
    try:
        with Path(backup).open("rb") as src, part.open("wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    aside = None
    if target.exists():
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):  # the WAL holds the newest commits: it goes aside with its file
            old = Path(f"{target}{suffix}")
            if old.exists():
                os.replace(old, Path(f"{aside}{suffix}"))
    os.replace(part, target)
    _fsync_dir(target.parent)
    return aside
