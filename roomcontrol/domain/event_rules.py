"""What an event may be: the one check the room runs before it logs and the hub runs before it stores.

If the two sides disagreed, the room could log an event the hub refuses for ever and stall its sync behind it
(issue #13), so both call `problems()` here. Pure: strings, numbers and dates only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from roomcontrol.domain.chain import canonical_json
from roomcontrol.domain.errors import Refused

SHORT = 64                       # actor, kind, session id, room id: at most this many characters
MAX_PAYLOAD_BYTES = 256 * 1024   # one event's payload as canonical JSON (UTF-8)
MAX_DEPTH = 32                   # nesting of a payload: deeper is not a clinical record but an attack

# Printable ASCII words, no spaces or control characters (a NUL cannot be stored on PostgreSQL).
ACTOR_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@:+-]*")           # "system", "rn.ada", "patient", "nonin"
KIND_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")       # dotted, lower case: "session.opened"
SESSION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")            # a UUID, or a test's "s-1"
TS_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")      # the stored form: UTC, milliseconds, Z


@dataclass(frozen=True)
class Problem:
    """One rule an event breaks: the field and why, in words an installer can act on."""
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class EventRefused(Refused):
    """An event that breaks the rules: the room does not log it (the hub would refuse it)."""

    def __init__(self, problem: Problem):
        super().__init__(f"this event cannot be logged ({problem})")
        self.problem = problem


def _word(field: str, value: object, pattern: re.Pattern[str], shape: str) -> Problem | None:
    if not isinstance(value, str):
        return Problem(field, "must be text")
    if not 1 <= len(value) <= SHORT:
        return Problem(field, f"must be 1 to {SHORT} characters (is {len(value)})")
    if not pattern.fullmatch(value):
        return Problem(field, f"must be {shape} (is {value[:SHORT]!r})")
    return None


def check_actor(actor: object) -> Problem | None:
    return _word("actor", actor, ACTOR_RE, "a letter or digit, then letters, digits or _ . @ : + -")


def check_kind(kind: object) -> Problem | None:
    return _word("kind", kind, KIND_RE, "dotted lower-case words such as 'note.added'")


def check_session_id(session_id: object) -> Problem | None:
    if session_id is None:
        return None
    return _word("session_id", session_id, SESSION_RE, "a letter or digit, then letters, digits or _ . : -")


def check_ts(ts: object) -> Problem | None:
    """The stored form, and a real instant: 2026-13-45T99:99:99.000Z has the form but is no date."""
    if not isinstance(ts, str) or not TS_RE.fullmatch(ts):
        return Problem("ts", "must be UTC with milliseconds, as 2026-03-01T08:00:00.000Z")
    try:
        datetime.fromisoformat(ts[:-1] + "+00:00")
    except ValueError as exc:
        return Problem("ts", f"is not a real date and time ({exc})")
    return None


def check_value(value: object, field: str = "payload", depth: int = 0) -> Problem | None:
    """JSON as the log stores it: objects with text keys, lists, text, finite numbers, booleans, null."""
    if depth > MAX_DEPTH:
        return Problem(field, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(field, f"{value} is not a finite number")
    if isinstance(value, str) and "\x00" in value:
        return Problem(field, "contains a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or "\x00" in key:
                return Problem(field, f"key {key!r} must be text without NUL characters")
            problem = check_value(item, f"{field}.{key}", depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for i, item in enumerate(value):
            problem = check_value(item, f"{field}[{i}]", depth + 1)
            if problem:
                return problem
    elif not isinstance(value, (str, int, float, bool)) and value is not None:
        return Problem(field, f"{type(value).__name__} is not JSON")
    return None


def check_event(kind: object, actor: object, session_id: object, payload: object, ts: object = None) -> str:
    """The event's payload as canonical JSON (what is hashed and stored), or EventRefused naming the first rule
    it breaks. `ts` is checked when given (the hub receives it as text; the room stamps it itself)."""
    for problem in (check_kind(kind), check_actor(actor), check_session_id(session_id),
                    None if ts is None else check_ts(ts),
                    check_value(payload) if isinstance(payload, dict) else Problem("payload", "must be a JSON object")):
        if problem:
            raise EventRefused(problem)
    payload_json = canonical_json(payload)
    size = len(payload_json.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise EventRefused(Problem("payload", f"is {size} bytes as JSON, over {MAX_PAYLOAD_BYTES}"))
    return payload_json
