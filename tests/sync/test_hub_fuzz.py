"""Issue #13: a property-based fuzz of the hub's OpenAPI (schemathesis) against a real hub on loopback, with a
room token and a reader token. Fails on any 5xx, or a response outside the description (status or body).
Bounded: a few dozen cases per operation, seconds in all."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from schemathesis.checks import not_a_server_error

from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.app import create_app, dump_openapi
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from tests.sync.helpers import ROOM, RoomDB
from tests.sync.test_hub import batch

MAX_EXAMPLES = 30


def _spec() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = HubDB(Path(tmp) / "spec.db")
        try:
            return json.loads(dump_openapi(create_app(db)))
        finally:
            db.close()


schema = schemathesis.openapi.from_dict(_spec())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
RAN: dict[str, int] = {}


@pytest.fixture(scope="module")
def fuzzed_hub(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz")
    db = HubDB(path / "hub.db")
    token = hubstore.add_room(db, ROOM)
    reader = hubstore.add_reader(db, "fuzz")
    room = RoomDB(path / "room.db")
    room.log_events(20)
    room.log_vitals(5)
    with ThreadedHub(db) as hub:
        import httpx
        httpx.post(f"{hub.url}/api/v1/rooms/{ROOM}/batches", json=batch(room, 0, 10, 0, 5),
                   headers={"Authorization": f"Bearer {token}"}, timeout=10).raise_for_status()
        yield hub, token, reader
    room.close()
    db.close()
    print(f"\nschemathesis: {sum(RAN.values())} cases over {len(RAN)} operations, 0 with a 5xx: {RAN}")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_hub_answers_every_generated_request_within_its_description(case, fuzzed_hub):
    hub, token, reader = fuzzed_hub
    if "room_id" in (case.path_parameters or {}) and case.operation.method.upper() == "POST":
        case.path_parameters["room_id"] = ROOM  # the batch endpoint past the token check, most of the time
    use = token if case.operation.method.upper() == "POST" else reader
    case.call_and_validate(base_url=hub.url, headers={"Authorization": f"Bearer {use}"}, checks=CHECKS)
    key = f"{case.operation.method.upper()} {case.operation.path}"
    RAN[key] = RAN.get(key, 0) + 1
