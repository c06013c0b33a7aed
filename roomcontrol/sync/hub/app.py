"""The hub's HTTP API (FastAPI): batch ingest for rooms, reads for the clinic. OpenAPI at /openapi.json, /docs.

Every refusal is JSON `{"error": <code>, "detail": <what and why>, ...}` (codes in `roomcontrol.sync.protocol`)
and stores nothing of the refused batch; chain and gap problems are also kept as reports.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import logging
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from roomcontrol import __version__
from roomcontrol.domain import event_rules as rules
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import live as live_channel
from roomcontrol.sync.hub import course_api, station_auth, store
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import Principal, Refusal

log = logging.getLogger("roomcontrol.hub")

HEX64 = r"^[0-9a-f]{64}$"
UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TS_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"  # the room's stored form: UTC, milliseconds, Z
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold a NUL: refused as malformed, never a 500
SHORT = rules.SHORT
BIGINT = 2 ** 63 - 1  # the database's integers: a larger number is malformed input, not a 500


def _real_ts(ts: str | None) -> str | None:
    problem = None if ts is None else rules.check_ts(ts)
    if problem:
        raise ValueError(str(problem))
    return ts


def _json_value(payload: dict[str, Any]) -> dict[str, Any]:
    # JSON has no NaN or Infinity, and 1e999 is no float: refused, never stored as Inf and read back as null.
    problem = rules.check_value(payload)
    if problem:
        raise ValueError(str(problem))
    return payload


ROOM_ID = "^" + store.ROOM_ID_RE.pattern + "$"
RoomPath = Path(pattern=ROOM_ID, description="a room id as `hub add-room` takes it")
Timestamp = Annotated[str, Field(pattern=TS_RE, description="UTC with milliseconds; a real date"),
                      AfterValidator(_real_ts)]
Text = Annotated[str, Field(max_length=SHORT, pattern=NO_NUL)]


class EventIn(BaseModel):
    """One event exactly as the room stored it (`hash` covers every field but itself and prev_hash).

    kind, actor, session_id and ts are checked by the event rules (roomcontrol.domain.event_rules) after the
    chain: an event that breaks them but chains is quarantined (see BatchAck.quarantined), not refused."""
    model_config = ConfigDict(extra="forbid", strict=True)
    seq: int = Field(ge=1, le=BIGINT)
    id: str = Field(pattern=UUID_RE)
    room_id: str = Field(max_length=SHORT, description="must be the batch's room (the path's room_id)")
    session_id: str | None = None
    ts: str = Field(description="the room's clock (UTC, milliseconds, Z); the hub keeps its own received_at too")
    kind: str
    actor: str
    payload: Annotated[dict[str, Any], AfterValidator(_json_value)] = Field(
        description="a JSON object of finite numbers, text without NUL, at most "
                    f"{rules.MAX_PAYLOAD_BYTES} bytes as canonical JSON")
    prev_hash: str = Field(pattern=HEX64)
    hash: str = Field(pattern=HEX64)


class VitalIn(BaseModel):
    """One vitals row; `id` is the room's row id: the same id again is a duplicate only with the same content."""
    model_config = ConfigDict(extra="forbid", strict=True)
    id: int = Field(ge=1, le=BIGINT)
    session_id: Text | None = None
    kind: Text = Field(min_length=1)
    value: float | None = Field(allow_inf_nan=False)
    unit: str = Field(max_length=16, pattern=NO_NUL)
    ts: Timestamp
    device_ts: Timestamp | None = None
    flags: list[Text] = Field(default_factory=list, max_length=16)
    source: Text | None = None


class Batch(BaseModel):
    """A room's batch. It is POSTed to /rooms/{room_id}/batches with that room's own token: every event's
    room_id must be that room (else 422), and a token of another room is refused (401)."""
    model_config = ConfigDict(extra="forbid", strict=True)
    events: list[EventIn] = Field(default_factory=list, max_length=P.MAX_BATCH_EVENTS,
                                  description="consecutive by seq, in seq order")
    vitals: list[VitalIn] = Field(default_factory=list, max_length=P.MAX_BATCH_VITALS)


class Quarantined(BaseModel):
    seq: int
    reason: str = Field(description="the event rule it breaks: field and why")


