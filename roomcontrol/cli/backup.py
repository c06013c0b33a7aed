"""`roomcontrol backup`, `roomcontrol restore` and `roomcontrol hub backup`.

Restore refuses, unless --force: another room's backup, one older than what the clinic hub already holds (the
hub would see the restored room re-use seqs it has), and a hub it cannot ask. It always refuses a backup whose
chain does not verify (--force or not) and a database something has open (the room app is running).
"""

from __future__ import annotations

import json
from pathlib import Path

from roomcontrol.cli.common import CliError, data_dir_of
from roomcontrol.config import RoomConfig, load_config

HUB_TIMEOUT_S = 5.0


def backup(args) -> int:
    from roomcontrol.store.backup import backup_room
    # With a room.toml the database must be that room's; without one it is whichever room it holds.
    room_id = load_config(args.config).room_id if args.config else None
    manifest = backup_room(data_dir_of(args), args.to, room_id=room_id, keep=args.keep)
    print(f"backed up room {manifest.room_id} up to seq {manifest.last_seq} ({manifest.bytes:,} bytes): "
          f"{Path(args.to) / manifest.file}")
    return 0


def hub_backup(args) -> int:
    from roomcontrol.sync.cli_support import default_hub_db
    from roomcontrol.sync.hub.backup import backup_hub
    manifest = backup_hub(args.db or default_hub_db(), args.to, keep=args.keep)
    print(f"backed up the hub ({manifest.bytes:,} bytes): {Path(args.to) / manifest.file}")
    return 0


def restore(args) -> int:
    from roomcontrol.store import backup as B
    from roomcontrol.store.database import db_path
    config = load_config(args.config)
    data_dir = data_dir_of(args)
    found = B.inspect_backup(args.backup_file)
    if not found.ok:  # never restored, whatever --force says: a broken log is not a record
        raise CliError(f"{args.backup_file}: not restored, {found.problem()}")
    refusals = []
    if found.room_id != config.room_id:
        refusals.append(f"it is a backup of room {found.room_id!r}, and this is room {config.room_id!r} "
                        f"({config.source})")
    refusals += _hub_refusals(config, found.last_seq)
    if refusals and not args.force:
        raise CliError(f"{args.backup_file}: not restored: " + "; ".join(refusals) + " (--force to restore anyway)")
    if B.database_in_use(db_path(data_dir)):
        raise CliError(f"the room database {db_path(data_dir)} is in use: stop the room app (and any roomcontrol "
                       "command on this room) first")
    aside = B.put_in_place(args.backup_file, data_dir)
    result = {"restored": str(args.backup_file), "room_id": found.room_id, "last_seq": found.last_seq,
              "database": str(db_path(data_dir)), "previous_database": str(aside) if aside else None,
              "forced_past": refusals}
    if found.room_id != config.room_id:  # the room refuses to start on another room's log with this config
        result["note"] = f"this database is room {found.room_id!r}'s: start it with that room's configuration"
    print(json.dumps(result, indent=2))
    return 0


def _hub_refusals(config: RoomConfig, last_seq: int) -> list[str]:
    """What the hub says against this backup: it holds more of this room's log, or cannot be asked."""
    if not config.sync.enabled or not config.sync.hub_url:
        return []
    held = hub_last_seq(config)
    if isinstance(held, str):
        return [f"the hub cannot be asked whether it holds more ({held})"]
    if held is not None and held > last_seq:
        return [f"the hub already holds this room up to seq {held}, the backup only up to seq {last_seq}"]
    return []


def hub_last_seq(config: RoomConfig) -> int | None | str:
    """The hub's last seq of this room (None: the hub has no such room yet), or why it could not be asked."""
    import httpx
    url = f"{config.sync.hub_url.rstrip('/')}/api/v1/rooms/{config.room_id}"
    try:
        response = httpx.get(url, headers={"Authorization": f"Bearer {config.sync.token}"}, timeout=HUB_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return f"{config.sync.hub_url} not reachable: {exc.__class__.__name__}: {exc}"
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        return f"{config.sync.hub_url} answered {response.status_code}: {response.text[:200]}"
    try:
        return int(response.json()["last_seq"])
    except (ValueError, KeyError, TypeError):
        return f"{config.sync.hub_url} answered something other than a room's head"
