"""Course benchmark (issue #16): a patient's course at the hub by its index, against reading every synced event.

A clinic's history is made in real room logs (EventLog: chained events, VitalsWriter: vitals at 1 Hz per kind during
the infusion) — `--rooms` rooms, `--patients` patients, each with `--sessions` sessions spread over the rooms —
synced into one hub database through the real pusher and hub on loopback. Then, for random patients:

- index:    course_store.read_summary (what GET /patients/{ref}/course/summary runs: course_sessions by patient
            reference, the last session's events and its vitals extremes) and read_course (a page of 20);
- baseline: the same summary without the index: every event of every room read (store.read_events, paged) and
            folded by domain/course.py's build_course, vitals of the patient's sessions read in full.

The figure is baseline ÷ index for the summary (check-in waits on it), with both times; the answers must agree.
Run: .venv/bin/python bench/course.py [--rooms 3] [--patients 40] [--sessions 6] [--reads 20] [--pg URL]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roomcontrol.domain.course import build_course  # noqa: E402
from roomcontrol.domain.events import Event, NewEvent  # noqa: E402
from roomcontrol.domain.timefmt import parse_iso  # noqa: E402
from roomcontrol.store import database  # noqa: E402
from roomcontrol.store.eventlog import EventLog  # noqa: E402
from roomcontrol.store.vitals import VitalRow, VitalsWriter  # noqa: E402
from roomcontrol.sync.hub import course_store  # noqa: E402
from roomcontrol.sync.hub.db import HubDB  # noqa: E402
from roomcontrol.sync.hub.server import ThreadedHub  # noqa: E402
from roomcontrol.sync.hub.store import add_room, read_events, read_vitals  # noqa: E402
from roomcontrol.sync.pusher import SyncPusher  # noqa: E402

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
INFUSION_S = 40 * 60


def phq(score: int) -> dict:
    items = {f"q{n}": 0 for n in range(1, 10)}
    for n in range(score):
        items[f"q{n % 8 + 1}"] += 1
    return {"scale": "PHQ-9", "score": score, "items": items}


def one_session(log: EventLog, vitals: VitalsWriter, sid: str, patient: str, start: datetime, n: int,
                rng: random.Random) -> None:
    def at(s: float) -> datetime:
        return start + timedelta(seconds=s)
    log.append_many([NewEvent("session.opened", {"patient_ref": patient, "course_no": n + 1, "weight_kg": 80.0,
                                                 "dose_mg_per_kg": 0.5, "total_dose_mg": 40.0,
                                                 "planned_infusion_min": 40.0, "rate_mg_per_h": 60.0},
                              "rn.ada", sid)], at(0))
    log.append_many([NewEvent("assessment.recorded", phq(max(0, 20 - 2 * n)), "patient", sid),
                     NewEvent("vitals.baseline", {"heart_rate": 70, "spo2": 98, "nibp_systolic": 124,
                                                  "nibp_diastolic": 78}, "rn.ada", sid)], at(60))
    log.append_many([NewEvent("infusion.started", {}, "rn.ada", sid)], at(180))
    for k in range(rng.randint(0, 3)):
        log.append_many([NewEvent("alarm.raised", {"alarm_id": f"{sid}-{k}", "condition": "nibp_sys_high",
                                                   "priority": "medium", "value": 150}, "system", sid)],
                        at(600 + 60 * k))
    log.append_many([NewEvent("infusion.completed", {}, "rn.ada", sid)], at(180 + INFUSION_S))
    log.append_many([NewEvent("recovery.started", {}, "rn.ada", sid)], at(240 + INFUSION_S))
    log.append_many([NewEvent("session.discharged", {"padss_score": 10}, "rn.ada", sid)], at(2400 + INFUSION_S))
    for s in range(0, INFUSION_S, 1):  # 1 Hz HR and SpO2, NIBP every 5 min
        t = at(180 + s)
        vitals.add(VitalRow("heart_rate", 72.0 + rng.random() * 20, "/min", t, sid), 0.0)
        vitals.add(VitalRow("spo2", 97.0 + rng.random() * 2, "%", t, sid, flags=("artifact",) if s % 97 == 0 else ()),
                   0.0)
        if s % 300 == 0:
            vitals.add(VitalRow("nibp_systolic", 120.0 + rng.random() * 30, "mmHg", t, sid), 0.0)
            vitals.add(VitalRow("nibp_diastolic", 75.0 + rng.random() * 15, "mmHg", t, sid), 0.0)
    vitals.flush()


def make_clinic(tmp: Path, rooms: int, patients: int, sessions: int, seed: int = 7) -> dict[str, Path]:
    rng = random.Random(seed)
    dirs = {f"room-{r + 1}": tmp / f"room-{r + 1}" for r in range(rooms)}
    logs = {}
    for room_id, d in dirs.items():
        db = database.connect(database.db_path(d))
        logs[room_id] = (db, EventLog(db, room_id), VitalsWriter(db))
    plan = []
    for p in range(patients):
        for n in range(sessions):
            plan.append((T0 + timedelta(days=3 * n, minutes=97 * p), f"PT-{p:04d}", n))
    for i, (start, patient, n) in enumerate(sorted(plan)):  # each room writes its log in time order
        room_id = f"room-{rng.randint(1, rooms)}"
        _db, log, vitals = logs[room_id]
        one_session(log, vitals, f"s-{i:06d}", patient, start, n, rng)
    for db, _log, _vitals in logs.values():
        db.conn.close()
    return dirs


def sync(db: HubDB, dirs: dict[str, Path]) -> float:
    t = time.perf_counter()
    with ThreadedHub(db) as hub:
        for room_id, d in dirs.items():
            pusher = SyncPusher(database.db_path(d), room_id, hub.url, add_room(db, room_id), batch_size=5000)
            result = pusher.sync_now()
            pusher.stop()
            assert result.ok, result
    return time.perf_counter() - t


def baseline_summary(db: HubDB, rooms: list[str], patient: str) -> dict:
    """Without the index: every event of the clinic, folded; the vitals of the patient's sessions in full."""
    events: list[Event] = []
    for room in rooms:
        after = 0
        while page := read_events(db, room, after_seq=after, limit=5000):
            events += [Event(e["seq"], e["id"], e["room_id"], e["session_id"], parse_iso(e["ts"]), e["kind"],
                             e["actor"], e["payload"]) for e in page]
            after = page[-1]["seq"]
    mine = {(e.room_id, e.session_id) for e in events
            if e.kind == "session.opened" and e.payload.get("patient_ref") == patient}
    vitals = []
    for room, sid in mine:
        after = 0
        while page := read_vitals(db, room, session_id=sid, after_id=after, limit=5000):
            vitals += [{**v, "room_id": room} for v in page]
            after = page[-1]["vital_id"]
    course = build_course(patient, events, vitals)
    return course.summary_json()


