#!/usr/bin/env python3
"""The station's live latency: N rooms (websockets clients, 1 Hz heartbeats of a realistic `state`) publish through
the real hub (a subprocess, SQLite) to a station client; one room at a time raises an alarm and we time
room-send → station-receive. Baseline in the same run: a bare WebSocket relay (a subprocess forwarding every room
message to every station, nothing else). Hub CPU and RSS per room from /proc.

    .venv/bin/python bench/station.py [--rooms 10 40] [--alarms 100] [--rounds 3] [--rate 10]

CPU % is the hub's (or relay's) process CPU over the alarm phase, as % of one core; KiB/room is its RSS growth
from idle to N connected rooms, per room. Targets (issue #14): p99 ≤ 2× the bare relay and ≤ 250 ms at 40 rooms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from roomcontrol.sync.hub import store as hubstore  # noqa: E402
from roomcontrol.sync.hub.db import HubDB  # noqa: E402
from roomcontrol.sync.hub.live_messages import ROOM_LIVE_PATH, STATION_LIVE_PATH  # noqa: E402
from tests.sync.live_helpers import alarm, state  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(x for x in f if x.startswith("VmRSS:")).split()[1])


def wait_port(port: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


# -- the bare relay: rooms' messages forwarded to every station, nothing checked, nothing kept --------------------
def relay_main(port: int) -> None:
    from websockets.asyncio.server import broadcast, serve

    stations: set = set()

    async def handler(ws):
        if ws.request.path == STATION_LIVE_PATH:
            stations.add(ws)
            try:
                await ws.wait_closed()
            finally:
                stations.discard(ws)
        else:
            async for message in ws:
                broadcast(stations, message)

    async def main():
        async with serve(handler, "127.0.0.1", port, max_size=2 ** 20):
            await asyncio.Future()

    asyncio.run(main())


# -- the load -----------------------------------------------------------------------------------------------------
async def load(ws_url: str, tokens: dict[str, str], reader: str, alarms: int, rate: float, pid: int) -> dict:
    sent: dict[str, float] = {}
    latencies: list[float] = []
    current: dict[str, dict] = {r: state(r) for r in tokens}
    done = asyncio.Event()

    station = await connect(ws_url + STATION_LIVE_PATH, additional_headers={"Authorization": f"Bearer {reader}"},
                            max_size=2 ** 24)

    async def receive():
        async for text in station:
            received = time.perf_counter()
            message = json.loads(text)
            room = message.get("room") if message.get("type") == "room" else message
            for a in (room or {}).get("alarms") or ():
                t0 = sent.pop(a["alarm_id"], None)
                if t0 is not None:
                    latencies.append(received - t0)
                    if len(latencies) >= alarms:
                        done.set()

    rooms = {r: await connect(ws_url + ROOM_LIVE_PATH.format(room_id=r),
                              additional_headers={"Authorization": f"Bearer {t}"}) for r, t in tokens.items()}

    async def heartbeat(room_id: str, offset: float):
        await asyncio.sleep(offset)
        while True:
            await rooms[room_id].send(json.dumps(current[room_id]))
            await asyncio.sleep(1.0)

    receiver = asyncio.create_task(receive())
    beats = [asyncio.create_task(heartbeat(r, i / len(rooms))) for i, r in enumerate(rooms)]
    await asyncio.sleep(2.0)  # every room heard, steady state
    cpu0, wall0 = cpu_s(pid), time.perf_counter()
    names = list(rooms)
    for k in range(alarms):
        room_id = names[k % len(names)]
        alarm_id = f"bench-{k}"
        current[room_id] = state(room_id, alarms=[alarm(alarm_id, f"SpO₂ {80 + k % 10} < 90")])
        text = json.dumps(current[room_id])
        sent[alarm_id] = time.perf_counter()
        await rooms[room_id].send(text)  # sent at once on the change, as the room does
        await asyncio.sleep(1.0 / rate)
    try:
        await asyncio.wait_for(done.wait(), 10)
    except asyncio.TimeoutError:
        pass
    cpu = (cpu_s(pid) - cpu0) / (time.perf_counter() - wall0)
    rss = rss_kib(pid)
    for t in (*beats, receiver):
        t.cancel()
    for ws in (*rooms.values(), station):
        await ws.close()
    return {"latencies": latencies, "lost": alarms - len(latencies), "cpu": cpu * 100, "rss": rss}


def summary(runs: list[dict]) -> dict:
    """Latencies pooled over the rounds; CPU and RSS as their mean."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    return {"p50": statistics.median(latencies) * 1000, "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
            "max": latencies[-1] * 1000, "n": len(latencies), "lost": sum(r["lost"] for r in runs),
            "cpu": statistics.mean(r["cpu"] for r in runs), "rss": statistics.mean(r["rss"] for r in runs),
            "idle_rss": statistics.mean(r["idle_rss"] for r in runs)}


