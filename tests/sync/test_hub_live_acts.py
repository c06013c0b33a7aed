"""Issue #14 item 3 (hub side): a signed-in nurse acts from the station; the hub forwards the act to the room's
socket and relays the room's act_result to the station that asked. The hub writes nothing of the room's log."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from roomcontrol.sync.hub import staff as hubstaff
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.live_messages import ACT_TIMEOUT_S
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.station_auth import SIGNOUT_PATH
from tests.sync.live_helpers import (alarm, answer_acts, live_room, recv_until, room_client, room_is, run,
                                     signed_in, state, station_client)

PIN = "2580"


@pytest.fixture
def clinic(tmp_path):
    db = HubDB(tmp_path / "hub.db")
    tokens = {room: hubstore.add_room(db, room) for room in ("room-1", "room-2")}
    hubstaff.add_staff(db, "ann", "Ann Lee", "nurse", PIN)
    with ThreadedHub(db) as hub:
        yield hub, tokens, signed_in(hub.url, "ann", PIN)
    db.close()


def act(act_id: str, room_id: str, command: str = "acknowledge_alarm", **args) -> str:
    return json.dumps({"type": "act", "act_id": act_id, "room_id": room_id, "command": command,
                       "args": args or {"alarm_id": "a-1"}})


def is_result(act_id: str):
    return lambda m: m.get("type") == "act_result" and m["act_id"] == act_id


def test_act_round_trip_reaches_the_room_and_answers_only_the_station_that_asked(clinic):
    hub, tokens, cookie = clinic

    async def go():
        nurse = await station_client(hub.url, cookie=cookie)
        hello = json.loads(await nurse.recv())
        assert hello["may_act"] is True and hello["staff"]["staff_id"] == "ann" and hello["staff"]["role"] == "nurse"
        other = await station_client(hub.url, cookie=cookie)
        room = await room_client(hub.url, "room-1", tokens["room-1"])
        acts: list[dict] = []
        answering = asyncio.create_task(answer_acts(room, acts))
        await room.send(json.dumps(state("room-1", alarms=[alarm()])))
        await recv_until(nurse, room_is("room-1", contact="live"))
        await nurse.send(act("st-1", "room-1"))
        result = await recv_until(nurse, is_result("st-1"), 3)
        assert result == {"type": "act_result", "act_id": "st-1", "room_id": "room-1", "ok": True, "detail": "done"}
        assert len(acts) == 1
        sent = acts[0]
        assert (sent["command"], sent["args"], sent["staff_id"], sent["staff_name"]) == \
            ("acknowledge_alarm", {"alarm_id": "a-1"}, "ann", "Ann Lee")
        assert sent["act_id"] != "st-1"  # the hub's own id: two stations' act ids cannot collide at the room
        await nurse.send(act("st-2", "room-1", "answer_call", note="x"))
        assert (await recv_until(nurse, is_result("st-2"), 3))["ok"] is True
        with pytest.raises(TimeoutError):  # the other station did not ask: it gets no act_result
            await recv_until(other, lambda m: m.get("type") == "act_result", 0.5)
        answering.cancel()
        for ws in (room, nurse, other):
            await ws.close()
    run(go())
    with hub.db.connect() as c:  # the hub never writes the room's log
        assert c.one("SELECT count(*) FROM events")[0] == 0


def test_acts_refused_at_once_for_a_missing_room_or_a_command_not_for_stations(clinic):
    hub, tokens, cookie = clinic

    async def go():
        nurse = await station_client(hub.url, cookie=cookie)
        t0 = time.monotonic()
        await nurse.send(act("m-1", "room-2"))  # known, never connected
        assert (await recv_until(nurse, is_result("m-1"), 2))["detail"] == "room-2 is not connected to the hub"
        await nurse.send(act("m-2", "room-9"))  # unknown
        assert (await recv_until(nurse, is_result("m-2"), 2))["detail"] == "room-9 is not connected to the hub"
        assert time.monotonic() - t0 < 1.0
        await nurse.send(act("m-3", "room-1", "pause_audio"))
        refused = await recv_until(nurse, is_result("m-3"), 2)
        assert refused["ok"] is False and "not a station command" in refused["detail"]
        await nurse.send("{not json")
        assert (await recv_until(nurse, lambda m: m.get("type") == "act_result", 2))["ok"] is False
        await nurse.close()
    run(go())


def test_an_act_the_room_never_answers_fails_after_the_timeout(clinic):
    hub, tokens, cookie = clinic

    async def go():
        nurse = await station_client(hub.url, cookie=cookie)
        room = await live_room(nurse, hub.url, "room-1", tokens["room-1"])  # takes the act, never answers
        t0 = time.monotonic()
        await nurse.send(act("t-1", "room-1"))
        assert json.loads(await asyncio.wait_for(room.recv(), 2))["type"] == "act"
        result = await recv_until(nurse, is_result("t-1"), ACT_TIMEOUT_S + 2)
        assert result["ok"] is False and "did not answer" in result["detail"]
        assert ACT_TIMEOUT_S - 0.2 <= time.monotonic() - t0
        assert hub.live.pending == {}
        await room.close()
        await nurse.close()
    run(go())


def test_a_signed_out_station_may_no_longer_act(clinic):
    hub, tokens, cookie = clinic

    async def go():
        nurse = await station_client(hub.url, cookie=cookie)
        room = await live_room(nurse, hub.url, "room-1", tokens["room-1"])
        await asyncio.to_thread(httpx.post, hub.url + SIGNOUT_PATH, cookies={"rc_station": cookie}, timeout=5)
        await nurse.send(act("o-1", "room-1"))
        result = await recv_until(nurse, is_result("o-1"), 2)
        assert result["ok"] is False and "sign in again" in result["detail"]
        await room.close()
        await nurse.close()
    run(go())


def test_a_page_of_another_site_cannot_use_the_nurses_session(clinic):
    hub, tokens, cookie = clinic
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    from roomcontrol.sync.hub.live_messages import STATION_LIVE_PATH
    from tests.sync.live_helpers import ws_url

    async def go():
        with pytest.raises(InvalidStatus) as refused:
            await connect(ws_url(hub.url) + STATION_LIVE_PATH, open_timeout=5, origin="https://evil.example",
                          additional_headers={"Cookie": f"rc_station={cookie}"})
        assert refused.value.response.status_code == 403
        own = await connect(ws_url(hub.url) + STATION_LIVE_PATH, open_timeout=5,
                            origin=f"http://127.0.0.1:{hub.port}", additional_headers={"Cookie": f"rc_station={cookie}"})
        assert json.loads(await own.recv())["may_act"] is True  # the station page itself, same origin
        await own.close()
    run(go())
