"""The hash chain of the event log: SHA-256 over the previous hash and the canonical JSON of the row.

Pure, so the room, the hub and `log verify` all compute exactly the same thing.
"""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64
# The row fields the hash covers, in the canonical JSON (key order does not matter: keys are sorted).
HASHED_FIELDS = ("seq", "id", "room_id", "session_id", "ts", "kind", "actor", "payload")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_string = json.encoder.encode_basestring  # the C string encoder that _ENCODER uses too


def canonical_json(value) -> str:
    return _ENCODER.encode(value)


def row_hash(prev_hash: str, row: dict, payload_json: str | None = None) -> str:
    """`row` holds HASHED_FIELDS with `payload` as a dict; pass `payload_json` (its canonical JSON) if at hand.

    The body is exactly canonical_json(row), written out field by field (keys in sorted order) so that the
    hot path of every append encodes the payload once and nothing else through the general encoder.
    """
    if payload_json is None:
        payload_json = canonical_json(row["payload"])
    sid = row["session_id"]
    body = (f'{{"actor":{_string(row["actor"])},"id":{_string(row["id"])},"kind":{_string(row["kind"])},'
            f'"payload":{payload_json},"room_id":{_string(row["room_id"])},"seq":{int(row["seq"])},'
            f'"session_id":{"null" if sid is None else _string(sid)},"ts":{_string(row["ts"])}}}')
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
