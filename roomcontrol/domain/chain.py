"""The hash chain of the event log: SHA-256 over the previous hash and the canonical JSON of the row.

Pure, so the room, the hub and `log verify` all compute exactly the same thing.
"""

from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64
# The row fields the hash covers, in the canonical JSON (key order does not matter: keys are sorted).
HASHED_FIELDS = ("seq", "id", "room_id", "session_id", "ts", "kind", "actor", "payload")


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def row_hash(prev_hash: str, row: dict, payload_json: str | None = None) -> str:
    """`row` holds HASHED_FIELDS with `payload` as a dict; pass `payload_json` (its canonical JSON) if at hand."""
    if payload_json is None:
        payload_json = canonical_json(row["payload"])
    # The canonical JSON of the row, assembled around the payload's so the payload is encoded once.
    head = canonical_json({name: row[name] for name in HASHED_FIELDS if name < "payload"})
    tail = canonical_json({name: row[name] for name in HASHED_FIELDS if name > "payload"})
    body = f'{head[:-1]},"payload":{payload_json},{tail[1:]}'
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
