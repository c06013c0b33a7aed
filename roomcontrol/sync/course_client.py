"""Check-in's look at the patient's course (docs/COURSE.md): the hub's `GET /api/v1/patients/{ref}/course/summary`
with the room's token and the same TLS trust as the pusher, a short timeout, on a thread of its own (never the
screen's or the engine's). When the hub cannot answer — not configured, not reached, too slow, refused, or an answer
that is not a course — the room shows what its own log knows: the same summary, built by roomcontrol.domain.course
from this room's sessions of that patient (read through its own read-only connection), with a notice saying so.
"""

from __future__ import annotations

import logging
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

from roomcontrol import __version__
from roomcontrol.domain import kinds as K
from roomcontrol.store import database
from roomcontrol.store.errors import StoreError
from roomcontrol.store.eventlog import read_events
from roomcontrol.store.vitals import read_vitals
from roomcontrol.sync import protocol as P

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

TIMEOUT_S = 1.5  # check-in must not wait: past this the room's own log answers
OFFLINE = "Hub not reached — showing this room's own sessions"
NO_HUB = "No clinic hub configured — showing this room's own sessions"
REFUSED = "The hub refused the course ({why}) — showing this room's own sessions"
FROM_HUB, FROM_ROOM = "hub", "room"


class CourseUnavailable(Exception):
    """The hub gave no course; the message is the notice check-in shows above the room's own sessions."""


@dataclass(frozen=True)
class CourseAnswer:
    patient_ref: str
    summary: dict[str, Any]  # the /course/summary shape (docs/COURSE.md), from the hub or this room's log; {} if none
    source: str              # FROM_HUB or FROM_ROOM
    notice: str = ""         # why this room's own sessions are shown ("" when the hub answered)
    detail: str = ""         # the technical reason, for the log


def check_summary(body: Any) -> dict[str, Any]:
    """The hub's answer if it has the summary's shape, else CourseUnavailable (a proxy's page, a wrong server)."""
    ok = (isinstance(body, dict) and isinstance(body.get("infusions"), int)
          and (body.get("last") is None or isinstance(body.get("last"), dict))
          and isinstance(body.get("phq9", []), list)
          and (body.get("comfort") is None or isinstance(body.get("comfort"), dict)))
    if not ok:
        raise CourseUnavailable(OFFLINE)
    return body


class CourseClient:
    """`lookup(ref)` answers in at most about TIMEOUT_S plus a local read (call it off the screen's and the engine's
    threads); `ask(ref, on_answer)` runs it on a thread of its own and calls `on_answer(CourseAnswer)` there."""

    def __init__(self, db_path: Path | str, hub_url: str = "", token: str = "", *, timeout_s: float = TIMEOUT_S,
                 verify: bool | str = True, transport: httpx.BaseTransport | None = None) -> None:
        self.db_path = Path(db_path)
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self._verify = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        self._transport = transport

    @classmethod
    def from_config(cls, db_path: Path | str, config, **kwargs) -> "CourseClient":
        """From a RoomConfig's [sync] (its hub and token whenever both are set, as the pusher's)."""
        s = config.sync
        hub, token = (s.hub_url, s.token) if s.enabled and s.hub_url and s.token else ("", "")
        return cls(db_path, hub, token, **kwargs)

    def from_hub(self, patient_ref: str) -> dict[str, Any]:
        """The hub's summary (an unknown patient: its 404 answer, infusions 0), or CourseUnavailable."""
        if not (self.hub_url and self.token):
            raise CourseUnavailable(NO_HUB)
        import httpx
        url = self.hub_url + P.COURSE_SUMMARY_PATH.format(patient_ref=quote(patient_ref, safe=""))
        try:
            with httpx.Client(timeout=httpx.Timeout(self.timeout_s), verify=self._verify, transport=self._transport,
                              headers={"User-Agent": f"roomcontrol/{__version__}"}) as client:
                r = client.get(url, headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:  # refused, reset, timed out, TLS, DNS: all "not reached"
            raise CourseUnavailable(OFFLINE) from exc
        if r.status_code in (401, 403):
            raise CourseUnavailable(REFUSED.format(why=_why(r)))
        if r.status_code not in (200, 404):
            raise CourseUnavailable(OFFLINE) from RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
        try:
            body = r.json()
        except ValueError:
            raise CourseUnavailable(OFFLINE) from RuntimeError("the answer is not JSON")
        return check_summary(body)

    def from_room(self, patient_ref: str) -> dict[str, Any]:
        """The summary from this room's own log: its sessions of `patient_ref`, through a read-only connection."""
        from roomcontrol.domain.course import build_course
        try:
            db = database.connect(self.db_path, readonly=True)
        except StoreError:
            return build_course(patient_ref, ()).summary_json()  # no log yet: nothing known here
        try:
            opened = [e.session_id for e in read_events(db, kinds=(K.SESSION_OPENED,))
                      if e.payload.get("patient_ref") == patient_ref and e.session_id]
            events = [e for sid in opened for e in read_events(db, session_id=sid)]
            room_of = {e.session_id: e.room_id for e in events}
            vitals = [{**row, "room_id": room_of[sid]} for sid in opened for row in read_vitals(db, session_id=sid)]
        finally:
            db.conn.close()
        return build_course(patient_ref, events, vitals).summary_json()

    def lookup(self, patient_ref: str) -> CourseAnswer:
        try:
            return CourseAnswer(patient_ref, self.from_hub(patient_ref), FROM_HUB)
        except CourseUnavailable as exc:
            cause = exc.__cause__
            detail = f"{type(cause).__name__}: {cause}" if cause else str(exc)
            return CourseAnswer(patient_ref, self.from_room(patient_ref), FROM_ROOM, str(exc), detail)

    def ask(self, patient_ref: str, on_answer: Callable[[CourseAnswer], object]) -> threading.Thread:
        def run() -> None:
            try:
                answer = self.lookup(patient_ref)
            except Exception as exc:  # the room's own log unreadable too: say so, never leave the panel waiting
                log.exception("course lookup for check-in failed")
                answer = CourseAnswer(patient_ref, {}, FROM_ROOM, f"The course cannot be shown ({exc})", repr(exc))
            if answer.detail:
                log.info("course for check-in from this room's log: %s", answer.detail)
            try:
                on_answer(answer)
            except Exception:  # the asker is gone (a closed window): nothing to show it on
                log.exception("course answer not delivered")
        thread = threading.Thread(target=run, name="course-lookup", daemon=True)
        thread.start()
        return thread


def _why(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    reason = body.get("detail") or body.get("reason") or body.get("error") if isinstance(body, dict) else None
    return str(reason)[:120] if reason else f"HTTP {response.status_code}"
