"""The hub over loopback HTTP, on SQLite and PostgreSQL: idempotent ingest, chain checks, refusals, reads, TLS."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import httpx
import pytest

from roomcontrol.store.outbox import Outbox
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.batch_json import event as _event
from roomcontrol.sync.batch_json import vital as _vital
from roomcontrol.sync.pusher import SyncPusher
from tests.sync.helpers import ROOM, RoomDB, all_hub_events, all_hub_vitals, assert_exactly_once

BATCH = P.BATCH_PATH.format(room_id=ROOM)


@pytest.fixture
def room(tmp_path):
    r = RoomDB(tmp_path / "room.db")
    r.log_events(30)
    r.log_vitals(10)
    yield r
    r.close()


@pytest.fixture
def hub(hubdb):
    with ThreadedHub(hubdb) as h:
        yield h


def batch(room: RoomDB, after_seq: int = 0, n: int = 10, vitals_after: int = 0, n_vitals: int = 0) -> dict:
    ob = Outbox(room.path)
    try:
        return {"events": [_event(r) for r in ob.events_after(after_seq, n)],
                "vitals": [_vital(r) for r in ob.vitals_after(vitals_after, n_vitals)]}
    finally:
        ob.close()


def post(hub, token, body, path=BATCH):
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return httpx.post(hub.url + path, content=content, timeout=10,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def stored(hubdb) -> tuple[int, int]:
    return len(all_hub_events(hubdb)), len(all_hub_vitals(hubdb))


def test_ingest_is_idempotent_and_keeps_room_and_hub_time(hub, hubdb, token, room):
    b = batch(room, 0, 10, 0, 5)
    first = post(hub, token, b)
    assert first.status_code == 200, first.text
    assert first.json() | {"received_at": None} == {
        "room_id": ROOM, "accepted_events": 10, "duplicate_events": 0, "accepted_vitals": 5,
        "duplicate_vitals": 0, "last_seq": 10, "last_vitals_id": 5, "received_at": None, "quarantined": []}
    again = post(hub, token, b)  # the ack was lost: the same batch again is success, and stores nothing twice
    assert again.status_code == 200
    assert again.json()["duplicate_events"] == 10 and again.json()["accepted_events"] == 0
    assert again.json()["duplicate_vitals"] == 5
    overlap = post(hub, token, batch(room, 5, 10))  # seq 6..15: five held, five new
    assert overlap.json()["duplicate_events"] == 5 and overlap.json()["accepted_events"] == 5
    assert stored(hubdb) == (15, 5)
    events = all_hub_events(hubdb)
    assert events[0]["ts"] == "2026-03-01T08:00:00.000Z" and events[0]["received_at"].endswith("Z")
    assert events[0]["payload"] == {"text": "note 0", "n": 0, "w": 1.25}
    assert all_hub_vitals(hubdb)[0]["flags"] == ["artifact"]


@pytest.mark.parametrize("auth", [None, "rct_wrong", "reader"])
def test_wrong_token_is_refused_and_stores_nothing(hub, hubdb, token, room, auth):
    if auth == "reader":
        auth = hubstore.add_reader(hubdb, "reports")  # may read, may not push
    headers = {"Authorization": f"Bearer {auth}"} if auth else {}
    r = httpx.post(hub.url + BATCH, json=batch(room, 0, 10, 0, 5), headers=headers, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == P.UNAUTHORIZED
    assert stored(hubdb) == (0, 0)
    # A room's token is valid for that room only.
    other = hubstore.add_room(hubdb, "room-2")
    r = post(hub, other, batch(room, 0, 10))
    assert r.status_code == 401 and "room-1" in r.json()["detail"]
    assert stored(hubdb) == (0, 0)


def test_malformed_batches_are_refused_with_a_clear_error_and_store_nothing(hub, hubdb, token, room):
    good = batch(room, 0, 10, 0, 3)
    cases = {
        "not json": b"{events: [",
        "not an object": [1, 2],
        "missing field": {"events": [{k: v for k, v in good["events"][0].items() if k != "hash"}]},
        "wrong type": {"events": [{**good["events"][0], "seq": "1"}]},
        "unknown field": {**good, "extra": 1},
        "bad ts": {"vitals": [{**good["vitals"][0], "ts": "yesterday"}]},
        "bad vital": {"vitals": [{**good["vitals"][0], "value": "high"}]},
        "other room's event": {"events": [{**good["events"][0], "room_id": "room-9"}]},
    }
    for name, body in cases.items():
        r = post(hub, token, body)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"] == P.MALFORMED and r.json()["detail"], name
    detail = post(hub, token, cases["missing field"]).json()["detail"]
    assert "events[0].hash" in detail and "required" in detail.lower()
    too_many = post(hub, token, {"events": [good["events"][0]] * (P.MAX_BATCH_EVENTS + 1)})
    assert too_many.status_code == 422 and "5000" in too_many.json()["detail"]
    assert stored(hubdb) == (0, 0)


def test_an_oversized_body_is_refused_before_parsing(hubdb, token, room):
    small = ThreadedHub(hubdb, max_body_bytes=4096).start()  # the default is protocol.MAX_BODY_BYTES
    try:
        r = post(small, token, batch(room, 0, 30))
        assert r.status_code == 413 and r.json()["error"] == P.TOO_LARGE and "4096" in r.json()["detail"]
        assert stored(hubdb) == (0, 0)
        assert post(small, token, batch(room, 0, 2)).status_code == 200
        # The pusher halves its batches on 413 until they fit, so one oversized batch cannot block the outbox.
        pusher = SyncPusher(room.path, ROOM, small.url, token, batch_size=30, interval_s=60)
        result = pusher.sync_now()
        pusher.stop()
        assert result.ok, result.error
        assert pusher._batch < 30
        assert_exactly_once(hubdb, room.path)
    finally:
        small.stop()


def test_a_broken_chain_is_refused_reported_and_stores_nothing(hub, hubdb, token, room):
    assert post(hub, token, batch(room, 0, 10)).status_code == 200
    tampered = batch(room, 10, 10)
    tampered["events"][3]["payload"]["text"] = "edited"  # the row no longer matches its hash
    r = post(hub, token, tampered)
    assert r.status_code == 409 and r.json()["error"] == P.CHAIN_BROKEN and r.json()["seq"] == 14
    relinked = copy.deepcopy(batch(room, 10, 10))
    relinked["events"][0]["prev_hash"] = "f" * 64  # a valid row that does not chain onto what the hub holds
    from roomcontrol.domain.chain import row_hash
    e = relinked["events"][0]
    e["hash"] = row_hash(e["prev_hash"], e)
    r2 = post(hub, token, {"events": [e]})
    assert r2.status_code == 409 and r2.json()["error"] == P.CHAIN_BROKEN and r2.json()["seq"] == 11
    assert stored(hubdb) == (10, 0)
    reports = httpx.get(f"{hub.url}/api/v1/rooms/{ROOM}/reports", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(p["problem"], p["seq"]) for p in reports] == [("chain_broken", 11), ("chain_broken", 14)]
    rooms = httpx.get(f"{hub.url}/api/v1/rooms", headers={"Authorization": f"Bearer {token}"}).json()
    assert rooms[0]["reports"] == 2


def test_gaps_and_conflicts_are_refused_and_reported(hub, hubdb, token, room, tmp_path):
    assert post(hub, token, batch(room, 0, 10)).status_code == 200
    gap = post(hub, token, batch(room, 15, 5))
    assert gap.status_code == 409 and gap.json()["error"] == P.GAP and gap.json()["expected_seq"] == 11
    inner = batch(room, 10, 5)
    del inner["events"][2]
    assert post(hub, token, inner).json()["error"] == P.GAP
    other = RoomDB(tmp_path / "other.db")  # another log of the same room id: same seqs, other events
    other.log_events(5)
    conflict = post(hub, token, batch(other, 0, 5))
    other.close()
    assert conflict.status_code == 409 and conflict.json()["error"] == P.CONFLICT
    # A valid, chained next event that reuses the UUID of seq 3: the (room, id) key refuses it.
    from roomcontrol.domain.chain import row_hash
    reuse = batch(room, 10, 1)["events"][0]
    reuse["id"] = all_hub_events(hubdb)[2]["id"]
    reuse["hash"] = row_hash(reuse["prev_hash"], reuse)
    clash = post(hub, token, {"events": [reuse]})
    assert clash.status_code == 409 and clash.json()["error"] == P.CONFLICT
    assert stored(hubdb) == (10, 0)
    assert {p["problem"] for p in hubstore.read_reports(hubdb, ROOM)} == {"gap", "conflict"}
    assert post(hub, token, batch(room, 10, 20)).status_code == 200  # the room's real events still go in


def test_a_new_hub_gets_everything_again(hubdb, token, room, tmp_path):
    """The room's cursor says 30 were sent, the (new, empty) hub says it holds none: the pusher resends all."""
    ob = Outbox(room.path)
    ob.advance(30, 10, "2026-03-01T09:00:00.000Z")
    ob.close()
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=7, interval_s=60)
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok, result.error
    assert result.sent_events == 30 and result.sent_vitals == 10
    assert_exactly_once(hubdb, room.path)
    # Replaced between two checks: the next new event meets a gap, and the hub's expected_seq rewinds the cursor.
    from roomcontrol.sync.hub.db import HubDB
    fresh = HubDB(tmp_path / "fresh-hub.db")
    fresh_token = hubstore.add_room(fresh, ROOM)
    room.log_events(5)
    with ThreadedHub(fresh) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, fresh_token, batch_size=7, interval_s=60)
        pusher._hub_checked = True
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok and result.sent_events == 35
    assert_exactly_once(fresh, room.path)
    assert [p["problem"] for p in hubstore.read_reports(fresh, ROOM)] == ["gap"]
    fresh.close()
    # Replaced again, and only vitals are new: the ack's last_seq shows the hub lacks the events, so they follow.
    again = HubDB(tmp_path / "again-hub.db")
    again_token = hubstore.add_room(again, ROOM)
    room.log_vitals(3)
    with ThreadedHub(again) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, again_token, batch_size=50, interval_s=60)
        pusher._hub_checked = True
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok and result.sent_events == 35 and result.sent_vitals == 3
    assert_exactly_once(again, room.path)
    again.close()


