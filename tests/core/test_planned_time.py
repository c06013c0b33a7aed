"""The planned infusion time: logged once by the engine's tick when the running infusion reaches its plan, with
the overrun in the snapshot; a pause stops the count, a restart does not log it twice."""

from roomcontrol.clock import FakeClock
from roomcontrol.config import RoomConfig
from roomcontrol.domain import kinds as K
from roomcontrol.domain.wording import describe
from roomcontrol.engine.room import Room
from tests.core.helpers import NURSE, make_room, walk_to


def reached(room):
    return [e for e in room.log.events(kinds=(K.INFUSION_PLANNED_TIME_REACHED,))]


def test_planned_time_is_logged_once_with_the_overrun_in_the_snapshot(tmp_path):
    clock = FakeClock()
    room = make_room(tmp_path, clock=clock)
    walk_to(room, "infusing")
    clock.advance(40 * 60 - 1)
    snap = room.tick()
    assert not reached(room) and not snap.planned_time_reached and snap.overrun_s == 0
    clock.advance(1)
    snap = room.tick()
    assert len(reached(room)) == 1 and snap.planned_time_reached
    clock.advance(35)
    snap = room.tick()
    assert len(reached(room)) == 1
    assert snap.overrun_s == 35
    event = reached(room)[0]
    assert event.actor == "system" and event.payload["planned_infusion_min"] == 40
    assert describe(event) == "Planned infusion time reached: 40 min"
    room.close()
    again = Room(RoomConfig(), tmp_path, clock)
    clock.advance(10)
    assert again.tick().overrun_s == 45
    assert len(reached(again)) == 1  # not again after a restart
    again.command("complete_infusion", NURSE)
    after = again.tick()
    assert after.overrun_s == 0 and not after.planned_time_reached
    again.close()


def test_a_paused_infusion_does_not_reach_its_plan(tmp_path):
    clock = FakeClock()
    room = make_room(tmp_path, clock=clock)
    walk_to(room, "paused")
    clock.advance(60 * 60)
    snap = room.tick()
    assert not reached(room) and snap.overrun_s == 0
    room.close()
