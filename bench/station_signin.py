"""Station sign-in at the real hub on loopback: what a PIN check costs, and what a flood of sign-ins costs the rooms.

1. Latency, sequential: `POST /api/v1/station/signin` (scrypt, ~16 MiB) against `GET /api/v1/station/me` (a
   session lookup, the baseline) measured in the same run: p50/p99 and their ratio.
2. A flood: 16 threads posting sign-ins (wrong PINs for unknown ids, the costliest answer a stranger can ask for)
   while one room reads its head (`GET /api/v1/rooms/{room}`); the room's p50/p99 during the flood against the
   same reads without it, and the sign-ins the hub served or refused as busy (503).

Run: .venv/bin/python bench/station_signin.py [--signins 40] [--reads 200] [--pg postgresql://...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from roomcontrol.sync.hub import staff as S  # noqa: E402
from roomcontrol.sync.hub.db import HubDB  # noqa: E402
from roomcontrol.sync.hub.server import ThreadedHub  # noqa: E402
from roomcontrol.sync.hub.store import add_room  # noqa: E402

ROOM, PIN = "room-1", "2580"


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def line(name: str, samples: list[float]) -> str:
    return f"{name:<34} p50 {pct(samples, 50):7.1f} ms   p99 {pct(samples, 99):7.1f} ms   (n={len(samples)})"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--signins", type=int, default=40)
    ap.add_argument("--reads", type=int, default=200)
    ap.add_argument("--pg", help="a PostgreSQL URL instead of a SQLite file")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = HubDB(args.pg or Path(tmp) / "hub.db")
        token = add_room(db, ROOM)
        S.add_staff(db, "ann", "Ann Lee", "nurse", PIN)
        with ThreadedHub(db) as hub, httpx.Client(base_url=hub.url, timeout=30) as client:
            r = client.post("/api/v1/station/signin", json={"staff_id": "ann", "pin": PIN})
            r.raise_for_status()
            me = timed(lambda: client.get("/api/v1/station/me").raise_for_status(), args.reads)
            signin = timed(lambda: client.post("/api/v1/station/signin", json={"staff_id": "ann", "pin": PIN})
                           .raise_for_status(), args.signins)
            print(f"hub: {db.describe()}")
            print(line("station/me (baseline)", me))
            print(line("station/signin", signin))
            print(f"signin / me: p50 x{pct(signin, 50) / pct(me, 50):.1f}, p99 x{pct(signin, 99) / pct(me, 99):.1f}")

            room = {"Authorization": f"Bearer {token}"}
            quiet = timed(lambda: client.get(f"/api/v1/rooms/{ROOM}", headers=room).raise_for_status(), args.reads)
            stop, answers, lock = threading.Event(), {}, threading.Lock()

            def flood(k: int) -> None:
                with httpx.Client(base_url=hub.url, timeout=30) as c:
                    i = 0
                    while not stop.is_set():
                        i += 1
                        code = c.post("/api/v1/station/signin",
                                      json={"staff_id": f"x{k}-{i}", "pin": "9999"}).status_code
                        with lock:
                            answers[code] = answers.get(code, 0) + 1

            threads = [threading.Thread(target=flood, args=(k,), daemon=True) for k in range(16)]
            for t in threads:
                t.start()
            time.sleep(0.5)
            t0 = time.perf_counter()
            loaded = timed(lambda: client.get(f"/api/v1/rooms/{ROOM}", headers=room).raise_for_status(), args.reads)
            elapsed = time.perf_counter() - t0
            stop.set()
            for t in threads:
                t.join(30)
            print(line("room read, quiet (baseline)", quiet))
            print(line("room read, 16 threads signing in", loaded))
            print(f"flood / quiet: p50 x{pct(loaded, 50) / pct(quiet, 50):.1f}, "
                  f"p99 x{pct(loaded, 99) / pct(quiet, 99):.1f}"
                  f"; sign-in answers during the flood: {dict(sorted(answers.items()))} "
                  f"(~{answers.get(401, 0) / max(elapsed, 1e-9):.0f}/s checked)")
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
