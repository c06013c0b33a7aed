"""The hash chain of the event log: SHA-256 over the previous hash and the canonical JSON of the row.

Pure, so the room, the hub and `log verify` all compute exactly the same thing, and check it with one walker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable

GENESIS = "0" * 64
# The row fields the hash covers, in the canonical JSON (key order does not matter: keys are sorted).
HASHED_FIELDS = ("seq", "id", "room_id", "session_id", "ts", "kind", "actor", "payload")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_string = json.encoder.encode_basestring  # the C string encoder that _ENCODER uses too


def canonical_json(value: object) -> str:
    return _ENCODER.encode(value)


def row_hash(prev_hash: str, row: dict[str, Any], payload_json: str | None = None) -> str:
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


GAP, LINK, HASH = "gap", "link", "hash"  # what a ChainProblem is


@dataclass(frozen=True)
class ChainProblem:
    """Where and how a chain breaks, in the one wording `log verify`, the hub's refusals and `hub verify` share."""
    what: str           # GAP (seq not consecutive), LINK (prev_hash is not the hash before), HASH (row ≠ its hash)
    seq: int            # the first seq that is missing or wrong
    row_seq: int        # the seq of the row where the walk stopped
    expected_seq: int   # the seq that row should have had
    reason: str


class ChainWalker:
    """Checks a chain row by row, fed page after page: each seq follows the one before, each prev_hash is the
    hash of the row before, each row matches its hash. The first problem stops the walk.

    Start after a known head (GENESIS and seq 0 for a whole log, the hub's last hash and seq for its next row),
    or with both None to take the first row's prev_hash and seq as given (a batch checked before its head is known).
    A row is a dict of HASHED_FIELDS, prev_hash and hash; with `payload_json` (the stored text) that text is
    hashed as it is, so any changed byte shows, else the canonical JSON of `payload`.
    """

    def __init__(self, prev_hash: str | None = GENESIS, last_seq: int | None = 0):
        self.prev_hash, self.last_seq, self.checked = prev_hash, last_seq, 0

    def step(self, row: dict[str, Any]) -> ChainProblem | None:
        seq = int(row["seq"])
        expected = seq if self.last_seq is None else self.last_seq + 1
        if seq != expected:
            reason = (f"seq {expected} is missing" if seq > expected else
                      f"seq {seq} comes again after seq {expected - 1}")
            return ChainProblem(GAP, min(seq, expected), seq, expected, reason)
        if self.prev_hash is not None and row["prev_hash"] != self.prev_hash:
            return ChainProblem(LINK, seq, seq, expected,
                                f"seq {seq}: prev_hash does not match the hash of seq {seq - 1}")
        if row_hash(row["prev_hash"], row, row.get("payload_json")) != row["hash"]:
            return ChainProblem(HASH, seq, seq, expected, f"seq {seq}: the row does not match its hash")
        self.prev_hash, self.last_seq, self.checked = row["hash"], seq, self.checked + 1
        return None

    def feed(self, rows: Iterable[dict[str, Any]]) -> ChainProblem | None:
        """Walk on through `rows` (one page); the first problem, or None if the chain holds so far."""
        for row in rows:
            problem = self.step(row)
            if problem:
                return problem
        return None
