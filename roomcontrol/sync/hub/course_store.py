"""The course at the hub (issue #16, docs/COURSE.md): a patient's sessions across rooms, found by index, summed up
by the pure domain/course.py; the policy on rooms reading courses, and the log of who read which course.

`course_sessions` (room, session, patient reference, opened at) is filled in the ingest transaction of each batch
that carries a session.opened, and from the events a hub already holds when its database is upgraded to schema 4,
so a course is read by index, never by scanning every event.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.course import (COMFORT_PLAN_SAVED, Course, comfort_plan, course_session, score_points)
from roomcontrol.domain.events import Event
from roomcontrol.domain.timefmt import parse_iso
from roomcontrol.sync.hub.db import Conn, HubDB

POLICY_KEY = "rooms_read_courses"  # hub_meta: "allow" (the default: check-in needs it) or "deny"
PEAK_KINDS = ("nibp_systolic", "nibp_diastolic", "heart_rate", "spo2")
SCORE_KINDS = (K.ASSESSMENT_RECORDED, K.EVENT_CORRECTED, COMFORT_PLAN_SAVED)
MAX_PAGE = 100


class BadCursor(ValueError):
    """A cursor this hub did not give out (or one mangled on the way)."""


# -- the index -----------------------------------------------------------------------------------------------
def index_sessions(c: Conn, rows: Iterable[tuple[Any, ...]]) -> int:
    """Index the session.opened among stored event rows (room_id, seq, id, session_id, ts, kind, actor,
    payload_json, ...) by patient reference; inside the caller's write transaction. Returns how many."""
    found = []
    for r in rows:
        if r[5] != K.SESSION_OPENED or r[3] is None:
            continue
        patient = json.loads(r[7]).get("patient_ref")
        if isinstance(patient, str) and patient:
            found.append((r[0], r[3], patient, r[4], r[1]))
    if found:
        c.executemany("INSERT INTO course_sessions (room_id, session_id, patient_ref, opened_at, opened_seq) "
                      "VALUES (?, ?, ?, ?, ?)", found)
    return len(found)


def index_held_sessions(c: Conn) -> int:
    """Schema 3 → 4: index every session.opened the hub already holds (inside the upgrade's transaction)."""
    c.execute("DELETE FROM course_sessions")
    rows = c.all("SELECT room_id, seq, id, session_id, ts, kind, actor, payload FROM events WHERE kind = ?",
                 [K.SESSION_OPENED])
    return index_sessions(c, rows)


# -- the policy and the read log -----------------------------------------------------------------------------
def rooms_may_read(db: HubDB) -> bool:
    with db.connect() as c:
        row = c.one("SELECT value FROM hub_meta WHERE key = ?", [POLICY_KEY])
    return row is None or row[0] != "deny"


def set_rooms_may_read(db: HubDB, allowed: bool) -> None:
    with db.connect() as c, c.write():
        c.execute("DELETE FROM hub_meta WHERE key = ?", [POLICY_KEY])
        c.execute("INSERT INTO hub_meta (key, value) VALUES (?, ?)", [POLICY_KEY, "allow" if allowed else "deny"])


def log_read(db: HubDB, at: str, who_kind: str, who: str, patient_ref: str, what: str, answer: str) -> None:
    with db.connect() as c, c.write():
        c.execute("INSERT INTO course_reads (at, who_kind, who, patient_ref, what, answer) VALUES (?, ?, ?, ?, ?, ?)",
                  [at, who_kind, who, patient_ref, what, answer])


_READ_COLUMNS = ("read_id", "at", "who_kind", "who", "patient_ref", "what", "answer")


