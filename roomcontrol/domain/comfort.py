"""The patient's comfort plan: what calms this patient (music or silence, light, colour, mist, eye mask, blanket and
a note in their own words), set by the nurse or by the patient, saved at discharge and taken by the next session's
phase scenes in any room (docs/COURSE.md, "Comfort events").

The plan travels as a plain dict (`to_dict` / `read_plan`): the event payloads, the hub's course summary and the
check-in course panel all carry that one shape. `check_plan` judges it against a room: its playlists and tracks,
the device range for the nurse, the room's patient limits for the patient. `overlay` lays a plan over a scene's
levels, inside that scene's patient limits (a plan is a patient's preference, never a blinding or deafening room).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from roomcontrol.domain import kinds as K
from roomcontrol.domain.ambient import COOLEST_K, PATIENT_LIMITS, WARMEST_K, PatientLimits
from roomcontrol.domain.ambient_words import light_colour, playlist_title, track_title
from roomcontrol.domain.catalogue import Discharge
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import NewEvent
from roomcontrol.domain.policy import SessionPolicy
from roomcontrol.domain.session import RoomState

NOTE_MAX = 140
# Where a plan was set from (comfort.plan_set's "source"): typed in this room, or loaded from the patient's course.
SOURCES = ("room", "course")
Playlists = Mapping[str, Sequence[str]]  # a room's playlists: folder name → its track file names
DischargeDecider = Callable[[RoomState, Discharge, str, datetime, SessionPolicy, Callable[[], str]], list[NewEvent]]


@dataclass(frozen=True)
class ComfortPlan:
    playlist: str = ""          # one of the room's playlists; "" the scene's own music
    track: str = ""             # a track of that playlist to start with; "" from its first
    volume: float = 30.0        # percent
    light: float = 20.0         # percent
    colour_temp_k: int = 2700   # the white's colour temperature (1800 warm … 6500 cool)
    diffuser: bool = False      # the scene's mist on (or a gentle default cycle) or off
    prefers_silence: bool = False  # no music in any scene
    eye_mask: bool = False
    blanket: bool = False
    note: str = ""              # the patient's words ("likes to hold a stone"), at most NOTE_MAX characters

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


KEYS = tuple(f.name for f in fields(ComfortPlan))
_TEXT = ("playlist", "track", "note")
_PERCENT = ("light", "volume")
_FLAGS = ("diffuser", "prefers_silence", "eye_mask", "blanket")


def read_plan(raw: object) -> ComfortPlan:
    """A plan from its dict (an event's, the hub's, a command's), or Refused naming the key and what is allowed.
    A comfort.plan_saved payload ({"plan": {...}}) is read as its plan; a missing key takes the default."""
    if isinstance(raw, Mapping) and set(raw) == {"plan"}:
        raw = raw["plan"]
    if not isinstance(raw, Mapping):
        raise Refused(f"a comfort plan must be a table of {', '.join(KEYS)}; got {raw!r}")
    unknown = [k for k in raw if k not in KEYS]
    if unknown:
        raise Refused(f"comfort plan: unknown key {unknown[0]!r}; known: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _TEXT:
            if not isinstance(value, str):
                raise Refused(f"comfort plan: {key} must be text, got {value!r}")
            values[key] = value.strip()
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise Refused(f"comfort plan: {key} must be true or false, got {value!r}")
            values[key] = value
        elif key in _PERCENT:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
                raise Refused(f"comfort plan: {key} must be a percentage 0–100, got {value!r}")
            values[key] = float(value)
        else:  # colour_temp_k
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not WARMEST_K <= value <= COOLEST_K:
                raise Refused(f"comfort plan: colour_temp_k must be {WARMEST_K}–{COOLEST_K} K, got {value!r}")
            values[key] = int(round(value))
    if len(values.get("note", "")) > NOTE_MAX:
        raise Refused(f"comfort plan: the note is longer than {NOTE_MAX} characters")
    if values.get("track") and not values.get("playlist"):
        raise Refused("comfort plan: a track needs its playlist")
    return ComfortPlan(**values)


def check_plan(plan: ComfortPlan, playlists: Playlists, actor: str,
               limits: PatientLimits | None = None) -> ComfortPlan:
    """`plan` if this room can play it and `actor` may ask for it: the playlist and track must be the room's; the
    patient's light and volume within `limits` (the room's PATIENT_LIMITS by default); the diffuser is switched on
    by the nurse only (a scent can bring on nausea: the patient may turn it off, as from the chair)."""
    if plan.playlist and plan.playlist not in playlists:
        known = ", ".join(playlists) or "none"
        raise Refused(f"comfort plan: no playlist {plan.playlist!r} in this room; known: {known}")
    if plan.track and plan.track not in playlists[plan.playlist]:
        raise Refused(f"comfort plan: no track {plan.track!r} in the playlist {plan.playlist!r}")
    if actor == "patient":
        for target in _PERCENT:
            low, high = (limits or PATIENT_LIMITS)[target]
            if not low <= getattr(plan, target) <= high:
                raise Refused(f"{target} can be set between {low:g} and {high:g} % from the chair")
        if plan.diffuser:
            raise Refused("the diffuser is switched on by the nurse; ask your nurse")
    return plan


def fitted(plan: ComfortPlan, playlists: Playlists) -> ComfortPlan:
    """A plan from another room made playable here: music this room does not have becomes the scene's own."""
    if plan.playlist and plan.playlist not in playlists:
        return replace(plan, playlist="", track="")
    if plan.track and plan.track not in playlists.get(plan.playlist, ()):
        return replace(plan, track="")
    return plan