class BatchAck(BaseModel):
    room_id: str
    accepted_events: int
    duplicate_events: int
    accepted_vitals: int
    duplicate_vitals: int
    last_seq: int = Field(description="the hub holds this room's events 1..last_seq")
    last_vitals_id: int
    received_at: str
    quarantined: list[Quarantined] = Field(
        default_factory=list, description="events of this batch whose chain holds but whose content breaks the "
        "event rules: kept aside at the hub (GET /rooms/{room_id}/quarantine), the room's head moves past them")


class Problem(BaseModel):
    """Every refusal (401, 404, 408, 409, 413, 422) has this body."""
    error: Literal["unauthorized", "too_large", "malformed", "gap", "chain_broken", "conflict", "not_found",
                   "timeout"]
    detail: str
    expected_seq: int | None = None
    seq: int | None = None
    hub_last_seq: int | None = None
    vital_id: int | None = None


class RoomOut(BaseModel):
    room_id: str
    created_at: str
    last_seq: int
    last_hash: str
    last_vitals_id: int
    last_received_at: str | None
    reports: int | None = None


class EventOut(BaseModel):
    seq: int
    id: str
    room_id: str
    session_id: str | None
    ts: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    received_at: str


class VitalOut(BaseModel):
    vital_id: int
    session_id: str | None
    kind: str
    value: float | None
    unit: str
    ts: str
    device_ts: str | None
    flags: list[str]
    source: str | None
    received_at: str


class SessionOut(BaseModel):
    session_id: str
    first_seq: int
    last_seq: int
    events: int
    first_ts: str
    last_ts: str
    opened: dict[str, Any] | None
    ended: dict[str, Any] | None


class ReportOut(BaseModel):
    report_id: int
    at: str
    problem: str
    seq: int | None
    detail: str
    count: int = Field(description="how many times this same refusal came (repeats fold into one row)")
    last_seen: str | None


class QuarantineOut(BaseModel):
    seq: int
    id: str
    reason: str
    row: dict[str, Any] = Field(description="the event as the room sent it (payload as payload_json)")
    received_at: str


_REFUSALS: dict[int | str, dict[str, Any]] = {401: {"model": Problem, "description": "missing or wrong token"},
             413: {"model": Problem, "description": "body or batch over the limits"},
             408: {"model": Problem, "description": "the body did not arrive within the hub's deadline"},
             422: {"model": Problem, "description": "not JSON, or a field missing or wrong"}}
_READ: dict[int | str, dict[str, Any]] = {
    401: _REFUSALS[401], 404: {"model": Problem, "description": "no such room at this hub"}, 422: _REFUSALS[422]}


BODY_TIMEOUT_S = 30.0  # a whole batch body must arrive within this (16 MiB at ~4.5 Mbit/s)


class Gate:
    """Before any body is read: the token (a request without a valid one is refused and its body never read),
    then the body, streamed up to `max_bytes` and within `body_timeout_s`, so neither a stranger nor a stalled
    upload can make the hub hold memory or a worker (issue #13). Pure ASGI: it runs before FastAPI parses."""

    def __init__(self, app, db: HubDB, max_bytes: int, body_timeout_s: float = BODY_TIMEOUT_S):
        self.app, self.db, self.max_bytes, self.body_timeout_s = app, db, max_bytes, body_timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        # Station sign-in/out carry a PIN or the session cookie, not a bearer token: a small body is all they get.
        open_post = scope["path"] in station_auth.OPEN_POSTS
        max_bytes = station_auth.OPEN_BODY_BYTES if open_post else self.max_bytes
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        try:
            if not open_post:
                await run_in_threadpool(store.authenticate, self.db,
                                        token.strip() if scheme.lower() == "bearer" else None)
        except Refusal as refusal:
            # The body is never read: the connection closes after the answer, so its bytes are not waited for.
            return await JSONResponse(refusal.body(), status_code=refusal.status,
                                      headers={"Connection": "close"})(scope, receive, send)
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            return await self._too_large(scope, receive, send, int(length), max_bytes)
        body, more = bytearray(), True
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s
        while more:
            try:
                message = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except (asyncio.TimeoutError, ValueError):
                return await JSONResponse(
                    {"error": P.TIMEOUT, "detail": f"the body did not arrive within {self.body_timeout_s:g} s "
                                                   f"({len(body)} bytes came): send it again"},
                    status_code=408, headers={"Connection": "close"})(scope, receive, send)
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > max_bytes:
                return await self._too_large(scope, receive, send, len(body), max_bytes)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send, size: int, max_bytes: int):
        await JSONResponse({"error": P.TOO_LARGE, "detail": f"the body is {size} bytes or more; the hub takes at "
                                                           f"most {max_bytes} per request: send smaller batches"},
                           status_code=413, headers={"Connection": "close"})(scope, receive, send)


