"""The comfort plan in the room: `set_comfort_plan` checked against this room (its playlists, the patient's limits)
and logged as comfort.plan_set; the current phase's scene then comes again with the new plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roomcontrol.domain import catalogue as C
from roomcontrol.domain import kinds as K
from roomcontrol.domain.comfort import SOURCES, check_plan, read_plan
from roomcontrol.domain.errors import Refused
from roomcontrol.engine.comfort_scene import room_playlists
from roomcontrol.engine.room import Room

if TYPE_CHECKING:
    from roomcontrol.engine.devices import RoomDevices


class ComfortLink:
    """Binds set_comfort_plan; a new plan brings the phase's scene again, with it."""

    def __init__(self, room: Room, devices: "RoomDevices") -> None:
        self.room, self.devices = room, devices
        room.bind(C.SetComfortPlan, self._set)
        room.subscribe(on_event=self._on_event)

    def _set(self, command: C.SetComfortPlan, actor: str, now) -> list:
        if self.room.state.open_session is None:
            raise Refused("no session is open in this room: a comfort plan belongs to the patient's session")
        if command.source not in SOURCES:
            raise Refused(f"comfort plan source must be one of {', '.join(SOURCES)}, got {command.source!r}")
        if actor == "patient" and command.source != "room":
            raise Refused("only the nurse loads the comfort plan from the patient's course")
        plan = check_plan(read_plan(command.plan), room_playlists(), actor)
        return [(K.COMFORT_PLAN_SET, {"plan": plan.to_dict(), "source": command.source})]

    def _on_event(self, event) -> None:
        if event.kind == K.COMFORT_PLAN_SET:
            phase = self.room.state.phase
            self.room.defer(lambda: self.devices.enter_phase(phase, event.kind, again=True))
