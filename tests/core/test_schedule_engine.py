"""The schedule in the engine (issue #15 item 2): an overdue BP in the snapshot and the live state, `start_nibp`
reaching the simulated monitor whose reading (~30 s of cuff later) satisfies the item, `validate_reading`
charting the latest reading for an item, monitors that cannot be started saying so, and a restart keeping it all."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from roomcontrol.domain.timefmt import iso_utc

from roomcontrol.clock import FakeClock, ScaledClock
from roomcontrol.config import load_config
from roomcontrol.devices.vitals.physiology import VitalsModel
from roomcontrol.devices.vitals.simulator import SimulatedVitalsDriver
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.vitals import UNITS, Reading
from roomcontrol.engine.live_state import live_state, substance
from roomcontrol.engine.schedule import start_nibp
from roomcontrol.domain import catalogue as C
from tests.core import helpers
from tests.core.helpers import NURSE, walk_to

BP_15 = "nibp@dose+15"


def make_room(tmp_path, clock=None):
    """A room running the shipped default protocol (ketamine-depression), as `roomcontrol run` without room.toml."""
    return helpers.make_room(tmp_path, load_config(None), clock)


class FollowClock(ScaledClock):
    """The simulator's clock in these tests: the room's fake wall time, with monotonic time 60× real, so its 30 s
    cuff takes half a real second and its readings carry the room's time."""

    def __init__(self, fake: FakeClock):
        super().__init__(60.0)
        self.fake = fake

    def now(self) -> datetime:
        return self.fake.now()


def nibp(room, sys_: float, dia: float, mean: float) -> None:
    now = room.clock.now()
    for kind, v in (("nibp_systolic", sys_), ("nibp_diastolic", dia), ("nibp_mean", mean)):
        room.post_reading(Reading(kind, v, UNITS[kind], now, now, frozenset(), "test"))
    room.pump()


def due(room) -> dict[str, str]:
    return {i.key: i.prompt(room.clock.now()) for i in room.snapshot().due}


def test_an_overdue_bp_shows_in_the_snapshot_and_the_live_state_and_a_monitor_reading_answers_it(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "infusing")              # ketamine-depression: the baseline's BP answered the pre-dose check
    assert due(room) == {}
    room.clock.advance(21 * 60)
    assert due(room) == {BP_15: "BP overdue 6 min", "MOAA/S@dose+15": "MOAA/S overdue 6 min"}
    state = live_state(room.snapshot())
    assert [(d["key"], d["state"], d["late_min"], d["prompt"]) for d in state["due"]] == [
        ("MOAA/S@dose+15", "overdue", 6, "MOAA/S overdue 6 min"), (BP_15, "overdue", 6, "BP overdue 6 min")]
    before = substance(state)
    nibp(room, 128, 82, 97)
    assert BP_15 not in due(room)
    assert substance(live_state(room.snapshot())) != before   # answered: the station hears at once
    room.command("record_assessment", NURSE, scale="MOAA/S", items={"responsiveness": 5})
    assert due(room) == {}
    room.close()


def test_start_nibp_reaches_the_simulator_and_its_reading_satisfies_the_item(tmp_path):
    room = make_room(tmp_path)
    sim = SimulatedVitalsDriver(on_reading=room.post_reading, on_health=room.post_health,
                                clock=FollowClock(room.clock), model=VitalsModel(nibp_interval_s=1e9))
    room.bind(C.StartNibp, lambda command, actor, now: start_nibp(room, sim, command, actor))
    walk_to(room, "infusing")
    sim.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "nibp_systolic" not in room.monitoring.view.latest:
            room.pump()
            time.sleep(0.05)
        first_bp = room.monitoring.view.latest["nibp_systolic"].received_ts   # its cycle at t = 0
        room.clock.advance(21 * 60)
        assert BP_15 in due(room)
        events = room.command("start_nibp", NURSE, item=BP_15)
        assert [(e.kind, e.actor, e.payload) for e in events] == [
            (K.VITALS_NIBP_REQUESTED, NURSE, {"by": NURSE, "item": BP_15})]
        started = time.monotonic()
        while time.monotonic() < started + 10 and BP_15 in due(room):
            room.pump()
            time.sleep(0.02)
        assert BP_15 not in due(room)
        waited = time.monotonic() - started
        item = next(i for i in room.schedule.items(room.clock.now()) if i.key == BP_15)
        assert item.state == "done" and item.satisfied_by.source == "monitor"
        assert item.satisfied_by.at > first_bp
        assert waited >= 0.3   # the cuff's ~30 s at 60×: the reading is not instant
    finally:
        sim.close()
        room.close()


