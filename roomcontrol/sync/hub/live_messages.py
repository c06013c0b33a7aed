"""The live channel's messages as docs/STATION.md defines them: paths, timings, limits, and the pydantic models
that check what a room sends (a message that fails them is counted and skipped, never fatal)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from roomcontrol.domain import catalogue
from roomcontrol.sync import protocol as P
from roomcontrol.sync.hub.staff import STATION_COOKIE as STATION_COOKIE  # noqa: F401  (the session's cookie)

ROOM_LIVE_PATH = P.API + "/rooms/{room_id}/live"
STATION_LIVE_PATH = P.API + "/station/live"

HEARTBEAT_S = 1.0          # a room sends its state at least this often
CONTACT_LOST_S = 4.0       # nothing from a room for this long: contact lost
CHECK_S = 0.5              # the contact/escalation check; lost is seen within CONTACT_LOST_S + CHECK_S < 5 s
ACT_TIMEOUT_S = 5.0        # an act with no act_result within this is answered as failed
ESCALATE_AFTER_S = 60.0    # default of `hub serve --escalate-after-s`
MAX_MESSAGE_BYTES = 64 * 1024  # one room or station message; larger ones are counted as malformed and skipped
WS_MAX_BYTES = 1024 * 1024     # the socket's own frame limit (beyond it uvicorn closes the socket)

# The commands a station may send (the room checks them again).
STATION_COMMANDS = catalogue.STATION_COMMANDS
MAY_ACT_ROLES = ("nurse", "admin")

_ID = Field(min_length=1, max_length=64)
_TEXT = Field(max_length=500)


class _Open(BaseModel):
    # Nested parts keep fields this hub does not know (a newer room): the station shows what it understands.
    model_config = ConfigDict(extra="allow")


class SessionIn(_Open):
    session_id: str | None = Field(None, max_length=64)
    patient: str | None = Field(None, max_length=64)
    course_no: int | None = None
    elapsed_s: float | None = Field(None, allow_inf_nan=False)
    planned_s: float | None = Field(None, allow_inf_nan=False)
    remaining_s: float | None = Field(None, allow_inf_nan=False)
    dose_mg: float | None = Field(None, allow_inf_nan=False)
    rate_mg_per_h: float | None = Field(None, allow_inf_nan=False)
    paused: bool = False


class AlarmIn(_Open):
    alarm_id: str = _ID
    condition: str = Field(max_length=64)
    priority: Literal["high", "medium", "low", "info"]
    technical: bool = False
    text: str = _TEXT
    raised_at: str | None = Field(None, max_length=40)
    acknowledged_by: str | None = Field(None, max_length=64)
    escalated: bool = False


class CallIn(_Open):
    called_at: str | None = Field(None, max_length=40)
    waiting_s: float | None = Field(None, allow_inf_nan=False)
    presses: int = 1


class WaitingIn(_Open):
    """A wait on the nurse (domain/waiting.py): a pre-dose hold, an OK-check asked."""
    key: str = _ID
    what: str = Field(max_length=32)
    state: str = Field(max_length=32)
    text: str = _TEXT
    since: str | None = Field(None, max_length=40)
    age_s: float | None = Field(None, allow_inf_nan=False)
    prompt: str = _TEXT


class StateIn(BaseModel):
    """A room's `state` (docs/STATION.md). Unknown top-level fields are dropped, not relayed."""
    model_config = ConfigDict(extra="ignore")
    type: Literal["state"]
    v: int = 1
    room_id: str = Field(max_length=32)
    room_name: str = Field("", max_length=64)
    sent_at: str | None = Field(None, max_length=40)
    phase: str | None = Field(None, max_length=32)
    session: SessionIn | None = None
    vitals: dict[str, dict[str, Any]] = Field(default_factory=dict, max_length=32)
    alarms: list[AlarmIn] = Field(default_factory=list, max_length=64)
    call: CallIn | None = None
    devices: dict[str, str] = Field(default_factory=dict, max_length=32)
    due: list[dict[str, Any]] = Field(default_factory=list, max_length=32)
    waiting: list[WaitingIn] = Field(default_factory=list, max_length=16)  # additive: v stays 1
    sync: dict[str, Any] | None = None
    storage_error: str | None = Field(None, max_length=500)


class ActResultIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["act_result"]
    act_id: str = Field(min_length=1, max_length=128)
    ok: bool
    detail: str = Field("", max_length=500)


# One parse and one validation per room message, chosen by its "type".
RoomMessage: TypeAdapter[StateIn | ActResultIn] = TypeAdapter(
    Annotated[StateIn | ActResultIn, Field(discriminator="type")])


class StationActIn(BaseModel):
    """A station's act: `{"type": "act", "act_id", "room_id", "command", "args"}`."""
    model_config = ConfigDict(extra="ignore")
    type: Literal["act"]
    act_id: str = Field(min_length=1, max_length=128)
    room_id: str = Field(max_length=32)
    command: str = Field(max_length=64)
    args: dict[str, Any] = Field(default_factory=dict, max_length=8)
