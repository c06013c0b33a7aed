"""The room's live channel to the clinic station, tied to the engine: the newest snapshot goes to the channel on
every tick and right after anything is logged (once per command, when its events are all stored), and a nurse's
act from the station runs as that command under her staff id, `via="station"` (docs/STATION.md)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from roomcontrol.config import RoomConfig
from roomcontrol.domain import catalogue as C
from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.wording import STATION, describe
from roomcontrol.engine.live_state import live_state, substance
from roomcontrol.engine.room import CommandResult, Room
from roomcontrol.sync.live_client import LiveClient


def start_live(room: Room, config: RoomConfig, pusher: Any = None, **kwargs) -> LiveClient:
    """Start the channel (a no-op client reporting "disabled" when [station] is off). `pusher` gives the sync
    status the station shows. The runtime stops it after room.close(), with a last state."""
    show = config.station.show_patient

    def build(snap) -> dict:
        sync = pusher.status if pusher is not None and pusher.enabled else None
        return live_state(snap, sync=sync, show_patient=show, sent_at=room.clock.now())

    client = LiveClient.from_config(config, build, substance, lambda act: station_act(room, act), **kwargs)
    if client.enabled:
        pending = [False]

        def logged(_event) -> None:  # engine thread: one snapshot after the command's events are all stored
            if not pending[0]:
                pending[0] = True
                room.defer(offer_now)

        def offer_now() -> None:
            pending[0] = False
            client.offer(room.snapshot())

        room.subscribe(on_event=logged, on_snapshot=client.offer)
    return client.start()


def station_act(room: Room, act: dict) -> Future:
    """Run an `act` message on the engine: a future of (what was logged, in words; the snapshot after), or
    Refused with the reason (a malformed act is refused here, before it reaches the engine)."""
    name, args, staff_id = act.get("command"), act.get("args", {}), act.get("staff_id")
    if name not in C.STATION_COMMANDS:
        raise Refused(f"{name!r} cannot be sent from the station; only {', '.join(C.STATION_COMMANDS)}")
    if not isinstance(args, dict):
        raise Refused("args must be an object")
    if not isinstance(staff_id, str):
        raise Refused("staff_id is missing")
    D.check_staff_id(staff_id)
    command = C.parse(name, args)
    out: Future = Future()

    def done(f: Future) -> None:
        if (exc := f.exception()) is not None:
            out.set_exception(exc)
            return
        result: CommandResult = f.result()
        out.set_result(("; ".join(describe(e) for e in result.events) or "done", result.snapshot))

    room.send(command, staff_id, via=STATION).add_done_callback(done)
    return out
