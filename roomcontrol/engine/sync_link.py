"""The room's outbox pusher, tied to the engine: every logged event wakes it, so the hub hears at once. Vitals,
committed by the engine in batches, are seen by the pusher's own backlog check (every STATUS_REFRESH_S)."""

from __future__ import annotations

from roomcontrol.config import RoomConfig
from roomcontrol.engine.room import Room
from roomcontrol.sync.pusher import SyncPusher


def start_sync(room: Room, config: RoomConfig, on_status=None) -> SyncPusher:
    """Start pushing (a no-op pusher that reports "disabled" when [sync] is off). The runtime stops it
    after room.close(), with a last push (`stop(final_push=True)`)."""
    pusher = SyncPusher.from_config(room.db_path, config, on_status=on_status)
    room.subscribe(on_event=lambda _event: pusher.notify())
    return pusher.start()
