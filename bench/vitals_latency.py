"""Vitals latency: from the last byte of a frame written on a pty to the `alarm.raised` event, p50 and p99.

The whole real path runs: pty → serial reader thread → parser → engine inbox → alarm rules → SQLite commit
(synchronous=FULL) → event listener. The alarm's condition delay is set to 0, so nothing configured is counted.
Each figure is also given as a fraction of that frame's own time on a 9600-baud wire (10 bits a byte), the
baseline this run measures against (target p99 ≤ 0.1). Parser throughput: see bench/vitals_parsers.py.
Run: .venv/bin/python bench/vitals_latency.py [--samples N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import tty
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roomcontrol.clock import SystemClock  # noqa: E402
from roomcontrol.config.room import parse_config  # noqa: E402
from roomcontrol.devices.vitals.encoders import masimo_line, nonin_packet  # noqa: E402
from roomcontrol.engine.runtime import start_room  # noqa: E402

WIRE_BYTES_PER_S = 9600 / 10


def measure(driver: str, samples: int) -> tuple[list[float], int]:
    master, slave = os.openpty()
    tty.setraw(slave)
    errors: list[str] = []
    options = {"emit_every": 1} if driver == "nonin" else {}
    config = parse_config({"devices": {"vitals": {"driver": driver, "url": os.ttyname(slave), "options": options},
                                       "audio": {"driver": "none"}},
                           "alarms": {"spo2": {"low": 90, "delay_s": 0}}}, errors)
    assert not errors, errors
    if driver == "nonin":
        normal, low = nonin_packet(72, 97), nonin_packet(72, 80)
    else:
        normal = masimo_line(datetime.now(), spo2=97, bpm=72, pi=2.0)
        low = masimo_line(datetime.now(), spo2=80, bpm=72, pi=2.0)
    with tempfile.TemporaryDirectory() as tmp:
        raised, cleared = threading.Event(), threading.Event()
        stamp: list[float] = []

        def on_event(event):
            if event.kind == "alarm.raised" and event.payload["condition"] == "spo2.low":
                stamp.append(time.perf_counter())
                raised.set()
            elif event.kind == "alarm.cleared":
                cleared.set()
        runtime = start_room(config, tmp, clock=SystemClock(), staff_gate=False, listeners=[on_event])
        room = runtime.room
        room.command("open_session", "bench", patient_ref="PT-B", weight_kg=70)
        latencies = []
        for _ in range(samples):
            cleared.clear()
            for _ in range(3):  # a normal reading first, so the alarm clears and the next one is fresh
                os.write(master, normal)
                time.sleep(0.02)
            raised.clear()
            os.write(master, low)
            written = time.perf_counter()
            if not raised.wait(5):
                raise SystemExit(f"{driver}: no alarm within 5 s")
            latencies.append(stamp[-1] - written)
            os.write(master, normal)
            cleared.wait(5)
        runtime.close()
    os.close(master)
    os.close(slave)
    return latencies, len(low)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    for driver, unit in (("masimo", "line"), ("nonin", "packet of 25 frames")):
        lat, size = measure(driver, args.samples)
        wire = size / WIRE_BYTES_PER_S
        q = statistics.quantiles(lat, n=100)
        p50, p99 = statistics.median(lat), q[98]
        print(f"{driver:7s} one {unit} = {size} bytes = {wire * 1000:6.1f} ms on the wire")
        print(f"        last byte → alarm.raised  p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"
              f"   ratio to wire time  p50 {p50 / wire:.3f}  p99 {p99 / wire:.3f}  (target p99 ≤ 0.1)")


if __name__ == "__main__":
    main()
