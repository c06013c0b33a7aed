"""The staff directory and station sign-in over HTTP (docs/STATION.md, "Station ↔ hub" and "Staff directory").

- `GET /api/v1/staff`: the directory rooms cache (room token: with the PIN hashes; reader token: without).
- `POST /api/v1/station/signin` {staff_id, pin} → who, and the session cookie; `POST /api/v1/station/signout`;
  `GET /api/v1/station/me`.
Sign-in and sign-out carry no bearer token (a PIN or the cookie authenticates them), so the hub's Gate lets
OPEN_POSTS through with a body of at most OPEN_BODY_BYTES. The SameSite=Strict cookie is what keeps another site
from posting with a nurse's session.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from roomcontrol.domain import staff as D
from roomcontrol.domain.errors import Refused
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub import staff as S
from roomcontrol.sync.hub import store
from roomcontrol.sync.hub.store import Refusal

STAFF_PATH = P.API + "/staff"
SIGNIN_PATH = P.API + "/station/signin"
SIGNOUT_PATH = P.API + "/station/signout"
ME_PATH = P.API + "/station/me"
OPEN_POSTS = frozenset({SIGNIN_PATH, SIGNOUT_PATH})  # the Gate's exemption from the bearer token
OPEN_BODY_BYTES = 4096

router = APIRouter(tags=["station"])
_waiting = 0  # sign-ins queued for or running on staff.PIN_POOL (this worker's event loop only touches it)


class SigninIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    staff_id: str = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=1, max_length=64)


class StaffEntry(BaseModel):
    staff_id: str
    name: str
    role: str
    pin_hash: str | None = Field(None, description="the room's scrypt encoding; only for a room token")
    active: bool
    created_at: str
    updated_at: str


class Directory(BaseModel):
    version: str | None = Field(description="the latest updated_at: a room skips a copy it already holds")
    staff: list[StaffEntry]


class RefusalOut(BaseModel):
    """Every refusal here: the hub's usual {error, detail}, and for a sign-in the tries left or the lock's end."""
    error: str
    detail: str
    tries_left: int | None = None
    locked_until: str | None = None


_401 = {"model": RefusalOut, "description": "no valid token or session"}
_422 = {"model": RefusalOut, "description": "not JSON, or a field missing or wrong"}
_413 = {"model": RefusalOut, "description": f"a body over {OPEN_BODY_BYTES} bytes"}


class StationStaffOut(BaseModel):
    staff_id: str
    name: str
    role: str
    expires_at: str


def _db(request: Request):
    return request.app.state.db


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@router.get(STAFF_PATH, response_model=None, responses={200: {"model": Directory}, 401: _401})
async def staff_directory(request: Request) -> JSONResponse:
    """The clinic's staff directory. A room token gets the PIN hashes (a room checks PINs offline); a reader token
    gets the same list without them."""
    db = _db(request)
    principal = await run_in_threadpool(store.authenticate, db, _bearer(request))
    return JSONResponse(await run_in_threadpool(S.directory, db, with_hashes=principal.room_id is not None))


@router.post(SIGNIN_PATH, response_model=StationStaffOut,
             responses={401: {"model": RefusalOut, "description": "wrong staff id or PIN (with tries_left)"},
                        429: {"model": RefusalOut, "description": "locked out after wrong PINs (locked_until)"},
                        413: _413, 422: _422, 503: {"model": RefusalOut, "description": "too many sign-ins "
                                                                                        "waiting: try again"}},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": SigninIn.model_json_schema()}}}})
async def signin(request: Request) -> JSONResponse:
    """Sign in at a station with the staff directory's PIN: sets the `rc_station` session cookie (12 h)."""
    # Parsed by hand (as a batch is), so any body that is not this JSON gets the hub's 422, never a bare 400.
    try:
        body = SigninIn.model_validate_json(await request.body())
        D.check_staff_id(body.staff_id)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:3])
        raise Refusal(422, P.MALFORMED, f"malformed sign-in: {errors} (send {{\"staff_id\", \"pin\"}})") from None
    except Refused as refused:
        raise Refusal(422, P.MALFORMED, str(refused)) from None
    global _waiting
    if _waiting >= S.PIN_QUEUE:
        raise Refusal(503, "busy", f"{_waiting} sign-ins are waiting for their PIN check: try again in a moment")
    _waiting += 1
    try:
        who, token = await asyncio.get_running_loop().run_in_executor(S.PIN_POOL, S.signin, _db(request),
                                                                      body.staff_id, body.pin)
    finally:
        _waiting -= 1
    response = JSONResponse(who.public())
    response.set_cookie(S.STATION_COOKIE, token, max_age=S.STATION_SESSION_S, path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post(SIGNOUT_PATH, responses={413: _413})
async def signout(request: Request) -> JSONResponse:
    """End this station's session (if any) and clear its cookie."""
    ended = await run_in_threadpool(S.signout, _db(request), request.cookies.get(S.STATION_COOKIE))
    response = JSONResponse({"ok": True, "ended": ended})
    response.delete_cookie(S.STATION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response


@router.get(ME_PATH, response_model=StationStaffOut, responses={401: _401})
async def me(request: Request) -> dict:
    """Who is signed in at this station."""
    who = await run_in_threadpool(S.session_staff, _db(request), request.cookies.get(S.STATION_COOKIE))
    if who is None:
        raise Refusal(401, P.UNAUTHORIZED, "not signed in (or the session expired): POST /api/v1/station/signin")
    return who.public()