def create_app(db: HubDB, *, max_body_bytes: int = P.MAX_BODY_BYTES, hold_s: float = 0.0,
               body_timeout_s: float = BODY_TIMEOUT_S, live: dict[str, Any] | None = None) -> Gate:
    """The hub app over `db`. `hold_s` (tests only) keeps each ingest transaction open that long. `live`:
    options of the live channel (roomcontrol.sync.hub.live.LiveHub: escalate_after_s, webhook_url, bus)."""
    app = FastAPI(title="RoomControl hub", version=__version__,
                  description="Collects the event logs and vitals of the clinic's rooms, exactly once, and checks "
                              "each room's hash chain. Rooms push with their own token (`roomcontrol hub "
                              "add-room ROOM`); reads need a room token (that room) or a reader token (all).",
                  lifespan=live_channel.lifespan)
    app.state.db = db
    live_channel.mount_live(app, db, **(live or {}))  # the live channel and the station's socket (issue #14)
    _mount_station_page(app)  # issue #14: GET /station (roomcontrol.sync.hub.station_page, the st-page module)
    bearer = HTTPBearer(auto_error=False, description="a room token or a reader token")

    def who(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        return store.authenticate(db, credentials.credentials if credentials else None)

    def readable(room_id: str = RoomPath, principal: Principal = Depends(who)) -> str:
        if not principal.may_read(room_id):
            raise Refusal(401, P.UNAUTHORIZED, f"this token may not read room {room_id!r}")
        if store.head(db, room_id) is None:
            raise Refusal(404, "not_found", f"no room {room_id!r} at this hub")
        return room_id

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal):
        if exc.status != 401:
            log.warning("%s %s refused (%s): %s", request.method, request.url.path, exc.error, exc.detail)
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": P.MALFORMED, "detail": _malformed(exc.errors())}, status_code=422)

    @app.get(P.HEALTH_PATH, tags=["hub"])
    def health() -> dict:
        return {"ok": True, "version": __version__, "database": db.kind}

    @app.post(P.BATCH_PATH, response_model=BatchAck, tags=["sync"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/Batch"}}}}},
              responses={**_REFUSALS, 409: {"model": Problem, "description": "gap, broken chain or conflict: "
                                                                              "refused and reported"}})
    async def post_batch(request: Request, principal: Principal = Depends(who),
                         room_id: str = Path(pattern=ROOM_ID, description="the room of the token: a token may "
                                                                          "push only to its own room (else 401)")
                         ) -> dict:
        """Store a room's batch exactly once: events already held (same id and hash) count as duplicates."""
        if principal.room_id != room_id:
            raise Refusal(401, P.UNAUTHORIZED, f"this token may not push to room {room_id!r}")
        body = await request.body()  # the Gate has checked the token and read the body within its limits
        return await run_in_threadpool(_ingest, room_id, body)

    def _ingest(room_id: str, body: bytes) -> dict:
        # pydantic-core parses and validates the JSON in one pass (the batch's main cost after the hash check);
        # the CPU and the database work stay off the event loop.
        try:
            batch = Batch.model_validate_json(body)
        except ValidationError as exc:
            raise Refusal(422, P.MALFORMED, _malformed(exc.errors())) from None
        result = store.ingest(db, room_id, [e.__dict__ for e in batch.events],
                              [v.__dict__ for v in batch.vitals], hold_s=hold_s)
        return {**result.__dict__}

    def openapi() -> dict:
        # The batch body is validated by hand (above), so FastAPI does not see its model: add it here.
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            batch = Batch.model_json_schema(ref_template="#/components/schemas/{model}")
            schema["components"]["schemas"].update(batch.pop("$defs", {}), Batch=batch)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema

    @app.get(P.API + "/rooms", response_model=list[RoomOut], tags=["read"], responses={401: _REFUSALS[401],
                                                                                      422: _REFUSALS[422]})
    def rooms(principal: Principal = Depends(who)) -> list[dict]:
        return store.list_rooms(db, principal)

    @app.get(P.API + "/rooms/{room_id}", response_model=RoomOut, tags=["read"], responses=_READ)
    def room(room_id: str = Depends(readable)) -> dict | None:  # `readable` refused a room the hub lacks
        return store.head(db, room_id)

    @app.get(P.API + "/rooms/{room_id}/sessions", response_model=list[SessionOut], tags=["read"], responses=_READ)
    def sessions(room_id: str = Depends(readable), after_seq: int = Query(0, ge=0, le=BIGINT),
                 limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """Oldest first; page on with `after_seq` = the last session's `first_seq`."""
        return store.read_sessions(db, room_id, after_seq=after_seq, limit=limit)

    @app.get(P.API + "/rooms/{room_id}/events", response_model=list[EventOut], tags=["read"], responses=_READ)
    def events(room_id: str = Depends(readable), after_seq: int = Query(0, ge=0, le=BIGINT),
               limit: int = Query(1000, ge=1, le=P.MAX_BATCH_EVENTS), session_id: str | None = Query(None, max_length=SHORT, pattern=NO_NUL),
               kind: str | None = Query(None, max_length=SHORT, pattern=NO_NUL)) -> list[dict]:
        return store.read_events(db, room_id, after_seq=after_seq, limit=limit, session_id=session_id, kind=kind)

    @app.get(P.API + "/rooms/{room_id}/vitals", response_model=list[VitalOut], tags=["read"], responses=_READ)
    def vitals(room_id: str = Depends(readable), after_id: int = Query(0, ge=0, le=BIGINT),
               limit: int = Query(1000, ge=1, le=P.MAX_BATCH_VITALS), session_id: str | None = Query(None, max_length=SHORT, pattern=NO_NUL),
               kind: str | None = Query(None, max_length=SHORT, pattern=NO_NUL)) -> list[dict]:
        return store.read_vitals(db, room_id, after_id=after_id, limit=limit, session_id=session_id, kind=kind)

    @app.get(P.API + "/rooms/{room_id}/reports", response_model=list[ReportOut], tags=["read"], responses=_READ)
    def reports(room_id: str = Depends(readable), before_id: int | None = Query(None, ge=1, le=BIGINT),
                limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """Chain breaks, gaps and conflicts the hub refused, newest first; page on with `before_id`."""
        return store.read_reports(db, room_id, before_id=before_id, limit=limit)

    @app.get(P.API + "/rooms/{room_id}/quarantine", response_model=list[QuarantineOut], tags=["read"],
             responses=_READ)
    def quarantine(room_id: str = Depends(readable), after_seq: int = Query(0, ge=0, le=BIGINT),
                   limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """Events whose chain held but whose content broke the event rules, oldest first; page on with
        `after_seq` = the last one's seq."""
        return store.read_quarantine(db, room_id, after_seq=after_seq, limit=limit)

    app.include_router(station_auth.router)  # the staff directory and station sign-in (docs/STATION.md)
    course_api.mount_course(app, db, Problem)  # a patient's course across rooms (issue #16, docs/COURSE.md)
    return Gate(app, db, max_body_bytes, body_timeout_s)


def _mount_station_page(app: FastAPI) -> None:
    # The station page's module ships with the page (st-page); a hub built without it serves the API only.
    if importlib.util.find_spec("roomcontrol.sync.hub.station_page") is not None:
        importlib.import_module("roomcontrol.sync.hub.station_page").mount_station(app)


def _malformed(errors) -> str:
    shown = "; ".join(_describe(e) for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"malformed request: {shown}{more}"


def _describe(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", ()) if p != "body"]
    where = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc).lstrip(".") or "body"
    if error.get("type") == "json_invalid":
        return f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'parse error')})"
    return f"{where}: {error.get('msg', 'invalid')}"


def fastapi_app(wrapped) -> FastAPI:
    """The FastAPI app inside what `create_app` returns (for the OpenAPI description)."""
    return getattr(wrapped, "app", wrapped)


def dump_openapi(wrapped) -> str:
    return json.dumps(fastapi_app(wrapped).openapi(), indent=2)
