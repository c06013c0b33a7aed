"""The hub's live channel (docs/STATION.md): rooms' sockets in, stations' sockets out, acts between them.

Each worker process has one LiveHub. A room's socket lands on one worker, which validates its messages, keeps its
contact and escalation clocks, and publishes the room (its last state + contact, last_heard, escalated) on the
LiveBus; every worker applies what the bus delivers to its `views` and sends it to its own stations. An act goes
out on the bus too; the worker holding the room's socket forwards it, and the room's act_result comes back over
the bus to the worker of the station that asked. The hub never writes a room's log: the room executes and logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import Counter
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Path, WebSocket
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from roomcontrol.sync.hub import live_messages as M
from roomcontrol.sync.hub import staff as staff_directory
from roomcontrol.sync.hub import store
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.escalation import Escalation
from roomcontrol.sync.hub.live_bus import LiveBus, bus_for
from roomcontrol.sync.hub.store import Refusal, now_iso
from roomcontrol.sync.hub.webhook import Webhook

log = logging.getLogger("roomcontrol.hub.live")

STATION_QUEUE = 2000   # messages waiting for one station; a station that falls this far behind is closed
NEVER = "never"
STATIONS = "(stations)"  # the malformed counter of station messages (no room id has parentheses)
_HUB = store.Principal(reader="live channel")  # the hub itself lists every room
_EMPTY_ROOM: dict[str, Any] = {"phase": None, "session": None, "vitals": {}, "alarms": [], "call": None, "devices": {}, "due": [],
               "waiting": [], "sync": None, "storage_error": None}


@dataclass(eq=False)
class Station:
    ws: WebSocket
    staff: dict[str, Any] | None
    may_act: bool
    cookie: str | None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(STATION_QUEUE))
    sender: asyncio.Task | None = None


@dataclass(eq=False)
class LocalRoom:
    room_id: str
    ws: WebSocket
    escalation: Escalation
    last_mono: float = 0.0
    last_heard: str | None = None
    state: dict[str, Any] | None = None
    contact: str = "live"


@dataclass
class PendingAct:
    station: Station
    act_id: str
    room_id: str
    timer: asyncio.TimerHandle


def _bearer(ws: WebSocket) -> str | None:
    scheme, _, token = ws.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def _same_origin(ws: WebSocket) -> bool:
    """A browser names the page's origin; it must be this hub (a client that is no browser sends none)."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


def _staff_of(db: HubDB, cookie: str | None) -> dict[str, Any] | None:
    """The staff member of a station session (the hub's staff directory), or None."""
    found = staff_directory.session_staff(db, cookie) if cookie else None
    return found.public() if found is not None else None


