"""Assembling a room: the engine, its devices, staff sign-in and sync, built, started and closed in one order.

Build (nothing runs yet, so every command, guard and listener is in place before the first command arrives):
  1. Room: opens the database, replays the log, records room.started.
  2. RoomDevices: opens the drivers (not started), registers apply_scene and set_ambient, follows the events.
  3. StaffGate: the unlock and lock commands, and the guard that refuses clinical commands with no nurse signed in.
  4. Sync: the outbox pusher, started at once (it reads through its own connections), woken by every logged event.
     The nightly backup's thread, when [backup] names a folder (it logs its outcome through the engine).
  4b. The live channel to the clinic station ([station]): the newest snapshot on every tick and after every
     command; a nurse's act from the station runs as a command under her id, via="station" (engine/live_link).
  5. The caller's event listeners, then its `before_start` hook (the screen builds its controller there).
Start: the engine thread, then the devices (they ask the engine for the current phase's scene).
A failure on the way closes what was already built, in the close order.
Close: the staff directory's and the nightly backup's threads (a backup under way finishes), the engine (before
the devices, so their own shutdown is not logged as a lost monitor), the live channel (a last state, then 1001
"room closing", bounded to 1 s), the devices (the
diffuser off first), then sync with one last bounded push (the pusher reads through its own connections, so it
sends the engine's last events and flushed vitals; `stop` returns within 2 s however the hub behaves).
A failed start stops sync first, without that push.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from roomcontrol.config import RoomConfig
from roomcontrol.engine.backup_schedule import NightlyBackup
from roomcontrol.engine.controlled import ControlledRecord
from roomcontrol.engine.devices import RoomDevices
from roomcontrol.engine.live_link import start_live
from roomcontrol.engine.room import EventListener, Room
from roomcontrol.engine.staff import StaffGate, StationGuard
from roomcontrol.engine.sync_link import follow_directory, start_sync
from roomcontrol.sync.directory import DirectoryFollower
from roomcontrol.sync.live_client import LiveClient
from roomcontrol.sync.pusher import SyncPusher


@dataclass
class RoomRuntime:
    """A started room; `close()` it (or use it as a context manager) to stop everything in order."""
    room: Room
    devices: RoomDevices
    gate: StaffGate | None  # None when no one signs in here (the headless runner, device tests)
    pusher: SyncPusher
    directory: DirectoryFollower | None = None  # the hub's staff directory, copied for offline sign-in
    backup: NightlyBackup | None = None  # None without a [backup] folder
    live: LiveClient | None = None  # the live channel to the clinic station ([station])
    controlled: ControlledRecord | None = None  # the controlled-substance draw and witnessed waste

    def close(self) -> None:
        for helper in (self.directory, self.backup):
            if helper is not None:
                helper.stop()
        _close(self.room, self.devices, self.pusher, final_push=True, live=self.live)

    def __enter__(self) -> "RoomRuntime":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_room(config: RoomConfig, data_dir: Path | str, *, clock=None, audio: bool = True,
               staff_gate: bool = True, listeners: Iterable[EventListener] = (),
               before_start: Callable[[RoomRuntime], None] | None = None) -> RoomRuntime:
    """Build and start a room. Without `staff_gate` commands run under any actor (scenarios name their nurse)."""
    room = Room(config, data_dir, clock)
    devices = pusher = live = None
    try:
        devices = RoomDevices(room, config, audio=audio)
        gate = StaffGate(room) if staff_gate else None
        if gate is None:  # no sign-in here, but acts from the station are still checked against the staff table
            room.add_command_guard(StationGuard(room))
        pusher = start_sync(room, config)
        nightly = NightlyBackup(room, config.backup, data_dir) if config.backup.enabled else None
        live = start_live(room, config, pusher)
        controlled = ControlledRecord(room)
        runtime = RoomRuntime(room, devices, gate, pusher, backup=nightly, live=live, controlled=controlled)
        for listener in listeners:
            room.subscribe(on_event=listener)
        if before_start:
            before_start(runtime)
        room.start(partial=gate is None)  # without sign-in, unlock and lock are the only unbound commands
        devices.start()
        runtime.directory = follow_directory(room, config)
        if nightly is not None:
            nightly.start()  # after the engine: a missed backup runs at once and logs through it
    except BaseException:
        _close(room, devices, pusher, live=live)
        raise
    return runtime


def _close(room: Room, devices: RoomDevices | None, pusher: SyncPusher | None, final_push: bool = False,
           live: LiveClient | None = None) -> None:
    if pusher is not None and not final_push:
        pusher.stop()
    room.close()  # before the devices, so their own shutdown is not logged as a lost monitor
    if live is not None:  # the engine's last snapshot, then 1001 "room closing" (a failed start: just close)
        live.stop(timeout_s=1.0, last_state=final_push)
    if devices is not None:
        devices.close()
    if pusher is not None and final_push:
        pusher.stop(final_push=True)
