"""The room's side of the live channel: how soon an alarm raised in the engine reaches the hub's socket, and what
the channel costs the engine.

1. Alarm → hub, p50/p99 (and the part after the event is committed): a real room (engine thread, SQLite synchronous=FULL) posts the monitor lost, the engine
   raises `vitals.lost` and logs it, the live channel builds and sends the state, a real websockets server on
   loopback receives it. Baseline measured in the same run: a bare websockets client sending a state-sized
   message to the same server from another thread (the relay floor: a thread hop, JSON, one socket write).
   The room's path also includes the engine's inbox and a committed SQLite write; the ratio says what is ours.
2. Engine cost: 1000 commands (add_note, each a committed event and a snapshot offered to the channel) with the
   channel connected, against the same room with [station] off: wall time and the engine thread's own CPU time
   (the latter robust on a shared machine). The engine makes one more snapshot per command and swaps a reference;
   building and sending happen on the channel's thread.
Run: .venv/bin/python bench/live_channel.py [--samples N]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from websockets.sync.client import connect  # noqa: E402
from websockets.sync.server import serve  # noqa: E402

from roomcontrol.clock import FakeClock  # noqa: E402
from roomcontrol.config import RoomConfig  # noqa: E402
from roomcontrol.config.room import StationConfig, SyncConfig  # noqa: E402
from roomcontrol.domain.vitals import Health, HealthChange  # noqa: E402
from roomcontrol.engine.live_link import start_live  # noqa: E402
from roomcontrol.engine.room import Room  # noqa: E402

TOKEN = "bench"


class Hub:
    """Records when each message arrives and whether its alarms list is empty."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.arrivals: list[tuple[float, bool]] = []
        self.cond = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", self.port, compression=None)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handle(self, conn) -> None:
        for message in conn:
            alarmed = bool(json.loads(message).get("alarms"))
            with self.cond:
                self.arrivals.append((time.perf_counter(), alarmed))
                self.cond.notify_all()

    def wait_for(self, alarmed: bool, after: float, timeout: float = 5.0) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, a in self.arrivals:
                    if t >= after and a == alarmed:
                        return t
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no state arrived")
                self.cond.wait(left)


def room(data_dir: str, port: int, enabled: bool) -> Room:
    config = RoomConfig(room_id="room-1", sync=SyncConfig(enabled=True, hub_url=f"http://127.0.0.1:{port}",
                                                          token=TOKEN),
                        station=StationConfig(enabled=enabled))
    r = Room(config, data_dir, FakeClock())
    r.command("open_session", "rn.ada", patient_ref="PT-1", weight_kg=70, planned_infusion_min=40)
    return r


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else values[0]


def alarm_latency(samples: int) -> tuple[list[float], list[float], list[float]]:
    hub = Hub()
    ours: list[float] = []
    added: list[float] = []  # from the alarm.raised committed and announced to the hub socket: the channel's part
    logged: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        r = room(tmp, hub.port, True)
        r.subscribe(on_event=lambda e: logged.append(time.perf_counter()) if e.kind == "alarm.raised" else None)
        live = start_live(r, r.config, None, heartbeat_s=60.0)  # no heartbeat in the way: changes only
        r.start(partial=True)
        try:
            hub.wait_for(False, 0.0)
            for n in range(samples):
                lost = n % 2 == 0
                t0 = time.perf_counter()
                r.post_health(HealthChange("vitals", Health.LOST if lost else Health.OK, r.clock.now()))
                t1 = hub.wait_for(lost, t0)
                if lost:  # (back to ok: a technical alarm does not latch, it clears, and the state says so)
                    ours.append(t1 - t0)
                    added.append(t1 - logged[-1])
        finally:
            live.stop()
            r.close()
    # The baseline: a bare client on another thread, a state-sized message, the same server.
    base: list[float] = []
    payload = json.dumps({"type": "state", "alarms": [{"text": "x" * 40}], "pad": "y" * 1200})
    wake, ready = threading.Event(), threading.Event()
    stamp: list[float] = []
    done = threading.Event()

    def sender() -> None:
        with connect(f"ws://127.0.0.1:{hub.port}/", compression=None) as ws:
            ready.set()
            while not done.is_set():
                if wake.wait(0.5):
                    wake.clear()
                    ws.send(payload)

    threading.Thread(target=sender, daemon=True).start()
    ready.wait(5)
    for _ in range(samples // 2):
        t0 = time.perf_counter()
        wake.set()
        base.append(hub.wait_for(True, t0) - t0)
    done.set()
    hub.server.shutdown()
    return ours, added, base


def engine_cost(commands: int, rounds: int = 3) -> dict[bool, tuple[float, float]]:
    """Per setting, the best of `rounds` interleaved runs: (wall seconds, the engine thread's CPU seconds). The
    CPU time is the engine's own cost, robust to a machine shared with other work; the wall time includes
    waiting for the GIL while the channel's thread builds and sends."""
    hub = Hub()
    best: dict[bool, tuple[float, float]] = {}
    for enabled in (False, True) * rounds:
        with tempfile.TemporaryDirectory() as tmp:
            r = room(tmp, hub.port, enabled)
            live = start_live(r, r.config, None)
            r.start(partial=True)
            if enabled:
                hub.wait_for(False, 0.0)
            cpu0 = r.call(time.thread_time).result(30)
            t0 = time.perf_counter()
            for n in range(commands):
                r.submit("add_note", "rn.ada", text=f"note {n}").result(30)
            wall = time.perf_counter() - t0
            cpu = r.call(time.thread_time).result(30) - cpu0
            live.stop()
            r.close()
        was = best.get(enabled, (wall, cpu))
        best[enabled] = (min(was[0], wall), min(was[1], cpu))
    hub.server.shutdown()
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--commands", type=int, default=1000)
    args = parser.parse_args()
    ours, added, base = alarm_latency(args.samples)
    p50, p99, b50, b99 = pct(ours, 50), pct(ours, 99), pct(base, 50), pct(base, 99)
    print(f"monitor lost posted → state at the hub socket, {len(ours)} alarms: p50 {p50 * 1000:.2f} ms, "
          f"p99 {p99 * 1000:.2f} ms (engine inbox, alarm rules, SQLite commit, snapshot, state, send)")
    print(f"  of which after alarm.raised was committed (the channel's part): p50 {pct(added, 50) * 1000:.2f} ms, "
          f"p99 {pct(added, 99) * 1000:.2f} ms")
    print(f"bare websockets relay (baseline), {len(base)} messages: p50 {b50 * 1000:.2f} ms, p99 {b99 * 1000:.2f} ms")
    print(f"channel's part / bare relay: p50 {pct(added, 50) / b50:.1f}x, p99 {pct(added, 99) / b99:.1f}x")
    best = engine_cost(args.commands)
    (off_wall, off_cpu), (on_wall, on_cpu) = best[False], best[True]
    print(f"engine, {args.commands} commands (best of 3 each): [station] off {off_wall:.2f} s wall, "
          f"{off_cpu:.2f} s engine CPU; channel connected {on_wall:.2f} s wall, {on_cpu:.2f} s engine CPU; "
          f"ratio wall {on_wall / off_wall:.2f}, engine CPU {on_cpu / off_cpu:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