def timed(fn, *args) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rooms", type=int, default=3)
    ap.add_argument("--patients", type=int, default=40)
    ap.add_argument("--sessions", type=int, default=6)
    ap.add_argument("--reads", type=int, default=20)
    ap.add_argument("--pg", help="a PostgreSQL URL for the hub (default: SQLite in a temp folder)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rc-course-bench-") as tmp:
        t = time.perf_counter()
        dirs = make_clinic(Path(tmp), args.rooms, args.patients, args.sessions)
        made = time.perf_counter() - t
        db = HubDB(args.pg or Path(tmp) / "hub.db")
        pushed = sync(db, dirs)
        with db.connect() as c:
            n_events = c.one("SELECT count(*) FROM events")[0]
            n_vitals = c.one("SELECT count(*) FROM vitals")[0]
        rng = random.Random(11)
        patients = [f"PT-{rng.randrange(args.patients):04d}" for _ in range(args.reads)]
        idx, page, base, mismatches = [], [], [], 0
        for patient in patients:
            dt, course = timed(course_store.read_summary, db, patient)
            idx.append(dt)
            page.append(timed(course_store.read_course, db, patient)[0])
            dt, expected = timed(baseline_summary, db, list(dirs), patient)
            base.append(dt)
            got = course.summary_json()  # type: ignore[union-attr]
            mismatches += any(got[k] != expected[k] for k in ("infusions", "last", "phq9", "response"))
        db.close()
    med_idx, med_page, med_base = (statistics.median(x) for x in (idx, page, base))
    print(f"clinic: {args.rooms} rooms, {args.patients} patients × {args.sessions} sessions = "
          f"{args.patients * args.sessions} sessions, {n_events} events, {n_vitals} vitals "
          f"(made in {made:.1f} s, synced in {pushed:.1f} s)")
    print(f"  course summary by index ({args.reads} reads, median)".ljust(49) + f"{1000 * med_idx:8.1f} ms")
    print(f"  full course page of 20 by index                {1000 * med_page:8.1f} ms")
    print(f"  summary by reading every event (baseline)      {1000 * med_base:8.1f} ms")
    print(f"  baseline ÷ index                               {med_base / med_idx:8.1f}×")
    print(f"  answers that differ                            {mismatches:8d}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
