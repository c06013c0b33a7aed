"""Issue #14 (hub side): the live channel on a real hub on loopback with real `websockets` clients: who may open
which socket, state fan-out, contact lost, malformed messages, escalation with its webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from websockets.exceptions import InvalidStatus

from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.live_messages import CONTACT_LOST_S, MAX_MESSAGE_BYTES
from roomcontrol.sync.hub.server import ThreadedHub
from tests.sync.live_helpers import (alarm, heartbeat, live_room, recv_until, room_client, room_is, run, state,
                                     station_client)


@pytest.fixture
def clinic(tmp_path):
    db = HubDB(tmp_path / "hub.db")
    tokens = {room: hubstore.add_room(db, room) for room in ("room-1", "room-2", "room-3")}
    reader = hubstore.add_reader(db, "wall")
    yield db, tokens, reader
    db.close()


@pytest.fixture
def hub(clinic):
    with ThreadedHub(clinic[0]) as hub:
        yield hub


def refused_status(coro) -> int:
    async def go():
        with pytest.raises(InvalidStatus) as refused:
            await coro
        return refused.value.response.status_code
    return run(go())


def test_room_socket_needs_its_own_room_token(hub, clinic):
    _, tokens, reader = clinic
    assert refused_status(room_client(hub.url, "room-1", None)) == 403
    assert refused_status(room_client(hub.url, "room-1", "rct_not-a-token")) == 403
    assert refused_status(room_client(hub.url, "room-1", tokens["room-2"])) == 403  # another room's token
    assert refused_status(room_client(hub.url, "room-1", reader)) == 403  # a reader watches, never publishes
    assert hub.live.local == {} and all(r["contact"] == "never" for r in hub.live.views.values())


def test_station_socket_needs_a_session_or_a_reader_token(hub, clinic):
    _, tokens, reader = clinic
    assert refused_status(station_client(hub.url)) == 403
    assert refused_status(station_client(hub.url, reader="rct_wrong")) == 403
    assert refused_status(station_client(hub.url, reader=tokens["room-1"])) == 403  # a room token is no station
    assert refused_status(station_client(hub.url, cookie="not-a-session")) == 403
    assert not hub.live.stations


def test_reader_sees_every_room_and_may_not_act(hub, clinic):
    _, tokens, reader = clinic

    async def go():
        room = await room_client(hub.url, "room-1", tokens["room-1"])
        await room.send(json.dumps(state("room-1", alarms=[alarm()])))
        await asyncio.sleep(0.3)
        station = await station_client(hub.url, reader=reader)
        hello = json.loads(await station.recv())
        assert hello == {"type": "hello", "staff": None, "may_act": False, "escalate_after_s": 60.0}
        snapshot = json.loads(await station.recv())
        rooms = {r["room_id"]: r for r in snapshot["rooms"]}
        assert set(rooms) == {"room-1", "room-2", "room-3"}  # every room the hub knows, connected or not
        assert rooms["room-1"]["contact"] == "live" and rooms["room-1"]["alarms"][0]["text"] == "SpO₂ 85 < 90"
        assert rooms["room-1"]["last_heard"].endswith("Z")
        assert rooms["room-2"]["contact"] == "never" and rooms["room-2"]["last_heard"] is None
        await station.send(json.dumps({"type": "act", "act_id": "x1", "room_id": "room-1",
                                       "command": "acknowledge_alarm", "args": {"alarm_id": "a-1"}}))
        answer = await recv_until(station, lambda m: m["type"] == "act_result")
        assert answer["act_id"] == "x1" and answer["ok"] is False and "watch only" in answer["detail"]
        await room.close()
        await station.close()
    run(go())


def test_state_fans_out_to_every_station_at_once(hub, clinic):
    _, tokens, reader = clinic

    async def go():
        stations = [await station_client(hub.url, reader=reader) for _ in range(2)]
        room = await room_client(hub.url, "room-2", tokens["room-2"])
        await room.send(json.dumps(state("room-2")))
        for s in stations:
            await recv_until(s, room_is("room-2", contact="live"))
        await room.send(json.dumps(state("room-2", alarms=[alarm(text="SpO₂ 84 < 90")],
                                         call={"called_at": "2026-11-27T14:03:00.000Z", "waiting_s": 1.0,
                                               "presses": 1})))
        for s in stations:
            got = await recv_until(s, lambda m: m.get("type") == "room" and m["room"]["alarms"], 2)
            assert got["room"]["alarms"][0]["text"] == "SpO₂ 84 < 90" and got["room"]["call"]["presses"] == 1
            assert got["room"]["session"]["patient"] == "J.D." and got["room"]["vitals"]["hr"]["value"] == 72
        await room.close()
        for s in stations:
            await s.close()
    run(go())


def test_contact_lost_within_5_s_when_the_socket_closes_or_the_room_goes_silent(hub, clinic):
    _, tokens, reader = clinic

    async def go():
        station = await station_client(hub.url, reader=reader)
        closing = await live_room(station, hub.url, "room-1", tokens["room-1"])
        silent = await live_room(station, hub.url, "room-2", tokens["room-2"])
        closed_at = time.monotonic()
        await closing.close()
        await recv_until(station, room_is("room-1", contact="lost"), 5)
        assert time.monotonic() - closed_at < 1.0  # a closed socket is lost at once
        await silent.send(json.dumps(state("room-2")))
        last_sent = time.monotonic()
        lost = await recv_until(station, room_is("room-2", contact="lost"), 6)
        took = time.monotonic() - last_sent
        assert CONTACT_LOST_S <= took < 5.0, took  # silent, though its socket is still open
        assert lost["room"]["last_heard"] is not None
        await silent.send(json.dumps(state("room-2")))  # it speaks again: live again
        await recv_until(station, room_is("room-2", contact="live"), 2)
        await silent.close()
        await station.close()
    run(go())


def test_malformed_room_messages_are_counted_and_skipped_not_fatal(hub, clinic):
    _, tokens, reader = clinic

    async def go():
        station = await station_client(hub.url, reader=reader)
        room = await room_client(hub.url, "room-1", tokens["room-1"])
        bad = ["not json", "[1, 2]", json.dumps({"type": "nonsense"}),
               json.dumps(state("room-2")),                            # another room's id: refused
               json.dumps({**state("room-1"), "alarms": [{"alarm_id": "x"}]}),  # an alarm without its fields
               json.dumps({**state("room-1"), "session": {"dose_mg": "a lot"}}),
               json.dumps({**state("room-1"), "pad": "x" * MAX_MESSAGE_BYTES}),  # over the size limit
               json.dumps({"type": "act_result", "ok": True})]  # no act_id
        for text in bad:
            await room.send(text)
        await room.send(json.dumps(state("room-1", phase="recovery")))  # the socket is still good
        got = await recv_until(station, room_is("room-1", contact="live"))
        assert got["room"]["phase"] == "recovery"
        assert hub.live.malformed["room-1"] == len(bad)
        rooms = {r: v for r, v in hub.live.views.items()}
        assert rooms["room-2"]["contact"] == "never"  # room-1 could not publish room-2
        await room.close()
        await station.close()
    run(go())


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.received.append(body)
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Hook.received, _Hook.fail_first = [], 1  # the first try fails: the hub retries
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/page", _Hook.received
    server.shutdown()
    server.server_close()


def test_unacknowledged_alarm_and_call_escalate_once_on_every_station_and_the_webhook(clinic, webhook_server):
    db, tokens, reader = clinic
    url, posts = webhook_server

    async def go(hub):
        stations = [await station_client(hub.url, reader=reader) for _ in range(2)]
        room = await room_client(hub.url, "room-3", tokens["room-3"])
        waiting = state("room-3", alarms=[alarm("a-7", "SpO₂ 85 < 90")],
                        call={"called_at": "2026-11-27T14:03:00.000Z", "waiting_s": 0.0, "presses": 1})
        beat = asyncio.create_task(heartbeat(room, waiting, 0.3))
        for s in stations:
            got = await recv_until(s, lambda m: m.get("type") == "room" and m["room"]["escalated"] == ["a-7", "call"],
                                   5)
            assert got["room"]["alarms"][0]["escalated"] is True
        await asyncio.sleep(2.5)  # heartbeats go on, the webhook's retry lands: still one post each
        acknowledged = {**alarm("a-7"), "acknowledged_by": "ann"}
        beat.cancel()
        await room.send(json.dumps(state("room-3", alarms=[acknowledged])))
        got = await recv_until(stations[0], lambda m: m.get("type") == "room" and m["room"]["escalated"] == [], 3)
        assert got["room"]["alarms"][0]["escalated"] is False
        await room.close()
        for s in stations:
            await s.close()

    with ThreadedHub(db, live={"escalate_after_s": 0.6, "webhook_url": url}) as hub:
        run(go(hub))
    assert sorted((p["what"], p["text"]) for p in posts) == [("alarm", "SpO₂ 85 < 90"), ("call", "nurse call")]
    assert all(p["room_id"] == "room-3" and p["room_name"] == "Room 3" for p in posts)
    assert {p["since"] for p in posts} == {"2026-11-27T14:02:07.120Z", "2026-11-27T14:03:00.000Z"}


def test_serve_flags_and_workers_refused_on_sqlite(tmp_path):
    import subprocess
    import sys

    from roomcontrol.cli.parser import build_parser
    from tests.sync.helpers import ROOT
    args = build_parser().parse_args(["hub", "serve", "--workers", "3", "--escalate-after-s", "30", "--webhook",
                                      "https://pager.example/hook"])
    assert (args.workers, args.escalate_after_s, args.webhook) == (3, 30.0, "https://pager.example/hook")
    done = subprocess.run([sys.executable, "-m", "roomcontrol.sync.hub", "serve", "--db", str(tmp_path / "hub.db"),
                           "--workers", "2"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "a SQLite hub is one process" in done.stderr
    done = subprocess.run([sys.executable, "-m", "roomcontrol.sync.hub", "serve", "--db", str(tmp_path / "hub.db"),
                           "--webhook", "pager.example"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--webhook 'pager.example'" in done.stderr


def test_a_room_that_reconnects_replaces_its_old_socket_without_a_lost_blip(hub, clinic):
    _, tokens, reader = clinic

    async def go():
        station = await station_client(hub.url, reader=reader)
        old = await live_room(station, hub.url, "room-1", tokens["room-1"])
        new = await room_client(hub.url, "room-1", tokens["room-1"])  # before the old socket is seen closed
        await asyncio.wait_for(old.wait_closed(), 3)
        assert old.close_code == 4000
        await new.send(json.dumps(state("room-1", phase="recovery")))
        await recv_until(station, room_is("room-1", phase="recovery", contact="live"))
        with pytest.raises(TimeoutError):
            await recv_until(station, room_is("room-1", contact="lost"), 1.0)
        await new.close()
        await station.close()
    run(go())


def test_a_webhook_that_is_down_never_holds_up_the_stations(clinic):
    import socket
    db, tokens, reader = clinic
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"

    async def go(hub):
        station = await station_client(hub.url, reader=reader)
        room = await room_client(hub.url, "room-1", tokens["room-1"])
        beat = asyncio.create_task(heartbeat(room, state("room-1", alarms=[alarm()]), 0.3))
        await recv_until(station, lambda m: m.get("type") == "room" and m["room"]["escalated"] == ["a-1"], 5)
        t0 = time.monotonic()
        await recv_until(station, room_is("room-1", contact="live"), 1)  # heartbeats flow while it retries
        assert time.monotonic() - t0 < 1
        deadline = time.monotonic() + 8
        while hub.live.webhook.failed == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert hub.live.webhook.failed == 1 and hub.live.webhook.sent == 0  # tried, retried, gave up, logged
        beat.cancel()
        await room.close()
        await station.close()

    with ThreadedHub(db, live={"escalate_after_s": 0.3, "webhook_url": dead}) as hub:
        run(go(hub))
