"""The room's outbox pusher, tied to the engine: every logged event wakes it, so the hub hears at once."""

from __future__ import annotations

from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
from roomcontrol.sync.pusher import SyncPusher


def start_sync(room: Room, config: RoomConfig, on_status=None) -> SyncPusher:
    """Start pushing (a no-op pusher that reports "disabled" when [sync] is off). Stop it before room.close()."""
    pusher = SyncPusher.from_config(room.db_path, config, on_status=on_status)
    room.subscribe(on_event=lambda _event: pusher.notify())
    return pusher.start()
