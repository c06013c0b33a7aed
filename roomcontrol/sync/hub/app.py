"""The hub's HTTP API (FastAPI): batch ingest for rooms, reads for the clinic. OpenAPI at /openapi.json, /docs.

Every refusal is JSON `{"error": <code>, "detail": <what and why>, ...}` (codes in `roomcontrol.sync.protocol`)
and stores nothing of the refused batch; chain and gap problems are also kept as reports.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from roomcontrol import __version__
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import store
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import Principal, Refusal

log = logging.getLogger("roomcontrol.hub")

HEX64 = r"^[0-9a-f]{64}$"
UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TS_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"  # the room's stored form: UTC, milliseconds, Z
SHORT = 64


class EventIn(BaseModel):
    """One event exactly as the room stored it (`hash` covers every field but itself and prev_hash)."""
    model_config = ConfigDict(extra="forbid", strict=True)
    seq: int = Field(ge=1)
    id: str = Field(pattern=UUID_RE)
    room_id: str = Field(max_length=SHORT)
    session_id: str | None = Field(default=None, max_length=SHORT)
    ts: str = Field(pattern=TS_RE, description="the room's clock (UTC); the hub keeps its own received_at too")
    kind: str = Field(min_length=1, max_length=SHORT)
    actor: str = Field(min_length=1, max_length=SHORT)
    payload: dict[str, Any]
    prev_hash: str = Field(pattern=HEX64)
    hash: str = Field(pattern=HEX64)


class VitalIn(BaseModel):
    """One vitals row; `id` is the room's row id, the key that makes a resend a duplicate."""
    model_config = ConfigDict(extra="forbid", strict=True)
    id: int = Field(ge=1)
    session_id: str | None = Field(default=None, max_length=SHORT)
    kind: str = Field(min_length=1, max_length=SHORT)
    value: float | None
    unit: str = Field(max_length=16)
    ts: str = Field(pattern=TS_RE)
    device_ts: str | None = Field(default=None, pattern=TS_RE)
    flags: list[str] = Field(default_factory=list, max_length=16)
    source: str | None = Field(default=None, max_length=SHORT)


class Batch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    events: list[EventIn] = Field(default_factory=list, max_length=P.MAX_BATCH_EVENTS,
                                  description="consecutive by seq, in seq order")
    vitals: list[VitalIn] = Field(default_factory=list, max_length=P.MAX_BATCH_VITALS)


class BatchAck(BaseModel):
    room_id: str
    accepted_events: int
    duplicate_events: int
    accepted_vitals: int
    duplicate_vitals: int
    last_seq: int = Field(description="the hub holds this room's events 1..last_seq")
    last_vitals_id: int
    received_at: str


class Problem(BaseModel):
    error: Literal["unauthorized", "too_large", "malformed", "gap", "chain_broken", "conflict", "not_found"]
    detail: str
    expected_seq: int | None = None
    seq: int | None = None
    hub_last_seq: int | None = None


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


_REFUSALS: dict[int | str, dict[str, Any]] = {401: {"model": Problem, "description": "missing or wrong token"},
             413: {"model": Problem, "description": "body or batch over the limits"},
             422: {"model": Problem, "description": "not JSON, or a field missing or wrong"}}


class BodyLimit:
    """Refuse bodies over `max_bytes` before anything parses them (an oversized batch stores nothing)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._too_large(scope, receive, send, int(length))
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await self._too_large(scope, receive, send, len(body))
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope, receive, send, size: int):
        await JSONResponse({"error": P.TOO_LARGE, "detail": f"the body is {size} bytes or more; the hub takes at "
                                                           f"most {self.max_bytes} per request: send smaller batches"},
                           status_code=413)(scope, receive, send)


def create_app(db: HubDB, *, max_body_bytes: int = P.MAX_BODY_BYTES, hold_s: float = 0.0) -> FastAPI | BodyLimit:
    """The hub app over `db`. `hold_s` (tests only) keeps each ingest transaction open that long."""
    app = FastAPI(title="RoomControl hub", version=__version__,
                  description="Collects the event logs and vitals of the clinic's rooms, exactly once, and checks "
                              "each room's hash chain. Rooms push with their own token (`roomcontrol hub "
                              "add-room ROOM`); reads need a room token (that room) or a reader token (all).")
    app.state.db = db
    bearer = HTTPBearer(auto_error=False, description="a room token or a reader token")

    def who(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Principal:
        return store.authenticate(db, credentials.credentials if credentials else None)

    def readable(room_id: str, principal: Principal = Depends(who)) -> str:
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
    async def post_batch(room_id: str, request: Request, principal: Principal = Depends(who)) -> dict:
        """Store a room's batch exactly once: events already held (same id and hash) count as duplicates."""
        if principal.room_id != room_id:
            raise Refusal(401, P.UNAUTHORIZED, f"this token may not push to room {room_id!r}")
        body = await request.body()  # BodyLimit has already refused anything over the limit
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

    @app.get(P.API + "/rooms", response_model=list[RoomOut], tags=["read"], responses={401: _REFUSALS[401]})
    def rooms(principal: Principal = Depends(who)) -> list[dict]:
        return store.list_rooms(db, principal)

    @app.get(P.API + "/rooms/{room_id}", response_model=RoomOut, tags=["read"])
    def room(room_id: str = Depends(readable)) -> dict | None:  # `readable` refused a room the hub lacks
        return store.head(db, room_id)

    @app.get(P.API + "/rooms/{room_id}/sessions", response_model=list[SessionOut], tags=["read"])
    def sessions(room_id: str = Depends(readable), after_seq: int = Query(0, ge=0),
                 limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """Oldest first; page on with `after_seq` = the last session's `first_seq`."""
        return store.read_sessions(db, room_id, after_seq=after_seq, limit=limit)

    @app.get(P.API + "/rooms/{room_id}/events", response_model=list[EventOut], tags=["read"])
    def events(room_id: str = Depends(readable), after_seq: int = Query(0, ge=0),
               limit: int = Query(1000, ge=1, le=P.MAX_BATCH_EVENTS), session_id: str | None = None,
               kind: str | None = None) -> list[dict]:
        return store.read_events(db, room_id, after_seq=after_seq, limit=limit, session_id=session_id, kind=kind)

    @app.get(P.API + "/rooms/{room_id}/vitals", response_model=list[VitalOut], tags=["read"])
    def vitals(room_id: str = Depends(readable), after_id: int = Query(0, ge=0),
               limit: int = Query(1000, ge=1, le=P.MAX_BATCH_VITALS), session_id: str | None = None,
               kind: str | None = None) -> list[dict]:
        return store.read_vitals(db, room_id, after_id=after_id, limit=limit, session_id=session_id, kind=kind)

    @app.get(P.API + "/rooms/{room_id}/reports", response_model=list[ReportOut], tags=["read"])
    def reports(room_id: str = Depends(readable), before_id: int | None = Query(None, ge=1),
                limit: int = Query(100, ge=1, le=1000)) -> list[dict]:
        """Chain breaks, gaps and conflicts the hub refused, newest first; page on with `before_id`."""
        return store.read_reports(db, room_id, before_id=before_id, limit=limit)

    return BodyLimit(app, max_body_bytes) if max_body_bytes else app


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