class LiveHub:
    def __init__(self, db: HubDB, bus: LiveBus | None = None, *, escalate_after_s: float = M.ESCALATE_AFTER_S,
                 webhook_url: str | None = None) -> None:
        self.db = db
        self.bus = bus or bus_for(db.url)
        self.escalate_after_s = escalate_after_s
        self.webhook = Webhook(webhook_url) if webhook_url else None
        self.worker = uuid.uuid4().hex[:12]
        self.views: dict[str, dict[str, Any]] = {}
        self._view_mono: dict[str, float] = {}
        self.local: dict[str, LocalRoom] = {}
        self.stations: set[Station] = set()
        self.pending: dict[str, PendingAct] = {}
        self.malformed: Counter[str] = Counter()   # per room id (and STATIONS)
        self._tasks: set[asyncio.Task] = set()
        self._checker: asyncio.Task | None = None

    # -- life ------------------------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.bus.start(self._deliver)
        await self._load_rooms()
        self._checker = asyncio.create_task(self._check_loop(), name="live-check")

    async def stop(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self.bus.stop()
        if self.webhook is not None:
            await self.webhook.close()

    async def _load_rooms(self) -> None:
        """Rooms the hub knows but that never spoke on this worker appear as contact "never"."""
        rows = await run_in_threadpool(lambda: [r["room_id"] for r in store.list_rooms(self.db, _HUB)])
        for room_id in rows:
            self.views.setdefault(room_id, {**_EMPTY_ROOM, "room_id": room_id, "room_name": room_id,
                                            "contact": NEVER, "last_heard": None, "escalated": []})

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- the bus ---------------------------------------------------------------------------------------------
    def _deliver(self, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "room":
            room = message["room"]
            self.views[room["room_id"]] = room
            self._view_mono[room["room_id"]] = time.monotonic()
            self._broadcast({"type": "room", "room": room})
        elif kind == "act":
            local = self.local.get(message["room_id"])
            if local is not None:
                self._spawn(self._forward_act(local, message))
        elif kind == "act_result":
            pending = self.pending.pop(message["act_id"], None)
            if pending is not None:
                pending.timer.cancel()
                self._send(pending.station, {"type": "act_result", "act_id": pending.act_id,
                                             "room_id": pending.room_id, "ok": message["ok"],
                                             "detail": message.get("detail", "")})

    async def _publish_room(self, local: LocalRoom) -> None:
        escalated = sorted(local.escalation.escalated)
        state = dict(local.state or {**_EMPTY_ROOM, "room_id": local.room_id, "room_name": local.room_id})
        state["alarms"] = [{**a, "escalated": a["alarm_id"] in local.escalation.escalated}
                           for a in state.get("alarms") or ()]
        room = {**state, "contact": local.contact, "last_heard": local.last_heard, "escalated": escalated}
        await self._publish({"t": "room", "room": room})

    async def _publish(self, message: dict[str, Any]) -> None:
        try:
            await self.bus.publish(message)
        except Exception as exc:  # the bus is down: logged; the room's next heartbeat tries again
            log.error("live bus: %s message not published (%s: %s)", message.get("t"), type(exc).__name__, exc)

    # -- stations --------------------------------------------------------------------------------------------
    def _broadcast(self, message: dict[str, Any]) -> None:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
        for station in list(self.stations):
            self._send_text(station, text)

    def _send(self, station: Station, message: dict[str, Any]) -> None:
        self._send_text(station, json.dumps(message, separators=(",", ":"), ensure_ascii=False))

    def _send_text(self, station: Station, text: str) -> None:
        try:
            station.queue.put_nowait(text)
        except asyncio.QueueFull:  # a station that stopped reading: it reconnects and gets a fresh snapshot
            log.warning("station %s fell %d messages behind: closed", station.staff, STATION_QUEUE)
            self.stations.discard(station)
            self._spawn(station.ws.close(code=1013))

    async def _station_sender(self, station: Station) -> None:
        try:
            while True:
                await station.ws.send_text(await station.queue.get())
        except Exception:  # the socket closed: the receive loop ends the station
            self.stations.discard(station)

    async def station_socket(self, ws: WebSocket) -> None:
        cookie = ws.cookies.get(M.STATION_COOKIE)
        if cookie and not _same_origin(ws):
            cookie = None  # a page of another site may not use the nurse's session (cross-site WebSocket hijacking)
        staff = await run_in_threadpool(_staff_of, self.db, cookie) if cookie else None
        if staff is None:
            token = _bearer(ws)
            try:
                principal = await run_in_threadpool(store.authenticate, self.db, token)
            except Refusal:
                principal = None
            if principal is None or principal.reader is None:  # a room token does not open the station
                await ws.close(code=4401)  # before accept: the upgrade is refused (HTTP 403), nothing sent
                return
        await ws.accept()
        station = Station(ws, staff, may_act=bool(staff and staff.get("role") in M.MAY_ACT_ROLES),
                          cookie=cookie if staff else None)
        await self._load_rooms()
        # The snapshot is queued and the station registered in one step (no await between): no update is lost.
        self._send(station, {"type": "hello", "staff": staff, "may_act": station.may_act,
                             "escalate_after_s": self.escalate_after_s})
        self._send(station, {"type": "rooms", "rooms": sorted(self.views.values(), key=lambda r: r["room_id"])})
        self.stations.add(station)
        station.sender = asyncio.create_task(self._station_sender(station))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                try:
                    await self._station_message(station, message.get("text") or
                                                (message.get("bytes") or b"").decode("utf-8", "replace"))
                except Exception:  # e.g. the database is down for the session check: this act fails, the station stays
                    log.exception("station message failed")
                    self._send(station, {"type": "act_result", "act_id": None, "ok": False,
                                         "detail": "the hub could not handle this act; try again"})
        finally:
            self.stations.discard(station)
            station.sender.cancel()

    async def _station_message(self, station: Station, text: str) -> None:
        def refuse(act_id: Any, detail: str, room_id: Any = None) -> None:
            self._send(station, {"type": "act_result", "act_id": act_id, "room_id": room_id, "ok": False,
                                 "detail": detail})
        if len(text) > M.MAX_MESSAGE_BYTES:
            self.malformed[STATIONS] += 1
            return refuse(None, f"message over {M.MAX_MESSAGE_BYTES} bytes")
        try:
            act = M.StationActIn.model_validate_json(text)
        except ValidationError as exc:
            self.malformed[STATIONS] += 1
            try:
                act_id = json.loads(text).get("act_id")
            except Exception:
                act_id = None
            return refuse(act_id if isinstance(act_id, str) else None,
                          f"malformed act: {exc.errors()[0].get('loc')} {exc.errors()[0].get('msg')}")
        if not station.may_act:
            return refuse(act.act_id, "watch only: a reader or a signed-out station may not act" if not station.staff
                          else f"the role {station.staff.get('role')!r} may not act", act.room_id)
        if act.command not in M.STATION_COMMANDS:
            return refuse(act.act_id, f"{act.command!r} is not a station command "
                                      f"(allowed: {', '.join(M.STATION_COMMANDS)})", act.room_id)
        staff = await run_in_threadpool(_staff_of, self.db, station.cookie)
        if staff is None:  # signed out or expired since the socket opened
            station.may_act = False
            return refuse(act.act_id, "the station session has ended: sign in again", act.room_id)
        view = self.views.get(act.room_id)
        if view is None or view.get("contact") != "live":
            return refuse(act.act_id, f"{act.room_id} is not connected to the hub", act.room_id)
        hub_act_id = f"{self.worker}.{uuid.uuid4().hex}"
        timer = asyncio.get_running_loop().call_later(M.ACT_TIMEOUT_S, self._act_timed_out, hub_act_id)
        self.pending[hub_act_id] = PendingAct(station, act.act_id, act.room_id, timer)
        log.info("act %s on %s by %s (%s) from the station", act.command, act.room_id, staff["staff_id"],
                 staff.get("name"))
        await self._publish({"t": "act", "act_id": hub_act_id, "room_id": act.room_id, "command": act.command,
                                "args": act.args, "staff_id": staff["staff_id"], "staff_name": staff.get("name")})

    def _act_timed_out(self, hub_act_id: str) -> None:
        pending = self.pending.pop(hub_act_id, None)
        if pending is not None:
            self._send(pending.station, {"type": "act_result", "act_id": pending.act_id, "room_id": pending.room_id,
                                         "ok": False, "detail": f"{pending.room_id} did not answer within "
                                                                f"{M.ACT_TIMEOUT_S:g} s"})

    # -- rooms -----------------------------------------------------------------------------------------------
    async def room_socket(self, ws: WebSocket, room_id: str) -> None:
        try:
            principal = await run_in_threadpool(store.authenticate, self.db, _bearer(ws))
        except Refusal:
            principal = None
        if principal is None or principal.room_id != room_id:
            await ws.close(code=4401)  # before accept: HTTP 403, nothing read, nothing stored
            return
        await ws.accept()
        local = LocalRoom(room_id, ws, Escalation(self.escalate_after_s), last_mono=time.monotonic())
        previous = self.local.get(room_id)
        self.local[room_id] = local
        if previous is not None:  # the room reconnected before its old socket was seen closed
            local.state, local.escalation = previous.state, previous.escalation
            self._spawn(previous.ws.close(code=4000, reason="replaced by a newer connection"))
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                await self._room_message(local, message.get("text") or
                                         (message.get("bytes") or b"").decode("utf-8", "replace"))
        finally:
            if self.local.get(room_id) is local:
                del self.local[room_id]
                local.contact = "lost"
                await self._publish_room(local)

    def _malformed(self, local: LocalRoom, why: str) -> None:
        self.malformed[local.room_id] += 1
        count = self.malformed[local.room_id]
        if count <= 10 or count % 100 == 0:  # logged, but a room stuck sending garbage cannot flood the log
            log.warning("room %s: malformed live message #%d skipped: %s", local.room_id, count, why)

    async def _room_message(self, local: LocalRoom, text: str) -> None:
        if len(text) > M.MAX_MESSAGE_BYTES:
            return self._malformed(local, f"{len(text)} bytes, over {M.MAX_MESSAGE_BYTES}")
        try:
            message = M.RoomMessage.validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first.get("loc", ()))) or "message"
            return self._malformed(local, f"{where}: {first.get('msg')}")
        if isinstance(message, M.ActResultIn):
            return await self._publish({"t": "act_result", "act_id": message.act_id, "ok": message.ok,
                                           "detail": message.detail})
        state = message
        if state.room_id != local.room_id:
            return self._malformed(local, f"it publishes room {state.room_id!r}; its token is room {local.room_id!r}")
        local.state = state.model_dump(mode="json")
        local.last_mono, local.last_heard, local.contact = time.monotonic(), now_iso(), "live"
        self._escalate(local, local.last_mono)
        await self._publish_room(local)

    async def _forward_act(self, local: LocalRoom, act: dict[str, Any]) -> None:
        try:
            await local.ws.send_text(json.dumps({"type": "act", "act_id": act["act_id"], "command": act["command"],
                                                 "args": act["args"], "staff_id": act["staff_id"],
                                                 "staff_name": act["staff_name"]}))
        except Exception as exc:
            await self._publish({"t": "act_result", "act_id": act["act_id"], "ok": False,
                                    "detail": f"{local.room_id} could not be reached ({type(exc).__name__})"})

    def _escalate(self, local: LocalRoom, now: float) -> bool:
        new = local.escalation.update(local.state, now)
        for item in new:
            log.warning("room %s: %s %r not acknowledged within %g s: escalated", local.room_id, item.what,
                        item.text, self.escalate_after_s)
            if self.webhook is not None:
                self.webhook.post({"room_id": local.room_id, "room_name": (local.state or {}).get("room_name"),
                                   "what": item.what, "text": item.text, "priority": item.priority,
                                   "since": item.since})
        return bool(new)

    async def _check_loop(self) -> None:
        while True:
            await asyncio.sleep(M.CHECK_S)
            try:
                await self._check(time.monotonic())
            except Exception:
                log.exception("live check failed")

    async def _check(self, now: float) -> None:
        for local in list(self.local.values()):
            changed = self._escalate(local, now) if local.contact == "live" else False
            if local.contact == "live" and now - local.last_mono > M.CONTACT_LOST_S:
                local.contact, changed = "lost", True
                log.warning("room %s: nothing for %g s: contact lost", local.room_id, M.CONTACT_LOST_S)
            if changed:
                await self._publish_room(local)
        # A room whose worker died (or whose bus went quiet) is lost here too.
        for room_id, room in list(self.views.items()):
            if room.get("contact") == "live" and now - self._view_mono.get(room_id, now) > M.CONTACT_LOST_S + 1:
                self.views[room_id] = room = {**room, "contact": "lost"}
                self._broadcast({"type": "room", "room": room})


def mount_live(app: FastAPI, db: HubDB, **options: Any) -> LiveHub:
    """Register the live channel's two WebSocket endpoints on `app` (its lifespan is `lifespan` below)."""
    live = LiveHub(db, **options)
    app.state.live = live

    @app.websocket(M.ROOM_LIVE_PATH)
    async def room_live(ws: WebSocket, room_id: str = Path(max_length=32)) -> None:
        await live.room_socket(ws, room_id)

    @app.websocket(M.STATION_LIVE_PATH)
    async def station_live(ws: WebSocket) -> None:
        await live.station_socket(ws)

    return live


@asynccontextmanager
async def lifespan(app: FastAPI):
    live: LiveHub | None = getattr(app.state, "live", None)
    if live is not None:
        await live.start()
    try:
        yield
    finally:
        if live is not None:
            await live.stop()
