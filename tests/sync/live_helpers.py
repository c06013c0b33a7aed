"""Live-channel test helpers: real `websockets` clients (a scripted room, a station) against a real hub."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

from websockets.asyncio.client import ClientConnection, connect

from roomcontrol.sync.hub.live_messages import ROOM_LIVE_PATH, STATION_COOKIE, STATION_LIVE_PATH


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)


def state(room_id: str, *, alarms: list[dict] | None = None, call: dict | None = None, **extra) -> dict:
    """A room's `state` shaped as docs/STATION.md shows it."""
    return {"type": "state", "v": 1, "room_id": room_id, "room_name": room_id.replace("-", " ").title(),
            "sent_at": "2026-11-27T14:02:07.120Z", "phase": "infusing",
            "session": {"session_id": "s-1", "patient": "J.D.", "course_no": 3, "elapsed_s": 812.0,
                        "planned_s": 2400.0, "remaining_s": 1588.0, "dose_mg": 35.0, "rate_mg_per_h": 52.5,
                        "paused": False},
            "vitals": {"hr": {"value": 72, "unit": "/min", "age_s": 0.8, "flags": []},
                       "spo2": {"value": 97, "unit": "%", "age_s": 0.8, "flags": []}},
            "alarms": alarms or [], "call": call, "devices": {"vitals": "ok", "light": "ok"}, "due": [],
            "sync": {"state": "synced", "backlog_events": 0}, "storage_error": None, **extra}


def alarm(alarm_id: str = "a-1", text: str = "SpO₂ 85 < 90", priority: str = "high") -> dict:
    return {"alarm_id": alarm_id, "condition": "spo2.low", "priority": priority, "technical": False, "text": text,
            "raised_at": "2026-11-27T14:02:07.120Z", "acknowledged_by": None, "escalated": False}


async def room_client(hub_url: str, room_id: str, token: str | None, path_room: str | None = None
                      ) -> ClientConnection:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await connect(ws_url(hub_url) + ROOM_LIVE_PATH.format(room_id=path_room or room_id),
                         additional_headers=headers, open_timeout=5)


async def station_client(hub_url: str, *, reader: str | None = None, cookie: str | None = None
                         ) -> ClientConnection:
    headers = {}
    if reader:
        headers["Authorization"] = f"Bearer {reader}"
    if cookie:
        headers["Cookie"] = f"{STATION_COOKIE}={cookie}"
    return await connect(ws_url(hub_url) + STATION_LIVE_PATH, additional_headers=headers, open_timeout=5)


async def recv_until(ws: ClientConnection, match: Callable[[dict], bool], timeout_s: float = 5.0) -> dict:
    """The first message `match` accepts (earlier ones are skipped); TimeoutError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no matching message")
        message = json.loads(await asyncio.wait_for(ws.recv(), left))
        if match(message):
            return message


def room_is(room_id: str, **fields: Any) -> Callable[[dict], bool]:
    def match(m: dict) -> bool:
        return m.get("type") == "room" and m["room"]["room_id"] == room_id and all(
            m["room"].get(k) == v for k, v in fields.items())
    return match


async def heartbeat(ws: ClientConnection, message: dict, period_s: float = 0.5) -> None:
    """Send `message` every `period_s` (the room's heartbeat) until cancelled."""
    while True:
        await ws.send(json.dumps(message))
        await asyncio.sleep(period_s)


async def answer_acts(ws: ClientConnection, received: list[dict], ok: bool = True) -> None:
    """A scripted room: answers every act with act_result (as the room's engine would after executing it)."""
    async for text in ws:
        message = json.loads(text)
        if message.get("type") == "act":
            received.append(message)
            await ws.send(json.dumps({"type": "act_result", "act_id": message["act_id"], "ok": ok,
                                      "detail": "done" if ok else "refused by the room"}))


def signed_in(hub_url: str, staff_id: str, pin: str) -> str:
    """Sign in at the station over HTTP (as the page does); the rc_station cookie's session token."""
    import httpx

    from roomcontrol.sync.hub.station_auth import SIGNIN_PATH
    response = httpx.post(hub_url + SIGNIN_PATH, json={"staff_id": staff_id, "pin": pin}, timeout=10)
    response.raise_for_status()
    return response.cookies[STATION_COOKIE]


def run(coro, timeout_s: float = 30.0):
    """A test's async body on a loop of its own, bounded: a hung socket fails that test, never the whole run."""
    return asyncio.run(asyncio.wait_for(coro, timeout_s))


async def live_room(station: ClientConnection, hub_url: str, room_id: str, token: str, **fields: Any
                    ) -> ClientConnection:
    """A room connected with `token` that sent its `state` (`fields` as for state()), once `station` saw it live."""
    room = await room_client(hub_url, room_id, token)
    await room.send(json.dumps(state(room_id, **fields)))
    await recv_until(station, room_is(room_id, contact="live"))
    return room