def test_read_endpoints(hub, hubdb, token, room):
    assert post(hub, token, batch(room, 0, 30, 0, 10)).status_code == 200
    reader = hubstore.add_reader(hubdb, "reports")
    other = hubstore.add_room(hubdb, "room-2")
    get = lambda path, tok=reader, **params: httpx.get(hub.url + "/api/v1" + path, params=params,  # noqa: E731
                                                      headers={"Authorization": f"Bearer {tok}"}, timeout=10)
    assert [r["room_id"] for r in get("/rooms").json()] == ["room-1", "room-2"]
    assert [r["room_id"] for r in get("/rooms", other).json()] == ["room-2"]
    assert get(f"/rooms/{ROOM}", other).status_code == 401
    assert get("/rooms/nowhere").status_code == 404
    assert get("/rooms").status_code == 200 and httpx.get(hub.url + "/api/v1/rooms").status_code == 401
    assert get(f"/rooms/{ROOM}").json()["last_seq"] == 30
    events = get(f"/rooms/{ROOM}/events", after_seq=25, limit=3).json()
    assert [e["seq"] for e in events] == [26, 27, 28] and events[0]["payload"]["n"] == 25
    assert len(get(f"/rooms/{ROOM}/events", session_id="s-1").json()) == 30
    vitals = get(f"/rooms/{ROOM}/vitals", kind="heart_rate").json()
    assert len(vitals) == 10 and vitals[1]["value"] == 61.0
    sessions = get(f"/rooms/{ROOM}/sessions").json()
    assert sessions[0]["session_id"] == "s-1" and sessions[0]["events"] == 30
    assert get(f"/rooms/{ROOM}/sessions", limit=1).json() == sessions[:1]
    assert get(f"/rooms/{ROOM}/sessions", after_seq=sessions[0]["first_seq"]).json() == []  # the next page
    assert get(f"/rooms/{ROOM}/sessions", limit=5000).status_code == 422
    assert get(f"/rooms/{ROOM}/reports").json() == []
    spec = httpx.get(hub.url + "/openapi.json").json()
    assert "/api/v1/rooms/{room_id}/batches" in spec["paths"] and "Batch" in spec["components"]["schemas"]


