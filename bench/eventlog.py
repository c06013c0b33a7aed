"""Event log benchmark: durable appends per second against plain sqlite3 inserts, and replay of a 20,000-event log.

Both sides use the same pragmas (WAL, synchronous=FULL) and one row per transaction on the same disk in the same
run, so the ratio says what the hash chain, JSON and engine path cost on top of SQLite's own durable commit.
Run: .venv/bin/python bench/eventlog.py [--appends N] [--replay N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roomcontrol.clock import FakeClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.domain.events import NewEvent  # noqa: E402
from roomcontrol.domain.session import replay  # noqa: E402
from roomcontrol.engine.room import Room  # noqa: E402
from roomcontrol.store import database  # noqa: E402
from roomcontrol.store.eventlog import EventLog, read_events  # noqa: E402

PAYLOAD = {"drug": "ondansetron", "dose": 4, "unit": "mg", "route": "IV", "indication": "nausea"}
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def plain_sqlite(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT, room_id TEXT, session_id TEXT, ts TEXT, "
                 "kind TEXT, actor TEXT, payload TEXT, prev_hash TEXT, hash TEXT)")
    conn.execute("CREATE UNIQUE INDEX e_id ON events(id)")
    conn.execute("CREATE INDEX e_s ON events(session_id, seq)")
    conn.execute("CREATE INDEX e_k ON events(kind, seq)")
    text = json.dumps(PAYLOAD)
    start = time.perf_counter()
    for seq in range(1, n + 1):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)",
                     (seq, str(uuid.uuid4()), "room-1", "s", "2026-01-01T00:00:00.000Z", "medication.given",
                      "rn.ada", text, "0" * 64, "0" * 64))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


def eventlog_appends(path: Path, n: int) -> float:
    db = database.connect(path)
    log = EventLog(db, "room-1")
    start = time.perf_counter()
    for _ in range(n):
        log.append(NewEvent("medication.given", PAYLOAD, "rn.ada", "s"), T0)
    elapsed = time.perf_counter() - start
    db.conn.close()
    return n / elapsed


def build_log(data_dir: Path, n: int) -> None:
    """n events of real sessions (open, checklist, notes, ..., discharge), the last session left open."""
    clock = FakeClock()
    room = Room(RoomConfig(), data_dir, clock)
    news = []
    while room.log.last_seq < n:
        room.command("open_session", "rn", patient_ref="PT-1", weight_kg=70)
        sid = room.state.session.session_id
        news = [NewEvent("note.added", {"text": "observing, comfortable"}, "rn", sid) for _ in range(200)]
        room.log.append_many(news, clock.now())  # bulk: building the fixture is not what we measure
        room.command("abort_session", "rn", reason="bench")
    room.command("open_session", "rn", patient_ref="PT-2", weight_kg=70)
    room.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--replay", type=int, default=20000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        tmp = Path(tmp)
        # Alternate the two sides in short rounds so a disk that warms up, or a neighbour's fsyncs, affect both
        # alike; the median of the per-round ratios is the figure.
        rounds, per = 8, max(50, args.appends // 8)
        base, ours = [], []
        for round_ in range(rounds):
            base.append(plain_sqlite(tmp / f"plain{round_}.db", per))
            ours.append(eventlog_appends(tmp / f"log{round_}.db", per))
        ratios = sorted(o / b for o, b in zip(ours, base))
        print(f"plain sqlite3 durable inserts : {statistics.median(base):9.0f} /s (median of {rounds} rounds)")
        print(f"EventLog.append (hash chain)  : {statistics.median(ours):9.0f} /s")
        print(f"ratio appends/plain           : {statistics.median(ratios):9.2f}   (target >= 0.8; "
              f"rounds {ratios[0]:.2f}–{ratios[-1]:.2f})")

        build_log(tmp / "replay", args.replay)
        db = database.connect(tmp / "replay" / "room.db")
        start = time.perf_counter()
        events = list(read_events(db))
        state = replay(events)
        full = time.perf_counter() - start
        db.conn.close()
        start = time.perf_counter()
        room = Room(RoomConfig(), tmp / "replay", FakeClock())
        resume = time.perf_counter() - start
        assert room.state.phase == "pre_infusion" and state.phase == "pre_infusion"
        room.close()
        print(f"full replay of {len(events)} events : {full * 1000:9.1f} ms ({len(events) / full:.0f} events/s)")
        print(f"engine start on that log       : {resume * 1000:9.1f} ms (replays only the open session)")
        print(f"ratio engine start/full replay : {resume / full:9.3f}")


if __name__ == "__main__":
    main()