def read_log(db: HubDB, *, who: str | None = None, patient_ref: str | None = None, limit: int = 100) -> list[dict]:
    """Course reads, newest first, optionally of one room/reader or one patient reference."""
    where, params = ["1 = 1"], []
    for column, value in (("who", who), ("patient_ref", patient_ref)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    with db.connect() as c:
        rows = c.all(f"SELECT {', '.join(_READ_COLUMNS)} FROM course_reads WHERE {' AND '.join(where)} "
                     "ORDER BY read_id DESC LIMIT ?", [*params, int(limit)])
    return [dict(zip(_READ_COLUMNS, r)) for r in rows]


# -- reading a course ----------------------------------------------------------------------------------------
_EVENT_COLUMNS = "e.seq, e.id, e.room_id, e.session_id, e.ts, e.kind, e.actor, e.payload, e.prev_hash, e.hash"
_JOIN = "FROM course_sessions s JOIN events e ON e.room_id = s.room_id AND e.session_id = s.session_id"


def _event(r: tuple[Any, ...]) -> Event:
    return Event(r[0], r[1], r[2], r[3], parse_iso(r[4]), r[5], r[6], json.loads(r[7]), r[8], r[9])


def encode_cursor(key: tuple[str, str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str, str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise BadCursor(f"cursor {cursor[:40]!r} is not one this hub gave out: start again without it") from None
    if not (isinstance(key, list) and len(key) == 3 and all(isinstance(k, str) for k in key)):
        raise BadCursor(f"cursor {cursor[:40]!r} is not one this hub gave out: start again without it")
    return key[0], key[1], key[2]


def _session(c: Conn, room_id: str, session_id: str) -> Any:
    """One session's summary: its events, and of its vitals only those that can be an extreme (the highest and
    lowest of each kind among unflagged rows, and every flagged row, which the domain judges)."""
    events = [_event(r) for r in c.all(f"SELECT {_EVENT_COLUMNS.replace('e.', '')} FROM events "
                                       "WHERE room_id = ? AND session_id = ? ORDER BY seq", [room_id, session_id])]
    marks = ", ".join("?" * len(PEAK_KINDS))
    rows: list[dict[str, Any]] = []
    for kind, high, low in c.all(f"SELECT kind, max(value), min(value) FROM vitals WHERE room_id = ? AND "
                                 f"session_id = ? AND kind IN ({marks}) AND flags IS NULL GROUP BY kind",
                                 [room_id, session_id, *PEAK_KINDS]):
        rows += [{"kind": kind, "value": high}, {"kind": kind, "value": low}]
    for kind, value, flags in c.all(f"SELECT kind, value, flags FROM vitals WHERE room_id = ? AND session_id = ? "
                                    f"AND kind IN ({marks}) AND flags IS NOT NULL",
                                    [room_id, session_id, *PEAK_KINDS]):
        rows.append({"kind": kind, "value": value, "flags": json.loads(flags)})
    return course_session(events, rows)


def _whole(c: Conn, patient_ref: str) -> dict[str, Any] | None:
    """What a page shows of the whole course: counts, scores, the comfort plan, as of when."""
    total, as_of = c.one(f"SELECT count(DISTINCT s.room_id || '/' || s.session_id), max(e.ts) {_JOIN} "
                         "WHERE s.patient_ref = ?", [patient_ref])
    if not total:
        return None
    infusions = c.one("SELECT count(*) FROM course_sessions s WHERE s.patient_ref = ? AND EXISTS (SELECT 1 FROM "
                      "events e WHERE e.room_id = s.room_id AND e.session_id = s.session_id AND e.kind = ?)",
                      [patient_ref, K.INFUSION_STARTED])[0]
    marks = ", ".join("?" * len(SCORE_KINDS))
    scored = [_event(r) for r in c.all(f"SELECT {_EVENT_COLUMNS} {_JOIN} WHERE s.patient_ref = ? AND e.kind IN "
                                       f"({marks}) ORDER BY e.ts, e.room_id, e.seq", [patient_ref, *SCORE_KINDS])]
    scores = score_points(scored)
    return {"total": int(total), "infusions": int(infusions), "phq9": scores["phq9"], "gad7": scores["gad7"],
            "comfort": comfort_plan(scored)[0], "as_of": parse_iso(as_of)}


def read_course(db: HubDB, patient_ref: str, *, limit: int = 20,
                cursor: str | None = None) -> tuple[Course, str | None] | None:
    """One page of the patient's course (oldest first) and the cursor of the next page; None for a patient
    reference the hub holds no session of. Raises BadCursor."""
    after = decode_cursor(cursor) if cursor else None
    limit = max(1, min(MAX_PAGE, int(limit)))
    with db.connect() as c:
        whole = _whole(c, patient_ref)
        if whole is None:
            return None
        where, params = "patient_ref = ?", [patient_ref]
        if after:
            where += (" AND (opened_at > ? OR (opened_at = ? AND (room_id > ? OR (room_id = ? AND "
                      "session_id > ?))))")
            params += [after[0], after[0], after[1], after[1], after[2]]
        keys = c.all(f"SELECT opened_at, room_id, session_id FROM course_sessions WHERE {where} "
                     "ORDER BY opened_at, room_id, session_id LIMIT ?", [*params, limit + 1])
        page = [_session(c, room, sid) for _at, room, sid in keys[:limit]]
        last = _last(c, patient_ref)
    nxt = encode_cursor(tuple(keys[limit - 1])) if len(keys) > limit else None
    return Course(patient_ref, tuple(page), last=last, **whole), nxt


def _last(c: Conn, patient_ref: str) -> Any:
    row = c.one("SELECT room_id, session_id FROM course_sessions WHERE patient_ref = ? "
                "ORDER BY opened_at DESC, room_id DESC, session_id DESC LIMIT 1", [patient_ref])
    return _session(c, row[0], row[1])


def read_summary(db: HubDB, patient_ref: str) -> Course | None:
    """For check-in: the counts, the scores, the comfort plan and the last session only."""
    with db.connect() as c:
        whole = _whole(c, patient_ref)
        if whole is None:
            return None
        return Course(patient_ref, (), last=_last(c, patient_ref), **whole)