def test_validate_reading_charts_the_latest_bp_for_the_item_with_who_and_its_device_time(tmp_path):
    room = make_room(tmp_path)
    walk_to(room, "infusing")
    room.clock.advance(21 * 60)
    with pytest.raises(Refused, match="no BP reading from the monitor yet"):
        room.command("validate_reading", NURSE, item=BP_15)
    taken = room.clock.now()
    nibp(room, 131, 84, 99)
    events = room.command("validate_reading", NURSE, item=BP_15)
    (e,) = events
    assert e.kind == K.VITALS_VALIDATED and e.actor == NURSE
    assert e.payload == {"by": NURSE, "what": "nibp",
                         "item": {"key": BP_15, "label": "BP during the infusion",
                                  "due_at": e.payload["item"]["due_at"]},
                         "reading": {"nibp_systolic": 131, "nibp_diastolic": 84, "nibp_mean": 99,
                                     "device_ts": e.payload["reading"]["device_ts"],
                                     "received_ts": iso_utc(taken)}}
    assert e.payload["reading"]["device_ts"].startswith(taken.strftime("%Y-%m-%dT%H:%M:%S"))
    item = next(i for i in room.schedule.items(room.clock.now()) if i.key == BP_15)
    assert item.satisfied_by.source == "validated" and item.satisfied_by.by == NURSE
    with pytest.raises(Refused, match="BP during the infusion is already charted, by rn.ada"):
        room.command("validate_reading", NURSE, item=BP_15)
    room.close()


def test_a_restart_keeps_what_was_measured_charted_and_still_due(tmp_path):
    clock = FakeClock()
    room = make_room(tmp_path, clock=clock)
    walk_to(room, "infusing")
    clock.advance(21 * 60)
    nibp(room, 128, 82, 97)                          # answers the +15
    clock.advance(15 * 60)
    room.command("record_assessment", NURSE, scale="MOAA/S", items={"responsiveness": 4})  # the +30's MOAA/S
    expected = room.schedule.items(clock.now())
    room.close()                                     # vitals flushed, as at any close (a crash loses ≤ 1 s)
    again = make_room(tmp_path, clock=clock)
    assert again.schedule.items(clock.now()) == expected
    assert [i.key for i in again.snapshot().due] == ["nibp@dose+30"]
    states = {i.key: i.state for i in again.schedule.items(clock.now())}
    assert states[BP_15] == "done" and states["MOAA/S@dose+30"] == "done" and states["nibp@dose+30"] == "overdue"
    again.close()


def test_monitors_that_cannot_be_started_say_so_and_nothing_is_logged(tmp_path):
    from roomcontrol.devices.vitals.intellivue.driver import IntelliVueDriver
    from roomcontrol.devices.vitals.hl7_mllp import Hl7MllpServer
    from roomcontrol.devices.serial_transport import SerialTransport

    room = make_room(tmp_path)
    walk_to(room, "infusing")
    for cls in (IntelliVueDriver, Hl7MllpServer, SerialTransport):
        assert cls.can_start_nibp is False
        with pytest.raises(Refused, match="This monitor can't be started from here: start NIBP on the monitor"):
            start_nibp(room, cls.__new__(cls), C.StartNibp(item=BP_15), NURSE)
    assert SimulatedVitalsDriver.can_start_nibp is True
    assert not list(room.log.events(kinds=(K.VITALS_NIBP_REQUESTED,)))
    room.close()


def test_a_room_without_a_protocol_has_nothing_due(tmp_path):
    (tmp_path / "room.toml").write_text("[session]\nplanned_infusion_min = 40\n")  # a room.toml from before protocols
    room = helpers.make_room(tmp_path, load_config(tmp_path / "room.toml"))
    walk_to(room, "infusing")
    room.clock.advance(60 * 60)
    assert room.schedule.items(room.clock.now()) == () and room.snapshot().due == ()
    room.close()


def test_charting_needs_an_open_session(tmp_path):
    room = make_room(tmp_path)
    with pytest.raises(Refused, match="no session is open"):
        room.command("validate_reading", NURSE, item=BP_15)
    room.close()
