"""Issue #14 item 5: many hub processes, one clinic. On a real PostgreSQL (ROOMCONTROL_TEST_PG_URL, see
scripts/ci-postgres.sh): two hubs on one database share the live channel through LISTEN/NOTIFY, and
`serve --workers 2` serves stations that see every room."""

from __future__ import annotations

import asyncio
import base64
import json
import os

from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.live_bus import NOTIFY_LIMIT
from roomcontrol.sync.hub.server import ThreadedHub
from tests.sync.helpers import served_hub
from roomcontrol.sync.hub import staff as hubstaff
from tests.sync.live_helpers import (alarm, answer_acts, recv_until, room_client, room_is, run, signed_in,
                                     state, station_client)


def test_a_room_on_hub_a_is_seen_on_hub_b(pg_url):
    db_a, db_b = HubDB(pg_url), HubDB(pg_url)
    token = hubstore.add_room(db_a, "room-1")
    reader = hubstore.add_reader(db_a, "wall")
    hubstaff.add_staff(db_a, "ann", "Ann Lee", "nurse", "2580")
    # A state too large for one NOTIFY even compressed (incompressible vitals): it crosses via live_spill.
    noise = {f"k{i}": {"value": i, "unit": "x", "note": base64.b64encode(os.urandom(600)).decode()}
             for i in range(20)}
    big = state("room-1", phase="big", vitals=noise)
    assert len(json.dumps(big)) > 2 * NOTIFY_LIMIT

    async def go(a, b):
        station = await station_client(b.url, reader=reader)
        nurse = await station_client(b.url, cookie=signed_in(b.url, "ann", "2580"))
        room = await room_client(a.url, "room-1", token)
        await room.send(json.dumps(state("room-1", phase="infusing", alarms=[alarm()])))
        got = await recv_until(station, room_is("room-1", contact="live"), 5)
        assert got["room"]["phase"] == "infusing"
        await recv_until(nurse, room_is("room-1", contact="live"), 5)
        acts: list[dict] = []
        answering = asyncio.create_task(answer_acts(room, acts))  # the room on A answers the act from B
        await nurse.send(json.dumps({"type": "act", "act_id": "pg-1", "room_id": "room-1",
                                     "command": "acknowledge_alarm", "args": {"alarm_id": "a-1"}}))
        result = await recv_until(nurse, lambda m: m.get("type") == "act_result", 5)
        assert result["act_id"] == "pg-1" and result["ok"] is True and acts[0]["staff_id"] == "ann"
        answering.cancel()
        await nurse.close()
        await room.send(json.dumps(big))
        got = await recv_until(station, room_is("room-1", phase="big"), 5)
        assert got["room"]["vitals"] == big["vitals"]
        await room.close()  # closed on A: lost on B
        await recv_until(station, room_is("room-1", contact="lost"), 5)
        await station.close()

    try:
        with ThreadedHub(db_a) as a, ThreadedHub(db_b) as b:
            assert a.live.bus.channel == b.live.bus.channel != "roomcontrol_live"  # this test's schema only
            run(go(a, b), 40)
    finally:
        db_a.close()
        db_b.close()


def test_serve_with_two_workers_serves_stations_that_see_every_room(pg_url):
    db = HubDB(pg_url)
    tokens = {f"room-{i}": hubstore.add_room(db, f"room-{i}") for i in range(1, 5)}
    reader = hubstore.add_reader(db, "wall")
    db.close()

    async def go(url):
        # Several sockets each way: the kernel spreads them over both workers; every station sees every room.
        stations = [await station_client(url, reader=reader) for _ in range(4)]
        rooms = {r: await room_client(url, r, t) for r, t in tokens.items()}
        for _ in range(2):
            for room_id, ws in rooms.items():
                await ws.send(json.dumps(state(room_id)))
            await asyncio.sleep(0.3)
        for station in stations:
            seen: set[str] = set()
            while seen != set(tokens):
                got = await recv_until(station, lambda m: m.get("type") == "room"
                                       and m["room"]["contact"] == "live", 5)
                seen.add(got["room"]["room_id"])
        for ws in [*rooms.values(), *stations]:
            await ws.close()

    with served_hub(pg_url, "--workers", "2") as (_proc, _port, url):
        run(go(url), 40)
