"""Rooms that play a patient's sessions for the course tests and docs/course-first-page.png: the standard
scenario (tests/records/session_factory.py) in a real room fed monitor readings, with the PHQ-9 and GAD-7 given."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from roomcontrol.domain.course import COMFORT_PLAN_SAVED
from roomcontrol.domain.events import NewEvent
from roomcontrol.engine.room import Room
from roomcontrol.engine.scenario import load_scenario, play
from roomcontrol.store import database
from roomcontrol.store.eventlog import EventLog
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.store import add_room
from roomcontrol.sync.pusher import SyncPusher
from tests.records.session_factory import CONFIG, STANDARD, FeedingClock

PATIENT = "PT-1042"
DAY0 = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
PHQ_LINE = 'args = { scale = "PHQ-9", items = { q1 = 2, q2 = 2, q3 = 1, q4 = 2, q5 = 1, q6 = 1, q7 = 1, q8 = 0, q9 = 0 } }'
GAD_STEP = '\n\n[[step]]\nat = "02:10"\ndo = "record_assessment"\nactor = "patient"\nargs = {{ scale = "GAD-7", items = {{ {} }} }}'


def _items(n: int, total: int, q9: int = 0) -> str:
    """n items summing to `total` (item 9 of PHQ-9 set apart), each 0..3."""
    values = [0] * n
    left = total - q9
    for i in range(n - (1 if q9 or n == 9 else 0)):
        values[i] = min(3, left)
        left -= values[i]
    if n == 9:
        values[8] = q9
    return ", ".join(f"q{i + 1} = {v}" for i, v in enumerate(values))


def play_session(data_dir: Path, room_id: str, start: datetime, phq: int, gad: int, *, q9: int = 0,
                 patient: str = PATIENT, tmp: Path) -> str:
    """The standard scenario (nausea, a pause, SpO2 dip) in a real room fed monitor readings, with this PHQ-9 and
    GAD-7 at check-in. Returns the session id."""
    text = STANDARD.read_text(encoding="utf-8").replace(PATIENT, patient)
    text = text.replace(PHQ_LINE, f'args = {{ scale = "PHQ-9", items = {{ {_items(9, phq, q9)} }} }}'
                        + GAD_STEP.format(_items(7, gad)))
    scenario = tmp / f"{room_id}-{start:%d%H}.toml"
    scenario.write_text(text, encoding="utf-8")
    clock = FeedingClock(start)
    # the default room's protocol, as a room.toml without `protocols` runs it (its checks, its discharge rules)
    room = Room(replace(CONFIG, room_id=room_id, room_name=room_id), data_dir, clock)
    clock.room = room
    try:
        clock.sleep(60)
        play(load_scenario(scenario), room, clock)
        clock.sleep(30)
        return room.state.session.session_id
    finally:
        room.close()


def play_course(tmp: Path) -> tuple[dict[str, Path], list[str], str]:
    """Three rooms' logs: PT-1042 on day 0 (room-1), day 3 (room-2), day 7 (room-3); PT-9 on day 4 (room-2); and
    the comfort plan saved at the room-2 discharge, as the comfort part logs it. (room dirs, PT-1042's session ids,
    PT-9's session id)."""
    dirs = {r: tmp / r for r in ("room-1", "room-2", "room-3")}
    ids = [play_session(dirs["room-1"], "room-1", DAY0, 20, 15, tmp=tmp),
           play_session(dirs["room-2"], "room-2", DAY0 + timedelta(days=3), 14, 12, q9=1, tmp=tmp),
           play_session(dirs["room-3"], "room-3", DAY0 + timedelta(days=7), 9, 8, tmp=tmp)]
    other = play_session(dirs["room-2"], "room-2", DAY0 + timedelta(days=4), 5, 4, patient="PT-9", tmp=tmp)
    db = database.connect(database.db_path(dirs["room-2"]))
    plan = {"playlist": "ocean", "volume": 30, "light": 10, "colour_temp_k": 2700, "diffuser": False,
            "prefers_silence": True, "eye_mask": True, "blanket": True, "note": "likes to hold a stone"}
    EventLog(db, "room-2").append_many([NewEvent(COMFORT_PLAN_SAVED, {"plan": plan}, "rn.ada", ids[1])],
                                       DAY0 + timedelta(days=3, hours=2))
    db.conn.close()
    return dirs, ids, other


def sync_rooms(hubdb: HubDB, dirs: dict[str, Path], hub_url: str) -> None:
    """Each room's real pusher sends its log to the hub (a fresh room token each)."""
    for room_id, data_dir in dirs.items():
        pusher = SyncPusher(database.db_path(data_dir), room_id, hub_url, add_room(hubdb, room_id), batch_size=200)
        result = pusher.sync_now()
        pusher.stop()
        assert result.ok, result
