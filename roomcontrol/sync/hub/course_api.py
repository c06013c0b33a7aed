"""The course endpoints (issue #16, docs/COURSE.md): a patient's course for check-in (summary) and the chart (paged).

Access: the token first (401 before any work); a reader reads all; a room reads only the summary, and only while
the hub's policy lets rooms read courses. Every read — allowed, refused or not found — goes to `course_reads`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Path, Query
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from roomcontrol.domain.course import Course
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import course_store, store
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import Principal, Refusal

PATIENT_RE = r"^[^\x00/]{1,64}$"
PatientPath = Path(pattern=PATIENT_RE, description="the patient reference the room logged in session.opened")
SUMMARY, COURSE = "summary", "course"


def _who(principal: Principal) -> tuple[str, str]:
    return ("room", principal.room_id) if principal.room_id else ("reader", principal.reader or "")


def mount_course(app: FastAPI, db: HubDB, problem: type[BaseModel]) -> None:
    """Add the course endpoints to the hub's app; `problem` is the hub's refusal body model (for OpenAPI)."""
    responses: dict[int | str, dict[str, Any]] = {
        401: {"model": problem, "description": "missing or wrong token"},
        403: {"model": problem, "description": "a room token where only a reader may read, or the hub's policy "
                                               "does not let rooms read courses"},
        404: {"description": "no session of this patient at the hub: the summary's shape with infusions 0"},
        422: {"model": problem, "description": "a parameter missing or wrong (a cursor not given out here)"}}
    bearer = HTTPBearer(auto_error=False, description="a reader token, or a room token (summary only)")

    def who(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        return store.authenticate(db, credentials.credentials if credentials else None)

    def log(principal: Principal, patient_ref: str, what: str, answer: str) -> None:
        kind, name = _who(principal)
        course_store.log_read(db, store.now_iso(), kind, name, patient_ref, what, answer)

    def refuse(principal: Principal, patient_ref: str, what: str, detail: str) -> None:
        log(principal, patient_ref, what, "refused")
        raise Refusal(403, P.FORBIDDEN, detail)

    def not_found(patient_ref: str) -> JSONResponse:
        body = {"error": P.NOT_FOUND, "detail": f"the hub holds no session of patient {patient_ref!r}: a first "
                                                "infusion", **Course(patient_ref, (), 0, 0).summary_json()}
        return JSONResponse(body, status_code=404)

    @app.get(P.COURSE_SUMMARY_PATH, tags=["course"], responses=responses)
    def course_summary(patient_ref: str = PatientPath, principal: Principal = Depends(who)) -> Any:
        """For check-in: the count of infusions, the last session, PHQ-9/GAD-7 over the course, the comfort plan.
        404 (with infusions 0) for a patient the hub holds no session of."""
        if principal.room_id and not course_store.rooms_may_read(db):
            refuse(principal, patient_ref, SUMMARY, "this hub's policy does not let rooms read courses "
                                                    "(course-policy --rooms allow)")
        course = course_store.read_summary(db, patient_ref)
        log(principal, patient_ref, SUMMARY, "ok" if course else "not_found")
        return course.summary_json() if course else not_found(patient_ref)

    @app.get(P.COURSE_PATH, tags=["course"], responses=responses)
    def course_page(patient_ref: str = PatientPath, principal: Principal = Depends(who),
                    limit: int = Query(20, ge=1, le=course_store.MAX_PAGE),
                    cursor: str | None = Query(None, max_length=512, pattern=r"^[A-Za-z0-9_-]*$")) -> Any:
        """The whole course, oldest session first, `limit` sessions a page: pass `next_cursor` back as `cursor`.
        Readers only."""
        if principal.room_id:
            refuse(principal, patient_ref, COURSE, "a room token reads only the course summary "
                                                   f"({P.COURSE_SUMMARY_PATH}); the full course needs a reader token")
        try:
            found = course_store.read_course(db, patient_ref, limit=limit, cursor=cursor)
        except course_store.BadCursor as exc:
            raise Refusal(422, P.MALFORMED, str(exc)) from None
        log(principal, patient_ref, COURSE, "ok" if found else "not_found")
        if found is None:
            return not_found(patient_ref)
        course, nxt = found
        return {**course.to_json(), "next_cursor": nxt}
