"""Reading a session's record from the room database, read-only, through the store's own read functions."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from roomcontrol.domain import kinds as K
from roomcontrol.records.errors import AmbiguousSession, RecordError, UnknownSession
from roomcontrol.records.model import SessionRecord, build_record
from roomcontrol.store import database
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import read_events
from roomcontrol.store.staff import StaffStore
from roomcontrol.store.vitals import read_vitals

MIN_PREFIX = 4


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    patient_ref: str
    course_no: int
    opened_at: datetime
    closed_at: datetime | None
    outcome: str               # open, discharged or aborted

    @property
    def is_open(self) -> bool:
        return self.outcome == "open"


@contextmanager
def open_readonly(data_dir: Path | str):
    try:
        db = database.open_room_db(data_dir, readonly=True)
    except StoreError as exc:
        raise RecordError(str(exc)) from None
    try:
        yield db
    finally:
        db.conn.close()


def summaries(db) -> list[SessionSummary]:
    """Every session in the log, oldest first."""
    opened: dict[str, SessionSummary] = {}
    for e in read_events(db, kinds=(K.SESSION_OPENED, K.SESSION_DISCHARGED, K.SESSION_ABORTED)):
        if e.kind == K.SESSION_OPENED:
            assert e.session_id is not None  # `open_session` logs the new session's id
            opened[e.session_id] = SessionSummary(e.session_id, e.payload.get("patient_ref", ""),
                                                  e.payload.get("course_no", 0), e.ts, None, "open")
        elif e.session_id in opened:
            s = opened[e.session_id]
            outcome = "discharged" if e.kind == K.SESSION_DISCHARGED else "aborted"
            opened[e.session_id] = SessionSummary(s.session_id, s.patient_ref, s.course_no, s.opened_at, e.ts,
                                                  outcome)
    return list(opened.values())


def resolve(db, session_id: str, where: str = "") -> str:
    """The full id of the session `session_id` names: the id itself or an unambiguous prefix (≥ 4 characters)."""
    wanted = (session_id or "").strip().lower()
    ids = [s.session_id for s in summaries(db)]
    if wanted in ids:
        return wanted
    if len(wanted) < MIN_PREFIX:
        raise UnknownSession(session_id, where)
    matches = [i for i in ids if i.lower().startswith(wanted)]
    if not matches:
        raise UnknownSession(session_id, where)
    if len(matches) > 1:
        raise AmbiguousSession(session_id, matches)
    return matches[0]


def load_record(data_dir: Path | str, session_id: str) -> SessionRecord:
    """The record of one closed session; refuses an unknown, ambiguous or still-open session (RecordError)."""
    with open_readonly(data_dir) as db:
        full = resolve(db, session_id, str(database.db_path(data_dir)))
        events = list(read_events(db, session_id=full))
        vitals = list(read_vitals(db, session_id=full))
        names = staff_names(db)
    return build_record(events, vitals, names)


def staff_names(db) -> dict[str, str]:
    """Staff id → name, disabled accounts too (the log still names them). An id without an account (a scenario's
    nurse, an account of another room) keeps its id in the record."""
    return {row.staff_id: row.name for row in StaffStore(db).all()}
