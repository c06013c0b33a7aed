"""The one validation of an event, shared by the room (before it logs) and the hub (before it stores)."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from roomcontrol.domain import event_rules as R
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.store import database
from roomcontrol.store.eventlog import EventLog, verify_chain

SID = "0b6f6a0e-3f7c-4c4e-9b59-2a8f3b2f1c11"


def refusal(**fields) -> R.Problem:
    args = {"kind": "note.added", "actor": "rn.ada", "session_id": SID, "payload": {"text": "ok"}} | fields
    with pytest.raises(R.EventRefused) as info:
        R.check_event(**args)
    return info.value.problem


def test_a_good_event_gives_its_canonical_payload():
    assert R.check_event("note.added", "rn.ada", SID, {"b": 1, "a": [1.5, None, True]}) == \
        '{"a":[1.5,null,true],"b":1}'
    assert R.check_event("room.started", "system", None, {}, "2026-03-01T08:00:00.000Z") == "{}"
    assert R.check_event("device.lost", "nonin", "s-1", {"device": "pulse oximeter"}) is not None


@pytest.mark.parametrize("fields, field, words", [
    ({"actor": "a" * 65}, "actor", "1 to 64 characters (is 65)"),
    ({"actor": ""}, "actor", "1 to 64"),
    ({"actor": "rn ada"}, "actor", "a letter or digit"),
    ({"actor": 7}, "actor", "must be text"),
    ({"kind": "Note"}, "kind", "dotted lower-case"),
    ({"kind": "note.added\x00"}, "kind", "dotted lower-case"),
    ({"session_id": "s 1"}, "session_id", "letter or digit"),
    ({"session_id": "x" * 100}, "session_id", "1 to 64"),
    ({"ts": "2026-13-45T99:99:99.000Z"}, "ts", "not a real date"),
    ({"ts": "yesterday"}, "ts", "UTC with milliseconds"),
    ({"ts": 5}, "ts", "UTC with milliseconds"),
    ({"payload": [1]}, "payload", "a JSON object"),
    ({"payload": {"v": math.nan}}, "payload.v", "not a finite number"),
    ({"payload": {"v": [1, math.inf]}}, "payload.v[1]", "not a finite number"),
    ({"payload": {"v": {"w": "a\x00b"}}}, "payload.v.w", "NUL"),
    ({"payload": {3: "x"}}, "payload", "key 3 must be text"),
    ({"payload": {"when": datetime(2026, 1, 1, tzinfo=timezone.utc)}}, "payload.when", "datetime is not JSON"),
    ({"payload": {"big": "x" * R.MAX_PAYLOAD_BYTES}}, "payload", "bytes as JSON, over 262144"),
])
def test_each_rule_names_the_field_and_why(fields, field, words):
    problem = refusal(**fields)
    assert problem.field == field and words in problem.reason, problem
    assert str(problem).startswith(f"{field}: ")


def test_a_payload_nested_too_deep_is_refused():
    deep: dict = {}
    inner = deep
    for _ in range(R.MAX_DEPTH + 1):
        inner["x"] = {}
        inner = inner["x"]
    assert "nested deeper" in refusal(payload=deep).reason


def test_the_room_never_logs_what_the_hub_would_refuse(tmp_path):
    db = database.connect(tmp_path / "room.db")
    log = EventLog(db, "room-1")
    now = datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    log.append(NewEvent("note.added", {"text": "first"}, "rn.ada", "s-1"), now)
    with pytest.raises(Refused, match=r"actor: must be 1 to 64 characters") as info:
        log.append_many([NewEvent("note.added", {"text": "fine"}, "rn.ada"),
                         NewEvent("note.added", {"text": "x"}, "n" * 80)], now)
    assert isinstance(info.value, R.EventRefused) and info.value.problem.field == "actor"
    with pytest.raises(R.EventRefused, match="payload.v: inf is not a finite number"):
        log.append(NewEvent("note.added", {"v": math.inf}, "rn.ada"), now)
    # Nothing of the refused batch was written, and the log goes on chained after it.
    assert log.last_seq == 1
    log.append(NewEvent("note.added", {"text": "after"}, "rn.ada"), now)
    assert verify_chain(db).ok and verify_chain(db).checked == 2
    db.conn.close()
