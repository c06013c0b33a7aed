"""The live channel to the station: one idle `state` with the room token, only while the room app is not
running (the hub keeps the newest connection per room: a probe beside a running room would kick its channel)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from roomcontrol.config import RoomConfig
from roomcontrol.host.checks.hub import HUB_TIMEOUT_S
from roomcontrol.host.checks.result import FAIL, OK, WARN, Check


def idle_state(config: RoomConfig) -> dict[str, Any]:
    """The `state` an idle room sends (built by the room's own live_state from an idle snapshot)."""
    from roomcontrol.engine.live_state import live_state
    from roomcontrol.engine.snapshot import RoomSnapshot
    snap = RoomSnapshot(config.room_id, config.room_name, datetime.now(timezone.utc), "idle", None, 0)
    return live_state(snap, show_patient=config.station.show_patient)


def room_app_running(data_dir: Path) -> bool | None:
    """Whether something holds the room database open (the room app does while it runs); None: cannot tell."""
    from roomcontrol.store import database
    from roomcontrol.store.backup import database_in_use
    from roomcontrol.store.errors import StoreError
    try:
        return database_in_use(database.db_path(data_dir))
    except StoreError:
        return None


def check_station(config: RoomConfig, data_dir: Path, timeout_s: float = HUB_TIMEOUT_S) -> Check | None:
    """Open the live channel with the room token, send one idle `state`, close with 1000. Not while the room app
    runs: the hub keeps the newest socket per room, so the probe would replace the running room's own channel."""
    if not config.station.enabled:
        return None
    from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    from roomcontrol import __version__
    from roomcontrol.sync.live_client import UNAUTHORIZED_CLOSE, live_url, tls_context
    url = live_url(config.sync.hub_url, config.room_id)
    running = room_app_running(data_dir)
    if running is not False:
        why = "the room app is running (it holds the room database)" if running else \
            "cannot tell whether the room app runs"
        return Check("station", WARN, f"live channel not probed: {why}; a second connection would replace the "
                                      "room's own at the hub", "close the room app and run doctor again (the room "
                                      "screen shows \"station not reached\" when its channel is down)")
    refused = Check("station", FAIL, f"the hub refused this room's token on the live channel {url}",
                    f"on the hub run `roomcontrol hub add-room {config.room_id}` and put the token it prints in "
                    "room.toml [sync] token")
    try:
        with connect(url, ssl=tls_context(True) if url.startswith("wss://") else None, open_timeout=timeout_s,
                     close_timeout=1.0, compression=None,
                     additional_headers={"Authorization": f"Bearer {config.sync.token}"},
                     user_agent_header=f"roomcontrol/{__version__} doctor ({config.room_id})") as ws:
            ws.send(json.dumps(idle_state(config), separators=(",", ":")))
            ws.close(1000, "roomcontrol doctor")
    except InvalidStatus as exc:
        code = exc.response.status_code
        if code in (401, 403):
            return refused
        return Check("station", FAIL, f"{url} answered HTTP {code} to the live channel's upgrade: a hub without "
                                      "the live channel?", "update the hub to this RoomControl's version")
    except ConnectionClosed as exc:
        if exc.rcvd is not None and exc.rcvd.code == UNAUTHORIZED_CLOSE:
            return refused
        return Check("station", FAIL, f"the hub closed the live channel {url} ({exc})",
                     "compare the hub's and the room's versions")
    except (OSError, TimeoutError, WebSocketException) as exc:
        return Check("station", FAIL, f"cannot reach the hub's live channel at {url}: "
                                      f"{str(exc) or type(exc).__name__}",
                     "check the network, the hub_url in room.toml and that the hub runs (a proxy in between must "
                     "pass WebSocket upgrades)")
    return Check("station", OK, f"the hub's live channel accepts this room ({url})")
