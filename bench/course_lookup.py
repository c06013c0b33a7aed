#!/usr/bin/env python3
"""How long check-in waits for the patient's course, against a baseline from the same run.

    .venv/bin/python bench/course_lookup.py [--sessions 12] [--others 40] [--repeat 15]

A room runs `--sessions` infusions of one patient and `--others` of other patients (through the engine's real
commands on a fake clock), pushes its log to a real hub on loopback (SQLite), and check-in's client
(sync/course_client.py) then asks for the course: from the hub, from this room's own log (the hub down: a closed
port), and from a hub that accepts and never answers (the 1.5 s timeout, then the room's own log). The baseline
is the hub's health check over the same HTTP stack: a course answer costs `ratio` of it. Times are medians.
Nothing here blocks a screen: the panel asks on a thread of its own; these are how long it shows "asking…".
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from roomcontrol.clock import FakeClock  # noqa: E402
from roomcontrol.config.room import RoomConfig  # noqa: E402
from roomcontrol.engine.devices import RoomDevices  # noqa: E402
from roomcontrol.engine.room import Room  # noqa: E402
from roomcontrol.store import database  # noqa: E402
from roomcontrol.sync import protocol as P  # noqa: E402
from roomcontrol.sync.course_client import CourseClient  # noqa: E402
from roomcontrol.sync.hub.db import HubDB  # noqa: E402
from roomcontrol.sync.hub.server import ThreadedHub  # noqa: E402
from roomcontrol.sync.hub.store import add_room  # noqa: E402
from roomcontrol.sync.pusher import SyncPusher  # noqa: E402

NURSE = "rn.ada"
CHECKLIST = (("consent", {}), ("npo", {"hours_since_solids": 8, "hours_since_clear_fluids": 3}), ("escort", {}),
             ("pregnancy_screen", {}), ("iv_access", {}))
PADSS = {"vital_signs": 2, "activity": 2, "nausea_vomiting": 2, "pain": 2, "bleeding": 2}


def one_session(room: Room, ref: str, n: int) -> None:
    c = room.command
    c("open_session", NURSE, patient_ref=ref, weight_kg=80, course_no=min(99, n), dose_mg_per_kg=0.5,
      planned_infusion_min=40)
    c("record_assessment", "patient", scale="PHQ-9", items={f"q{i}": max(0, 2 - n // 4) for i in range(1, 10)})
    for item, extra in CHECKLIST:
        c("confirm_checklist", NURSE, item=item, **extra)
    c("record_baseline", NURSE, heart_rate=70, spo2=98, nibp_systolic=120, nibp_diastolic=80)
    c("start_infusion", NURSE)
    room.clock.advance(20 * 60)
    c("note_symptom", NURSE, symptom="nausea", severity="mild")
    room.clock.advance(20 * 60)
    c("complete_infusion", NURSE)
    c("set_comfort_plan", NURSE, plan={"light": 10, "prefers_silence": True, "note": "quiet"})
    room.clock.advance(31 * 60)
    c("record_assessment", NURSE, scale="PADSS", items=PADSS)
    c("discharge", NURSE, escort_confirmed=True)
    room.clock.advance(3 * 24 * 3600)


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=12, help="the patient's infusions in the room's log")
    parser.add_argument("--others", type=int, default=40, help="other patients' sessions in the same log")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rc-bench-course-"))
    room = Room(RoomConfig(room_id="room-1"), tmp / "room", FakeClock())
    devices = RoomDevices(room, room.config, audio=False)
    devices.start()
    t0 = time.perf_counter()
    total = args.sessions + args.others
    stride, mine = max(1, total // max(1, args.sessions)), 0
    for n in range(total):  # the patient's infusions spread among the others', as in a clinic's weeks
        ours = n % stride == 0 and mine < args.sessions
        mine += ours
        one_session(room, "PT-7" if ours else f"PT-{1000 + n}", mine if ours else 1)
    made_s = time.perf_counter() - t0
    devices.close()
    room.close()
    db_path = database.db_path(tmp / "room")
    hubdb = HubDB(str(tmp / "hub.db"))
    token = add_room(hubdb, "room-1")
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(db_path, "room-1", hub.url, token, interval_s=3600)
        assert pusher.sync_now().ok
        pusher.stop()
        client = CourseClient(db_path, hub.url, token)
        answer = client.lookup("PT-7")
        assert answer.source == "hub", answer.notice
        infusions = answer.summary["infusions"]
        with httpx.Client() as http:
            health = median_s(lambda: http.get(hub.url + P.HEALTH_PATH).raise_for_status(), args.repeat)
        from_hub = median_s(lambda: client.lookup("PT-7"), args.repeat)
    down = CourseClient(db_path, f"http://127.0.0.1:{hub.port}", token)  # the hub stopped: a closed port
    from_room = median_s(lambda: down.lookup("PT-7"), args.repeat)
    assert down.lookup("PT-7").summary["infusions"] == infusions, "the room's own log and the hub disagree"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        slow = CourseClient(db_path, f"http://127.0.0.1:{silent.getsockname()[1]}", token)
        silent_s = median_s(lambda: slow.lookup("PT-7"), 3)
    hubdb.close()
    print(f"course of PT-7: {infusions} infusions among {args.sessions + args.others} sessions "
          f"(log made in {made_s:.1f} s)")
    print(f"  {'baseline: hub health check':44} {health * 1000:8.1f} ms")
    print(f"  {'course summary from the hub':44} {from_hub * 1000:8.1f} ms  {from_hub / health:6.1f}× baseline")
    own = "hub down: this room's own log"
    print(f"  {own:44} {from_room * 1000:8.1f} ms  {from_room / health:6.1f}× baseline")
    print(f"  {'hub silent: 1.5 s timeout + own log':44} {silent_s * 1000:8.1f} ms  {silent_s / health:6.1f}× baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
