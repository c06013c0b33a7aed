"""A batch as it travels to the hub: outbox rows (events and vitals, as store/outbox.py reads them) to the JSON body
the hub's POST /rooms/{room}/batch takes (roomcontrol/sync/protocol.py)."""

from __future__ import annotations

import json
import math

_str = json.encoder.encode_basestring_ascii  # a JSON string literal (C), for the fields around the payload


def batch_body(events: list[tuple], vitals: list[tuple]) -> str:
    return (f'{{"events":[{",".join(map(event_json, events))}],'
            f'"vitals":{json.dumps([vital(r) for r in vitals], separators=(",", ":"))}}}')


def event_json(r: tuple) -> str:
    """One event as JSON with its stored payload text spliced in as is: it is the canonical JSON the room hashed,
    so it need not be decoded and encoded again (about half the pusher's CPU per batch)."""
    return (f'{{"seq":{int(r[0])},"id":{_str(r[1])},"room_id":{_str(r[2])},'
            f'"session_id":{"null" if r[3] is None else _str(r[3])},"ts":{_str(r[4])},"kind":{_str(r[5])},'
            f'"actor":{_str(r[6])},"payload":{r[7]},"prev_hash":{_str(r[8])},"hash":{_str(r[9])}}}')


def event(r: tuple) -> dict:
    """One event as a dict (what `event_json` writes), for code that edits a batch before sending it (tests)."""
    return dict(json.loads(event_json(r)))


def vital(r: tuple) -> dict:
    # A non-finite value is not JSON and would be refused for ever, blocking the outbox behind it: "no value".
    value = r[3] if r[3] is None or math.isfinite(r[3]) else None
    return {"id": r[0], "session_id": r[1], "kind": r[2], "value": value, "unit": r[4], "ts": r[5],
            "device_ts": r[6], "flags": json.loads(r[7]) if r[7] else [], "source": r[8]}
