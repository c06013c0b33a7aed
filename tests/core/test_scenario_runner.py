"""The scenario runner's own parts: a scenario's [[staff]] accounts, "@h:mm:ss" arguments as room times, and a
sped-up room ticking on room time (so a check's 2 min answer window holds at --speed 3000)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from roomcontrol.clock import SteppedClock
from roomcontrol.cli import staff
from roomcontrol.cli.run import DEMO_STAFF, _scenario_accounts
from roomcontrol.engine.scenario import ScenarioError, StaffAccount, load_scenario, scenario_time

STEP = '[[step]]\nat = "00:00"\ndo = "add_note"\nactor = "rn.ada"\nargs = { text = "x" }\n'
STAFF = '[[staff]]\nid = "rn.ada"\nname = "Ada Lovelace"\nrole = "nurse"\npin = "5291"\n'


def test_a_scenarios_staff_are_read_and_a_wrong_entry_is_named(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(STAFF + STEP)
    assert load_scenario(path).staff == (StaffAccount("rn.ada", "Ada Lovelace", "nurse", "5291"),)
    assert "5291" not in repr(load_scenario(path).staff)  # a PIN is never printed
    path.write_text('[[staff]]\nid = "rn.ben"\nname = "Ben"\nrole = "nurse"\npin = 7403\n' + STEP)
    with pytest.raises(ScenarioError, match=r"s.toml staff 1: needs id, name, role and pin, each as text"):
        load_scenario(path)


def test_the_scenarios_accounts_are_made_only_where_the_room_has_none_of_its_own(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(STAFF + STEP)
    scenario = load_scenario(path)
    room, demo, own = tmp_path / "room", tmp_path / "demo", tmp_path / "own"
    _scenario_accounts(room, scenario)
    _scenario_accounts(room, scenario)  # played again in the same data dir: made once
    assert [a["staff_id"] for a in staff.list_staff(room)] == ["rn.ada"]
    staff.add_staff(demo, *DEMO_STAFF)  # the demo nurse of `run --simulate` with the window
    _scenario_accounts(demo, scenario)
    assert sorted(a["staff_id"] for a in staff.list_staff(demo)) == ["demo", "rn.ada"]
    staff.add_staff(own, "rn.kim", "Kim", "nurse", "8314")  # a room with its own accounts keeps them alone
    _scenario_accounts(own, scenario)
    assert [a["staff_id"] for a in staff.list_staff(own)] == ["rn.kim"]


def test_at_arguments_become_the_rooms_time_at_that_moment_of_the_scenario():
    origin = datetime(2026, 3, 10, 8, 30, tzinfo=timezone.utc)
    args = {"rems": {"ready_at": "@1:36:00", "lot": "EK2291"}, "list": ["@00:30", 3], "text": "a@b"}
    assert scenario_time(args, origin) == {"rems": {"ready_at": "2026-03-10T10:06:00.000Z", "lot": "EK2291"},
                                           "list": ["2026-03-10T08:30:30.000Z", 3], "text": "a@b"}


def test_a_sped_up_room_ticks_on_room_time(tmp_path):
    from roomcontrol.config import RoomConfig
    from roomcontrol.engine.room import Room

    clock = SteppedClock(3000)
    room = Room(RoomConfig(), tmp_path, clock)
    ticks: list[float] = []
    room.subscribe(on_snapshot=lambda snap: ticks.append(clock.monotonic()))
    room.start(partial=True)
    try:
        start = clock.monotonic()
        clock.wait_for(start + 1800)  # half an hour of room time: 0.6 s of real time
    finally:
        room.close()
    gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a >= start]
    assert len(gaps) > 20 and max(gaps) <= 2 * 60  # at real-second ticks it would be one every 50 min