def run_one(kind: str, n: int, alarms: int, rate: float, tmp: Path) -> dict:
    port = free_port()
    db = HubDB(tmp / f"hub-{kind}-{n}.db")
    tokens = {f"room-{i:02d}": hubstore.add_room(db, f"room-{i:02d}") for i in range(1, n + 1)}
    reader = hubstore.add_reader(db, "bench")
    db.close()
    if kind == "hub":
        cmd = [sys.executable, "-m", "roomcontrol.sync.hub", "serve", "--db", str(tmp / f"hub-{kind}-{n}.db"),
               "--port", str(port), "--log-level", "warning"]
    else:
        cmd = [sys.executable, __file__, "--relay", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        wait_port(port)
        time.sleep(0.3)
        idle_rss = rss_kib(proc.pid)
        result = asyncio.run(load(f"ws://127.0.0.1:{port}", tokens, reader, alarms, rate, proc.pid))
        result["idle_rss"] = idle_rss
        return result
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, nargs="+", default=[10, 40])
    parser.add_argument("--alarms", type=int, default=100, help="alarms timed per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds per configuration, relay and hub taking turns (a shared machine's noise "
                             "falls on both)")
    parser.add_argument("--rate", type=float, default=10.0, help="alarms per second")
    parser.add_argument("--relay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.relay:
        relay_main(args.relay)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="rc-bench-station-"))
    print(f"{args.rounds} rounds x {args.alarms} alarms at {args.rate:g}/s per configuration; rooms beat at 1 Hz")
    print(f"{'rooms':>5} {'system':<6} {'alarms':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'lost':>4} "
          f"{'CPU %':>6} {'RSS MiB':>8} {'CPU %/room':>10} {'KiB/room':>9}")
    ratios = []
    for n in args.rooms:
        runs: dict[str, list[dict]] = {"relay": [], "hub": []}
        for k in range(args.rounds):
            for kind in (("relay", "hub") if k % 2 == 0 else ("hub", "relay")):
                runs[kind].append(run_one(kind, n, args.alarms, args.rate, tmp))
        results = {kind: summary(r) for kind, r in runs.items()}
        for kind, r in results.items():
            print(f"{n:>5} {kind:<6} {r['n']:>6} {r['p50']:>7.2f} {r['p99']:>7.2f} {r['max']:>7.2f} {r['lost']:>4} "
                  f"{r['cpu']:>6.1f} {r['rss'] / 1024:>8.1f} {r['cpu'] / n:>10.3f} "
                  f"{(r['rss'] - r['idle_rss']) / n:>9.1f}")
        ratio = results["hub"]["p99"] / results["relay"]["p99"]
        ratios.append((n, ratio, results["hub"]["p99"]))
    for n, ratio, p99 in ratios:
        verdict = "ok" if ratio <= 2 and p99 <= 250 else "OVER TARGET"
        print(f"{n} rooms: hub p99 / bare relay p99 = {ratio:.2f}× (target ≤ 2×), hub p99 {p99:.1f} ms "
              f"(target ≤ 250 ms): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
