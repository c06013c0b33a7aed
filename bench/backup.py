"""Backup benchmark: does a backup slow the engine's durable commits, and how fast is it on a large log?

A room log of --events events and --vitals vitals rows is built; then the engine's append (one event per
transaction, synchronous=FULL, as the engine commits) is timed for --seconds while nothing else runs (the
baseline, before and after; the faster is kept) and for as long as backups run back to back on their own connection. Printed: the append latency
(median, p99) in both, their ratio, the backup's throughput and how many backups completed while the log grew.
Run: .venv/bin/python bench/backup.py [--events N] [--vitals N] [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roomcontrol.domain.events import NewEvent  # noqa: E402
from roomcontrol.store import database  # noqa: E402
from roomcontrol.store.backup import backup_room, inspect_backup  # noqa: E402
from roomcontrol.store.eventlog import EventLog  # noqa: E402
from roomcontrol.store.vitals import VitalRow, VitalsWriter  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
NOTE = NewEvent("note.added", {"text": "observation: patient calm, talking, vitals stable"}, "rn.ada", "s-1")


def build(data: Path, events: int, vitals: int) -> EventLog:
    db = database.open_room_db(data)
    log = EventLog(db, "room-1")
    for start in range(0, events, 1000):
        log.append_many([NOTE] * min(1000, events - start), T0)
    writer = VitalsWriter(db)
    for i in range(vitals):
        writer.add(VitalRow("heart_rate", 70.0 + i % 20, "/min", T0, "s-1", source="simulated"), 0.0)
        if i % 5000 == 4999:
            writer.flush()
    writer.flush()
    return log


def appends(log: EventLog, seconds: float, keep_going=lambda: True) -> list[float]:
    took, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end and keep_going():
        t = time.perf_counter()
        log.append(NOTE, T0)
        took.append(time.perf_counter() - t)
    return took


def figures(took: list[float]) -> dict:
    ordered = sorted(took)
    return {"appends": len(took), "median_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--vitals", type=int, default=300_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "room", Path(tmp) / "backups"
        log = build(data, args.events, args.vitals)
        size = database.db_path(data).stat().st_size
        baseline = figures(appends(log, args.seconds))
        made, spent, running = [], [], threading.Event()
        running.set()

        def backups():
            while running.is_set():
                t = time.perf_counter()
                made.append(backup_room(data, out, keep=2))
                spent.append(time.perf_counter() - t)

        thread = threading.Thread(target=backups)
        thread.start()
        during = figures(appends(log, args.seconds))
        running.clear()
        thread.join()
        after = figures(appends(log, args.seconds))  # the baseline again: the log and its WAL have grown since
        baseline = min(baseline, after, key=lambda f: f["median_ms"])
        ok = all(inspect_backup(out / m.file).ok for m in made[-2:])
        print(json.dumps({
            "database_mb": round(size / 1e6, 1), "baseline": baseline, "during_backups": during,
            "median_ratio": round(during["median_ms"] / baseline["median_ms"], 2),
            "p99_ratio": round(during["p99_ms"] / baseline["p99_ms"], 2),
            "backups_completed": len(made), "backup_s_median": round(statistics.median(spent), 2),
            "backup_mb_per_s": round(size / 1e6 / statistics.median(spent), 1),
            "last_backup_seq_range": [made[0].last_seq, made[-1].last_seq], "copies_verify": ok,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
