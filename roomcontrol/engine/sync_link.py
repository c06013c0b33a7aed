"""The room's outbox pusher, tied to the engine: every logged event wakes it, so the hub hears at once. Vitals,
committed by the engine in batches, are seen by the pusher's own backlog check (every STATUS_REFRESH_S)."""

from __future__ import annotations

from roomcontrol.config import RoomConfig
from roomcontrol.domain import kinds as K
from roomcontrol.domain.events import NewEvent
from roomcontrol.engine.room import Room
from roomcontrol.store.staff import StaffStore
from roomcontrol.sync.directory import Directory, DirectoryFollower
from roomcontrol.sync.pusher import SyncPusher

APPLY_TIMEOUT_S = 30.0  # the engine keeps the copy between readings; a wedged engine is not waited for forever


def start_sync(room: Room, config: RoomConfig, on_status=None) -> SyncPusher:
    """Start pushing (a no-op pusher that reports "disabled" when [sync] is off). The runtime stops it
    after room.close(), with a last push (`stop(final_push=True)`)."""
    pusher = SyncPusher.from_config(room.db_path, config, on_status=on_status)
    room.subscribe(on_event=lambda _event: pusher.notify())
    return pusher.start()


def follow_directory(room: Room, config: RoomConfig, **options) -> DirectoryFollower | None:
    """Keep this room's copy of the hub's staff directory (None when sync is off): fetched on the follower's
    thread, written on the engine thread, one `staff.directory_updated` event when it changed something."""
    def keep(directory: Directory) -> None:  # engine thread
        change = StaffStore(room.db).apply_directory(directory.accounts)
        if change:
            session = room.state.open_session
            room.record(NewEvent(K.STAFF_DIRECTORY_UPDATED, {"version": directory.version,
                                                             "accounts": len(directory.accounts), **vars(change)},
                                 "system", session.session_id if session else None))

    follower = DirectoryFollower.from_config(config, lambda d: room.call(lambda: keep(d)).result(APPLY_TIMEOUT_S),
                                             **options)
    return follower.start() if follower else None