def test_the_hub_keeps_only_a_hash_of_tokens(hubdb, token):
    with hubdb.connect() as c:
        text = json.dumps(c.all("SELECT * FROM rooms"))
    assert token not in text and hubstore.hash_token(token) in text
    new = hubstore.add_room(hubdb, ROOM)  # a new token voids the old one
    with pytest.raises(hubstore.Refusal):
        hubstore.authenticate(hubdb, token)
    assert hubstore.authenticate(hubdb, new).room_id == ROOM
    with pytest.raises(ValueError):
        hubstore.add_room(hubdb, "no spaces allowed")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls(hubdb, token, room, tmp_path):
    cert, key = tmp_path / "hub.crt", tmp_path / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hub",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    with ThreadedHub(hubdb, certfile=cert, keyfile=key) as hub:
        assert hub.url.startswith("https://")
        untrusted = SyncPusher(room.path, ROOM, hub.url, token, interval_s=60)
        failed = untrusted.sync_now()
        untrusted.stop()
        assert not failed.ok and failed.status.state == "offline" and "CERTIFICATE" in failed.error.upper()
        pusher = SyncPusher(room.path, ROOM, hub.url, token, interval_s=60, verify=str(cert))
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok, result.error
    assert_exactly_once(hubdb, room.path)


def test_cli_support_hub_functions(hub_url, tmp_path):
    from roomcontrol.sync import cli_support
    from roomcontrol.sync.hub.db import HubDB
    token = cli_support.hub_add_room(hub_url, ROOM)
    assert token.startswith("rct_") and len(token) > 40
    room = RoomDB(tmp_path / "room.db")
    room.log_events(12)
    db = HubDB(hub_url)
    try:
        assert hubstore.authenticate(db, token).room_id == ROOM
        with ThreadedHub(db) as hub:
            pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=5)
            assert pusher.sync_now().ok
            pusher.stop()
        assert cli_support.hub_verify(hub_url, ROOM) == {"ok": True, "checked": 12, "quarantined": []}
        with db.connect() as c, c.write():
            c.execute("UPDATE events SET payload = ? WHERE room_id = ? AND seq = 5", ['{"text":"edited"}', ROOM])
        bad = cli_support.hub_verify(hub_url, ROOM)
        assert not bad["ok"] and bad["first_bad_seq"] == 5 and bad["checked"] == 4
        assert "/api/v1/rooms/{room_id}/events" in json.loads(cli_support.hub_openapi())["paths"]
    finally:
        db.close()
        room.close()
