"""Issue #13 at the hub, on SQLite and PostgreSQL: quarantine of events that chain but break the event rules,
vitals conflicts, no 500 from unchecked input, folded reports, and an API description that tells the truth."""

from __future__ import annotations

import copy
import json
import sqlite3

import httpx
import pytest

from roomcontrol.domain.chain import row_hash
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from tests.sync.helpers import ROOM, all_hub_events, all_hub_vitals
from tests.sync.test_hub import BATCH, batch, hub, post, room, stored  # noqa: F401  (fixtures)

API = "/api/v1"


def rechain(events: list[dict], start: int, **changes) -> list[dict]:
    """events[start] with `changes`, and the hashes from there on made again: a chain that holds."""
    out = copy.deepcopy(events)
    out[start].update(changes)
    for i in range(start, len(out)):
        if i:
            out[i]["prev_hash"] = out[i - 1]["hash"]
        out[i]["hash"] = row_hash(out[i]["prev_hash"], out[i])
    return out


def get(hub, token, path, **params):
    return httpx.get(hub.url + API + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_an_event_that_chains_but_breaks_the_rules_is_quarantined_and_the_log_goes_on(hub, hubdb, token, room):
    events = batch(room, 0, 10)["events"]
    events = rechain(events, 2, actor="n" * 80)                       # the old room logged any actor length
    events = rechain(events, 5, ts="2026-13-45T99:99:99.000Z")        # the form of a date, but none
    first = post(hub, token, {"events": events[:8]})
    assert first.status_code == 200, first.text
    ack = first.json()
    assert ack["accepted_events"] == 6 and ack["last_seq"] == 8
    assert [q["seq"] for q in ack["quarantined"]] == [3, 6]
    assert ack["quarantined"][0]["reason"].startswith("actor: must be 1 to 64 characters (is 80)")
    assert "ts: is not a real date" in ack["quarantined"][1]["reason"]
    # The room's next batch chains on through them; a resend is a duplicate and names them again.
    nxt = post(hub, token, {"events": events[6:]})
    assert nxt.status_code == 200 and nxt.json()["accepted_events"] == 2 and nxt.json()["duplicate_events"] == 2
    again = post(hub, token, {"events": events[:8]}).json()
    assert again["duplicate_events"] == 8 and [q["seq"] for q in again["quarantined"]] == [3, 6]
    assert [e["seq"] for e in all_hub_events(hubdb)] == [1, 2, 4, 5, 7, 8, 9, 10]
    # The hub shows them: the read endpoint (room or reader token) and `hub verify`, whose walk goes through.
    reader = hubstore.add_reader(hubdb, "reports")
    shown = get(hub, reader, f"/rooms/{ROOM}/quarantine").json()
    assert [(q["seq"], q["id"], q["row"]["actor"]) for q in shown] == [(3, events[2]["id"], "n" * 80),
                                                                       (6, events[5]["id"], events[5]["actor"])]
    assert get(hub, token, f"/rooms/{ROOM}/quarantine", after_seq=3).json()[0]["seq"] == 6
    verified = hubstore.verify_room(hubdb, ROOM, page=3)
    assert verified["ok"] and verified["checked"] == 10 and [q["seq"] for q in verified["quarantined"]] == [3, 6]
    # A quarantined seq sent again with other content is a conflict, as for any held event.
    other = rechain(events, 2, actor="m" * 80)
    assert post(hub, token, {"events": other[2:3]}).json()["error"] == P.CONFLICT


def test_a_tampered_row_is_found_by_verify_even_among_quarantined_ones(hubdb, token, room):
    events = rechain(batch(room, 0, 6)["events"], 1, kind="Not A Kind")
    hubstore.ingest(hubdb, ROOM, events, [])
    with hubdb.connect() as c, c.write():
        c.execute("UPDATE events SET actor = ? WHERE room_id = ? AND seq = 4", ["mallory", ROOM])
    bad = hubstore.verify_room(hubdb, ROOM)
    assert not bad["ok"] and bad["first_bad_seq"] == 4 and bad["checked"] == 3


def test_a_broken_chain_is_still_refused_whole(hub, hubdb, token, room):
    events = batch(room, 0, 5)["events"]
    events[2]["actor"] = "n" * 80  # content breaks the rules AND the hash no longer holds
    r = post(hub, token, {"events": events})
    assert r.status_code == 409 and r.json()["error"] == P.CHAIN_BROKEN and r.json()["seq"] == 3
    assert stored(hubdb) == (0, 0) and hubstore.read_quarantine(hubdb, ROOM) == []


def test_a_vitals_id_with_other_content_is_a_conflict_and_stores_nothing(hub, hubdb, token, room):
    b = batch(room, 0, 2, 0, 5)
    assert post(hub, token, b).status_code == 200
    assert post(hub, token, b).json()["duplicate_vitals"] == 5  # the same content again: idempotent
    forged = copy.deepcopy(batch(room, 2, 3, 0, 6))
    forged["vitals"][1]["value"] = 200.0  # a row the hub holds, other content
    r = post(hub, token, forged)
    assert r.status_code == 409 and r.json()["error"] == P.CONFLICT and r.json()["vital_id"] == 2
    assert "vitals id 2" in r.json()["detail"]
    twice = {"vitals": [b["vitals"][0] | {"id": 50}, b["vitals"][1] | {"id": 50}]}  # one id, two rows
    assert post(hub, token, twice).json()["error"] == P.CONFLICT
    assert stored(hubdb) == (2, 5) and all_hub_vitals(hubdb)[1]["value"] == 61.0
    assert {p["problem"] for p in hubstore.read_reports(hubdb, ROOM)} == {"conflict"}
    # Rows planted ahead of the room by someone holding its token: the room's real rows are a conflict, reported.
    assert post(hub, token, {"vitals": [b["vitals"][0] | {"id": 6, "value": 1.0}]}).status_code == 200
    real = post(hub, token, batch(room, 2, 0, 5, 5))
    assert real.status_code == 409 and real.json()["vital_id"] == 6


def test_unchecked_input_is_422_never_500(hub, hubdb, token, room):
    big = 2 ** 63
    reader = hubstore.add_reader(hubdb, "reports")
    for path, params in ((f"/rooms/{ROOM}/events", {"after_seq": big}), (f"/rooms/{ROOM}/vitals", {"after_id": big}),
                         (f"/rooms/{ROOM}/reports", {"before_id": big}), (f"/rooms/{ROOM}/sessions", {"after_seq": big}),
                         (f"/rooms/{ROOM}/events", {"kind": "note\x00"}),
                         (f"/rooms/{ROOM}/vitals", {"session_id": "s\x00"}), ("/rooms/a%00b", {})):
        r = get(hub, reader, path, **params)
        assert r.status_code == 422 and r.json()["error"] == P.MALFORMED, (path, params, r.text)
    good = batch(room, 0, 1, 0, 1)
    text = json.dumps(good)
    event, vital = good["events"][0], good["vitals"][0]
    bodies = {
        "vitals id over 2^63-1": json.dumps({"vitals": [vital | {"id": big}]}),
        "seq over 2^63-1": json.dumps({"events": [event | {"seq": big}]}),
        "NaN payload": text.replace('"w": 1.25', '"w": NaN'),
        "Infinity payload": text.replace('"w": 1.25', '"w": Infinity'),
        "1e999 payload": text.replace('"w": 1.25', '"w": 1e999'),
        "NaN value": json.dumps({"vitals": [vital]}).replace('"value": 60.0', '"value": NaN'),
        "1e999 value": json.dumps({"vitals": [vital]}).replace('"value": 60.0', '"value": 1e999'),
        "NUL in a payload": json.dumps({"events": [event | {"payload": {"t": "a\x00"}}]}),
        "NUL in a vitals kind": json.dumps({"vitals": [vital | {"kind": "heart\x00rate"}]}),
        "no such date": json.dumps({"vitals": [vital | {"ts": "2026-13-45T99:99:99.000Z"}]}),
        "no such device date": json.dumps({"vitals": [vital | {"device_ts": "2026-02-30T08:00:00.000Z"}]}),
    }
    for name, body in bodies.items():
        assert body != text, name
        r = post(hub, token, body)
        assert r.status_code == 422 and r.json()["error"] == P.MALFORMED, (name, r.text)
    assert "finite" in post(hub, token, bodies["1e999 payload"]).json()["detail"]
    assert "real date" in post(hub, token, bodies["no such date"]).json()["detail"]
    assert stored(hubdb) == (0, 0)
    other = post(hub, token, good, path=P.BATCH_PATH.format(room_id="room-2"))
    assert other.status_code == 401  # another room's path with this room's token


def test_repeated_refusals_fold_into_one_report(hub, hubdb, token, room):
    assert post(hub, token, batch(room, 0, 5)).status_code == 200
    gap = batch(room, 10, 3)
    for _ in range(40):
        assert post(hub, token, gap).json()["error"] == P.GAP
    assert post(hub, token, batch(room, 11, 3)).json()["error"] == P.GAP
    reports = get(hub, token, f"/rooms/{ROOM}/reports").json()
    assert [(p["seq"], p["count"]) for p in reports] == [(12, 1), (11, 40)]
    assert reports[1]["last_seen"] >= reports[1]["at"]


def test_a_hub_database_from_before_the_fold_is_upgraded(tmp_path):
    path = tmp_path / "old-hub.db"
    raw = sqlite3.connect(path)
    raw.executescript("CREATE TABLE hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "INSERT INTO hub_meta VALUES ('schema_version', '1');"
                      "CREATE TABLE reports (report_id INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, "
                      "at TEXT NOT NULL, problem TEXT NOT NULL, seq BIGINT, detail TEXT NOT NULL);"
                      "INSERT INTO reports (room_id, at, problem, seq, detail) VALUES ('room-1', 'then', 'gap', 3, 'x')")
    raw.close()
    db = HubDB(path)
    assert hubstore.read_reports(db, ROOM)[0] | {"report_id": None} == {
        "report_id": None, "at": "then", "problem": "gap", "seq": 3, "detail": "x", "count": 1, "last_seen": None}
    db.close()


def test_the_api_description_tells_the_truth(hub):
    spec = httpx.get(hub.url + "/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            responses = op["responses"]
            if path.startswith(API + "/rooms"):
                assert responses["401"]["content"]["application/json"]["schema"] == problem, (path, method)
                assert responses["422"]["content"]["application/json"]["schema"] == problem, (path, method)
            if "{room_id}" in path and method == "get":
                assert "404" in responses, path
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    batch_op = spec["paths"][API + "/rooms/{room_id}/batches"]["post"]
    room_param = next(p for p in batch_op["parameters"] if p["name"] == "room_id")
    assert "own room" in room_param["description"]
    schemas = spec["components"]["schemas"]
    assert "quarantined" in schemas["BatchAck"]["properties"]
    assert "the batch's room" in schemas["EventIn"]["properties"]["room_id"]["description"]
    assert schemas["VitalIn"]["properties"]["id"]["maximum"] == 2 ** 63 - 1