@dataclass(frozen=True)
class Levels:
    """What a scene asks of the devices (the part a comfort plan may change)."""
    light_percent: float
    colour_temp_k: int
    playlist: str
    volume_percent: float
    diffuser_on_s: int
    diffuser_off_s: int
    track: str = ""


DEFAULT_MIST = (30, 90)  # on/off seconds when the plan wants mist and the scene has none (as the nurse's switch)


def overlay(plan: ComfortPlan, scene: Levels, limits: PatientLimits) -> Levels:
    """The scene's levels with the patient's: light and volume kept inside the scene's patient `limits`, silence
    meaning no music, the scene's own playlist where the plan names none."""
    def inside(target: str, value: float) -> float:
        low, high = limits[target]
        return min(high, max(low, value))

    on_s, off_s = (scene.diffuser_on_s, scene.diffuser_off_s) if scene.diffuser_on_s else DEFAULT_MIST
    playlist, track = (plan.playlist, plan.track) if plan.playlist else (scene.playlist, "")
    silent = plan.prefers_silence or not playlist
    return Levels(light_percent=inside("light", plan.light), colour_temp_k=plan.colour_temp_k,
                  playlist="" if silent else playlist, track="" if silent else track,
                  volume_percent=0.0 if silent else inside("volume", plan.volume),
                  diffuser_on_s=on_s if plan.diffuser else 0, diffuser_off_s=off_s if plan.diffuser else 0)


def music_words(plan: ComfortPlan) -> str:
    """"Ocean (Nature)", "Nature" or "the room's music": what plays, by title (domain/ambient_words.py)."""
    if not plan.playlist:
        return "the room's music"
    playlist = playlist_title(plan.playlist)
    return f"{track_title(plan.track)} ({playlist})" if plan.track else playlist


def summary(plan: ComfortPlan) -> str:
    """One line for the nurse: "warm light at 10 % · silence · mist off · eye mask, blanket"."""
    music = "silence" if plan.prefers_silence else f"{music_words(plan)} at {plan.volume:g} %"
    extras = [name for name, on in (("eye mask", plan.eye_mask), ("blanket", plan.blanket)) if on]
    parts = [f"{light_colour(plan.colour_temp_k)} light at {plan.light:g} %", music,
             f"mist {'on' if plan.diffuser else 'off'}"]
    return " · ".join(parts + ([", ".join(extras)] if extras else []))


def saving_plan(discharge: DischargeDecider) -> DischargeDecider:
    """The discharge decision with "Save comfort plan for next time" (on by default): the session's plan is logged
    as comfort.plan_saved by the discharging nurse, just before session.discharged, while the session is open."""
    def decide(state: RoomState, c: Discharge, actor: str, now: datetime, policy: SessionPolicy,
               new_id: Callable[[], str]) -> list[NewEvent]:
        events = discharge(state, c, actor, now, policy, new_id)
        s = state.open_session
        if c.save_comfort_plan and s is not None and s.comfort is not None:
            events.insert(len(events) - 1, NewEvent(K.COMFORT_PLAN_SAVED, {"plan": dict(s.comfort)}, actor,
                                                    s.session_id))
        return events
    return decide
