"""The nightly backup: its folder writable (a real write), the last outcome, the newest backup's age, room for
`keep` more."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from roomcontrol.config import RoomConfig
from roomcontrol.host.checks.result import FAIL, OK, WARN, Check

BACKUP_STALE_S = 2 * 86400 + 6 * 3600  # a nightly backup missed twice (with slack for the hour it runs at)


def _age(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(0, seconds) / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _last_backup_events(data_dir: Path) -> tuple[Any, Any]:
    """The room log's latest backup.made and backup.failed events (None each when absent or no database)."""
    from roomcontrol.domain import kinds as K
    from roomcontrol.store import database
    from roomcontrol.store.errors import StoreError
    from roomcontrol.store.eventlog import read_events
    if not database.db_path(data_dir).exists():
        return None, None
    try:
        db = database.open_room_db(data_dir, readonly=True)
    except StoreError:
        return None, None  # the database check says what is wrong with it
    try:
        made, failed = (next(read_events(db, kinds=[kind], descending=True, limit=1), None)
                        for kind in (K.BACKUP_MADE, K.BACKUP_FAILED))
        return made, failed
    finally:
        db.conn.close()


def _newest_backup(folder: Path, room_id: str) -> tuple[Path, datetime, int] | None:
    """This room's newest complete backup in `folder` (its manifest's made_at and bytes), or None."""
    from roomcontrol.store.backup import backups
    found = backups(folder, f"roomcontrol-{room_id}-")
    if not found:
        return None
    newest = found[-1]
    try:
        manifest = json.loads(newest.with_suffix(".json").read_text(encoding="utf-8"))
        made = datetime.fromisoformat(manifest["made_at"].replace("Z", "+00:00"))
        size = int(manifest["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        stat = newest.stat()  # a manifest we cannot read: the file's own time and size
        made, size = datetime.fromtimestamp(stat.st_mtime, timezone.utc), stat.st_size
    return newest, made, size


def _writable(folder: Path) -> str | None:
    """None when a file can be created in `folder` (a real write: a share's permissions lie to os.access)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".roomcontrol-doctor-", suffix=".tmp") as fh:
            fh.write(b"doctor")
            fh.flush()
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_backup(config: RoomConfig, data_dir: Path, now: datetime | None = None) -> Check:
    """[backup]: the folder, the last outcome (the room log's backup.made / backup.failed and the folder's
    manifests), the newest backup's age and whether the disk holds `keep` more of today's size."""
    from roomcontrol.store import database
    backup = config.backup
    if not backup.enabled:
        return Check("backup", WARN, "no nightly backup: the room's log lives only on this disk",
                     "set [backup] dir = ... on a second disk or share in room.toml")
    folder = Path(backup.dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        return Check("backup", FAIL, f"the backup folder {folder} {what}",
                     "create it, mount the second disk or share there, or fix [backup] dir in room.toml")
    denied = _writable(folder)
    if denied:
        return Check("backup", FAIL, f"the backup folder {folder} is not writable ({denied})",
                     f"give the user running the room write access to {folder}")
    now = now or datetime.now(timezone.utc)
    made_event, failed_event = _last_backup_events(data_dir)
    newest = _newest_backup(folder, config.room_id)
    last_success = max([t for t in (made_event and made_event.ts, newest and newest[1]) if t], default=None)
    if failed_event is not None and (last_success is None or failed_event.ts > last_success):
        return Check("backup", FAIL, f"the last backup failed {_age((now - failed_event.ts).total_seconds())} "
                                     f"ago: {failed_event.payload.get('reason', '?')}",
                     f"fix what it says; then `roomcontrol backup --to {folder}` makes one now")
    if newest is None:
        return Check("backup", WARN, f"no backup of {config.room_id} in {folder} yet (the nightly one runs at "
                                     f"{backup.at}, or at the room app's next start)",
                     f"make the first one now: `roomcontrol backup --to {folder}`")
    path, made, size = newest
    age_s = (now - made).total_seconds()
    text = f"newest {path.name}, {_age(age_s)} old, {size / 1e6:.1f} MB"
    if age_s > BACKUP_STALE_S:
        return Check("backup", WARN, f"the newest backup is {_age(age_s)} old ({path.name} in {folder})",
                     "is the room app running at night? `roomcontrol backup --to DIR` makes one now")
    db = database.db_path(data_dir)
    today = max([size] + [p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()])
    free = shutil.disk_usage(folder).free
    room = f"{free / 1e9:.1f} GB free there"
    if free < backup.keep * today:
        return Check("backup", WARN, f"{text}; {room}, less than {backup.keep} backups of {today / 1e6:.1f} MB "
                                     f"([backup] keep)", "free space on the backup disk or lower [backup] keep")
    return Check("backup", OK, f"{text}; {room}, room for {free // max(today, 1):,} more")
