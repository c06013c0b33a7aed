"""The wire contract between the room's pusher and the hub: paths, limits and error codes. Pure constants.

A batch is one JSON object `{"events": [...], "vitals": [...]}` POSTed to BATCH_PATH with
`Authorization: Bearer <room token>`. Events are consecutive by the room's seq and carry their UUID, room ts,
prev_hash and hash exactly as the room stored them; vitals carry the room's row id (their idempotency key).
"""

from __future__ import annotations

# One event's payload as canonical JSON: the event rules' limit (room and hub check the same).
from roomcontrol.domain.event_rules import MAX_PAYLOAD_BYTES as MAX_PAYLOAD_BYTES  # noqa: F401

DEFAULT_PORT = 8750             # the hub's port when none is named (serve, install-service, demo)
API = "/api/v1"
HEALTH_PATH = f"{API}/health"
BATCH_PATH = API + "/rooms/{room_id}/batches"
# A patient's course (issue #16, docs/COURSE.md); the patient reference is URL-quoted into the path.
COURSE_SUMMARY_PATH = API + "/patients/{patient_ref}/course/summary"
COURSE_PATH = API + "/patients/{patient_ref}/course"

MAX_BATCH_EVENTS = 5000        # the room's sync.batch_size is at most this
MAX_BATCH_VITALS = 5000
MAX_BODY_BYTES = 16 * 1024 * 1024

# `error` codes of refusals (HTTP status in brackets). Gap and chain problems come with the hub's head.
UNAUTHORIZED = "unauthorized"          # [401] missing or wrong token
TOO_LARGE = "too_large"                # [413] body or batch over the limits
MALFORMED = "malformed"                # [422] not JSON, or fields missing/wrong
GAP = "gap"                            # [409] the batch starts after the hub's next seq: resend from expected_seq
CHAIN_BROKEN = "chain_broken"          # [409] prev_hash/hash do not chain: refused and reported
CONFLICT = "conflict"                  # [409] a seq (or vitals id) the hub holds arrives with other content
TIMEOUT = "timeout"                    # [408] the body did not arrive within the hub's deadline
FORBIDDEN = "forbidden"                # [403] a valid token that may not read this (a room reading a course)
NOT_FOUND = "not_found"                # [404] nothing of this at the hub (a course: the body says infusions 0)

# A batch's answer (200) lists the events whose chain held but whose content breaks the event rules:
# `"quarantined": [{"seq": N, "reason": "..."}]`. The hub keeps them aside and its head moves past them.
QUARANTINED = "quarantined"
