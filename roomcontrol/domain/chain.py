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


def row_hash(prev_hash: str, row: dict) -> str:
    """`row` holds HASHED_FIELDS with `payload` as a dict (not its JSON text)."""
    body = canonical_json({name: row[name] for name in HASHED_FIELDS})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
